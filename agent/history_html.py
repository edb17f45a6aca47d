"""``order-agent history --html PATH``: one self-contained page a shopper would rather
look at than read JSON.

A timeline per order, newest first: what was done, when, the case or return number,
the screenshots inline (``data:`` URIs, so the page can be mailed or moved on its own)
and links to the receipts and labels (relative to the page when they share a folder
tree, else ``file:`` URLs). No script, no external resource; the page works offline.
It is built from the redacted history and scrubbed again as a whole, then written
atomically (0600: it holds the order's details).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from agent.history import OrderHistory, history_json, local_time, state_words
from agent.redaction import scrub
from ordercore.errors import StorageError
from ordercore.private_files import write_private

# A screenshot bigger than this is linked rather than inlined: the page stays openable.
MAX_INLINE_BYTES = 8 * 1024 * 1024

_STYLE = """
:root { color-scheme: light dark; --line: #8884; --accent: #2e7d32; --muted: #6b6b6b; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
header p, .muted { color: var(--muted); }
section.order { border-top: 2px solid var(--line); padding-top: 1rem; margin-top: 2rem; }
.now { font-weight: 600; }
dl.numbers { display: flex; flex-wrap: wrap; gap: 0 2rem; }
dl.numbers dt { color: var(--muted); } dl.numbers dd { margin: 0 0 .5rem; font-weight: 600; }
ol.timeline { list-style: none; padding: 0; margin: 1rem 0 0 .5rem;
  border-left: 3px solid var(--line); }
ol.timeline > li { position: relative; padding: 0 0 1.25rem 1.25rem; }
ol.timeline > li::before { content: ""; position: absolute; left: -.55rem; top: .45rem;
  width: .8rem; height: .8rem; border-radius: 50%; background: var(--line); }
ol.timeline > li.request::before, ol.timeline > li.return::before,
ol.timeline > li.label::before { background: var(--accent); }
ol.timeline > li.problem::before { background: #c62828; }
ol.timeline h3 { font-size: 1rem; margin: 0; }
time { color: var(--muted); font-size: .9rem; }
.reference { font-family: ui-monospace, monospace; font-weight: 700; }
figure { margin: .5rem 0; }
figure img { max-width: 100%; max-height: 32rem; border: 1px solid var(--line); }
ul.files { padding-left: 1.2rem; margin: .25rem 0; }
"""


def _link(target: Path, page_dir: Path) -> str:
    """A link from the page to ``target``: relative when possible, else a file: URL."""
    target = target.resolve()
    try:
        relative = os.path.relpath(target, page_dir)
    except ValueError:  # another drive (Windows)
        return target.as_uri()
    if relative.startswith(".." + os.sep + ".." + os.sep + ".."):
        return target.as_uri()  # far away: an absolute URL reads better and survives less moving
    return quote(Path(relative).as_posix())


def _inline_image(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_INLINE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(b"\x89PNG"):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _when(text: str) -> tuple[str, str]:
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return moment.isoformat(timespec="seconds"), local_time(moment)


_FILE_NAMES = {"receipt": "Receipt (JSON)", "label": "Return label (PDF)"}


def _entry(entry: dict[str, Any], order: str, page_dir: Path) -> str:
    stamp, shown = _when(entry["at"])
    parts = [
        f'<li class="{escape(entry["kind"])}">',
        f'<time datetime="{escape(stamp)}">{escape(shown)}</time>',
        f"<h3>{escape(entry['what'])}</h3>",
    ]
    if entry["reference"]:
        name = escape(entry["reference_name"] or "Reference")
        parts.append(f'<p>{name} <span class="reference">{escape(entry["reference"])}</span></p>')
    if entry["detail"]:
        parts.append(f'<p class="muted">{escape(str(entry["detail"]))}</p>')
    files: list[str] = []
    for proof in entry["proofs"]:
        path = Path(proof["path"])
        href = escape(_link(path, page_dir))
        if proof["kind"] == "screenshot":
            source = _inline_image(path)
            caption = f"Screenshot: {proof['what']}, order {order}"
            if source is not None:
                parts.append(
                    f'<figure><img src="{source}" alt="{escape(caption)}">'
                    f'<figcaption class="muted">{escape(caption)} '
                    f'(<a href="{href}">file</a>)</figcaption></figure>'
                )
                continue
            files.append(f'<li><a href="{href}">{escape(caption)}</a></li>')
            continue
        name = _FILE_NAMES.get(proof["kind"], proof["kind"].capitalize())
        if proof["kind"] == "label" and entry["reference"]:
            name = f"Return label {entry['reference']} (PDF)"
        files.append(
            f'<li><a href="{href}">{escape(name)}</a> <span class="muted">'
            f"{escape(path.name)}</span></li>"
        )
    if files:
        parts.append('<ul class="files">' + "".join(files) + "</ul>")
    parts.append("</li>")
    return "".join(parts)


def _order(order: dict[str, Any], page_dir: Path) -> str:
    number = order["order"]
    anchor = "order-" + "".join(c if c.isalnum() else "-" for c in number)
    where = ", ".join(part for part in (order["site"], order["account"]) if part)
    now = order["status"].replace("_", " ") if order["status"] else None
    state = state_words(order["state"], order["state_message"])
    parts = [
        f'<section class="order" aria-labelledby="{anchor}">',
        f'<h2 id="{anchor}">Order {escape(number)}</h2>',
    ]
    if where:
        parts.append(f'<p class="muted">{escape(where)}</p>')
    parts.append(f'<p class="now">Now: {escape("; ".join(filter(None, [now, state])))}</p>')
    numbers = [("Case", value) for value in order["cases"]]
    numbers += [("Return", value) for value in order["returns"]]
    if numbers:
        parts.append(
            '<dl class="numbers">'
            + "".join(
                f"<div><dt>{name}</dt><dd>{escape(value)}</dd></div>" for name, value in numbers
            )
            + "</dl>"
        )
    parts.append(f'<ol class="timeline" aria-label="What happened to order {escape(number)}">')
    parts.extend(_entry(entry, number, page_dir) for entry in order["entries"])
    parts.append("</ol></section>")
    return "\n".join(parts)


def render_html(histories: Sequence[OrderHistory], data_dir: Path, page: Path) -> str:
    """The whole page for ``histories``, with links that work from ``page``'s folder."""
    obj = history_json(histories, data_dir)  # redacted
    page_dir = page.resolve().parent
    generated = local_time(datetime.now(UTC))
    if obj["orders"]:
        body = "\n".join(_order(order, page_dir) for order in obj["orders"])
    else:
        body = "<p>Nothing done yet: no order has a history.</p>"
    count = len(obj["orders"])
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>order-agent history</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<header>
<h1>What order-agent did</h1>
<p>{count} order{"s" if count != 1 else ""}, newest first; from {escape(str(obj["data_dir"]))}
at {escape(generated)}.</p>
</header>
{body}
</main>
</body>
</html>
"""
    return scrub(document)


def write_page(path: Path, document: str) -> Path:
    """Write the page whole or not at all (a temporary file renamed over ``path``)."""
    path = Path(path).expanduser()
    try:
        return write_private(path, document.encode("utf-8"))
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc
