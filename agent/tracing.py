"""Playwright traces for debugging (``--trace``), without the shopper's secrets.

What a Playwright 1.65 trace holds, measured with Chromium (the tests in
``tests/security/test_security_tracing.py`` check every point):

* every ``fill()`` value, in the call's parameters and log, and every input's
  value in the DOM snapshots: a typed password or code;
* the context's whole network log, cookies and request bodies included. A
  ``stop_chunk()``/``start_chunk()`` pause is not enough: the next chunk still
  carries the sign-in POST, password and all. Only ``stop()``/``start()``
  leaves what happened in between out;
* ``Cookie`` / ``Set-Cookie`` headers, and the result of ``storage_state()`` /
  ``cookies()`` calls: the session cookie.

So a trace is recorded in segments, each a whole ``start()``…``stop()``:

1. nothing is recorded while signing in: the runner stops the segment before
   the first field is typed and starts a new one once signed in, after
   blanking any password or code field the page still holds (a sign-in that
   did not navigate away);
2. each segment is rewritten before it is kept: cookie and authorization
   headers and cookie values blanked, form fields named like secrets blanked,
   and every registered secret (password, TOTP secret and codes, the session's
   cookie values) cut out of every member of the zip;
3. segments are kept as ``<data_dir>/traces/<time>-<command>-<order>-<n>.zip``
   (0600, in a 0700 folder); only the newest ``KEEP_TRACES`` are kept.

Tracing never breaks a run: a segment that cannot be saved is logged and lost.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from agent.logs import get_logger
from agent.receipts import DIR_MODE, ProofStore, safe_name
from agent.redaction import REDACTED, is_secret_key, register_secret, scrub
from ordercore.errors import OrderAgentError

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

log = get_logger("agent.tracing")

TRACES_DIR = "traces"
KEEP_TRACES = 30
# Cookie values this long are treated as secrets everywhere in a trace (and in
# logs): session ids are long and random; "accepted" or "1" are not worth hiding.
MIN_SECRET_COOKIE_LENGTH = 16
_RAW_PREFIX = ".raw-"
# Members written as JSON lines by Playwright: the actions and the network log.
_EVENT_SUFFIXES = (".trace", ".network")
_FORM = "application/x-www-form-urlencoded"

# Blanks password and code fields still holding a value, in one frame; returns how many.
_BLANK_TYPED_SECRETS = """() => {
  let blanked = 0;
  for (const field of document.querySelectorAll("input")) {
    const secret = field.type === "password" || field.autocomplete === "one-time-code";
    if (secret && field.value) {
      field.value = "";
      blanked += 1;
    }
  }
  return blanked;
}"""


def traces_dir(data_dir: Path) -> Path:
    return Path(data_dir).expanduser() / TRACES_DIR


def trace_name(command: str, order: str, moment: datetime | None = None) -> str:
    """``20250301T101500Z-cancel-70001``: one run's traces share it."""
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{safe_name(command)}-{safe_name(order)}"


class Tracer:
    """Records one run's trace in segments that never hold a secret."""

    def __init__(self, context: BrowserContext | None, data_dir: Path | None, name: str) -> None:
        self.context = context
        self.data_dir = data_dir
        self.name = name
        self.recording = False
        self.saved: list[Path] = []

    @classmethod
    def off(cls) -> Tracer:
        """A tracer that records nothing (the default: tracing is opt-in)."""
        return cls(None, None, "")

    @property
    def enabled(self) -> bool:
        return self.context is not None and self.data_dir is not None

    def start(self) -> None:
        """Start a segment (signed in, no secret typed on the page from now on)."""
        if not self.enabled or self.recording:
            return
        assert self.context is not None
        self._blank_typed_secrets()
        try:
            self.context.tracing.start(
                title=self.name, snapshots=True, screenshots=True, sources=False
            )
        except Exception as exc:  # a debugging aid must not fail the run
            log.warning("tracing could not start", error=type(exc).__name__)
            return
        self.recording = True

    def stop(self) -> Path | None:
        """End the segment (before anything secret happens); keep it, scrubbed."""
        if not self.recording:
            return None
        self.recording = False
        assert self.context is not None and self.data_dir is not None
        folder = traces_dir(self.data_dir)
        raw_dir: Path | None = None
        try:
            proofs = ProofStore(self.data_dir)
            _private_dir(folder)
            raw_dir = Path(tempfile.mkdtemp(prefix=_RAW_PREFIX, dir=folder))
            raw = raw_dir / "trace.zip"
            self.context.tracing.stop(path=str(raw))
            # Read only now, with tracing off: this call's result would be recorded.
            self._register_cookie_values()
            clean = scrub_trace(raw.read_bytes())
            final = proofs.write_bytes(self._next_path(folder), clean)
        except (OrderAgentError, OSError, zipfile.BadZipFile) as exc:
            log.warning("trace not saved", error=type(exc).__name__, reason=str(exc))
            return None
        except Exception as exc:  # the browser died: the segment died with it
            log.warning("trace not saved", error=type(exc).__name__)
            return None
        finally:
            if raw_dir is not None:
                shutil.rmtree(raw_dir, ignore_errors=True)
        self.saved.append(final)
        log.info("trace saved", path=str(final))
        prune(folder)
        return final

    def _next_path(self, folder: Path) -> Path:
        # Numbered across browsers: a run that restarts its browser keeps both parts.
        number = len(list(folder.glob(f"{self.name}-*.zip"))) + 1
        return folder / f"{self.name}-{number}.zip"

    def _register_cookie_values(self) -> None:
        assert self.context is not None
        for cookie in self.context.cookies():
            value = cookie.get("value") or ""
            if len(value) >= MIN_SECRET_COOKIE_LENGTH:
                register_secret(value)

    def _blank_typed_secrets(self) -> None:
        assert self.context is not None
        for page in self.context.pages:
            for frame in page.frames:
                try:
                    blanked = frame.evaluate(_BLANK_TYPED_SECRETS)
                except Exception:  # a frame going away holds nothing to record
                    continue
                if blanked:
                    log.debug("blanked typed secrets before tracing", fields=blanked)


def _private_dir(folder: Path) -> None:
    existed = folder.is_dir()
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if not existed:
        folder.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask


def prune(folder: Path, keep: int = KEEP_TRACES) -> None:
    """Keep the newest ``keep`` traces, and no raw segment left by a run killed mid-save."""
    for leftover in folder.glob(f"{_RAW_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    traces = sorted(folder.glob("*.zip"), key=lambda path: path.name, reverse=True)
    for old in traces[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


# -- rewriting a trace ----------------------------------------------------------------------


def scrub_trace(data: bytes) -> bytes:
    """A trace zip with cookies, secret fields and registered secrets taken out."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    form_bodies: set[str] = set()
    cleaned: dict[str, bytes] = {}
    for info, content in members:
        if info.filename.endswith(_EVENT_SUFFIXES):
            cleaned[info.filename] = _scrub_events(content, form_bodies)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            if info.filename in cleaned:
                content = cleaned[info.filename]
            elif info.filename in form_bodies:
                content = _scrub_bytes(_scrub_form(content.decode("utf-8", "replace")).encode())
            else:
                content = _scrub_bytes(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def _scrub_bytes(content: bytes) -> bytes:
    # surrogateescape keeps any byte (images included) as it was, except secrets.
    return scrub(content.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def _scrub_events(content: bytes, form_bodies: set[str]) -> bytes:
    lines = []
    for line in content.decode("utf-8", "surrogateescape").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            lines.append(scrub(line))
            continue
        _note_form_bodies(event, form_bodies)
        lines.append(json.dumps(_clean(event), ensure_ascii=False, separators=(",", ":")))
    text = "\n".join(lines) + ("\n" if lines else "")
    return text.encode("utf-8", "surrogateescape")


def _note_form_bodies(value: Any, found: set[str]) -> None:
    """The zip members holding url-encoded request bodies (``postData._file``)."""
    if isinstance(value, dict):
        body = value.get("postData")
        if isinstance(body, dict) and _FORM in str(body.get("mimeType", "")):
            stored = body.get("_file")
            if isinstance(stored, str):
                found.add(stored if stored.startswith("resources/") else f"resources/{stored}")
        for item in value.values():
            _note_form_bodies(item, found)
    elif isinstance(value, list):
        for item in value:
            _note_form_bodies(item, found)


def _clean(value: Any) -> Any:
    """``value`` (decoded JSON) with secret headers, cookies, fields and texts blanked."""
    if isinstance(value, dict):
        named = value.get("name")
        if isinstance(named, str) and "value" in value and is_secret_key(named):
            # {"name": "Cookie", "value": ...}, a form field "password", a header "Authorization"
            value = {**value, "value": REDACTED}
        if _FORM in str(value.get("mimeType", "")) and isinstance(value.get("text"), str):
            value = {**value, "text": _scrub_form(value["text"])}
        return {key: _clean_member(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def _clean_member(key: str, item: Any) -> Any:
    if key.lower() == "cookies" and isinstance(item, list):
        # HAR cookie lists and storage_state() results: keep names, drop values.
        return [
            {**cookie, "value": REDACTED} if isinstance(cookie, dict) else REDACTED
            for cookie in item
        ]
    if is_secret_key(key) and isinstance(item, str | int | float) and item != "":
        return REDACTED
    return _clean(item)


def _scrub_form(text: str) -> str:
    """A url-encoded body with the values of secret-named fields blanked."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return scrub(text)
    return scrub(urlencode([(k, REDACTED if is_secret_key(k) else v) for k, v in pairs]))
