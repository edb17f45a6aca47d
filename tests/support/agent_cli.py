"""``order-agent`` as a shopper runs it: a separate process, configured by ORDER_AGENT_* only.

The security and fault tests look at everything a run leaves behind (stdout,
stderr, the data dir, traces) and some kill its browser, so each run is a real
``python -m agent`` process with a clean environment: no ORDER_AGENT_* from
the outer shell, no stray ``.env``, no ``/run/secrets``.

A run of an order command as the seed's own account starts signed in when the AgentCLI
is made with ``seed_sessions`` (the ``agent`` fixture, unless the test is marked
``ui_sign_in``): its data dir gets a saved session from an HTTP sign-in first
(``tests.support.seeding``), as an earlier run would have left it. A test about signing in,
a session the shop ends, or the sign-ins it counts is marked ``ui_sign_in``.

Every run logs at debug level, and every run is a small canary test of its
own: the password and TOTP secret it was given must not show up in its
output (checked after each run) nor in its data dir (``assert_no_secrets``,
run when the test ends).
"""

from __future__ import annotations

import base64
import contextlib
import html as html_escaping
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from fixtures.server import ShopServer
from tests.support.agent_runs import AgentRun
from tests.support.environment import agent_environment
from tests.support.people import JANE, PASSWORD
from tests.support.seeding import seed_for_command

RUN_TIMEOUT_S = 150


class AgentCLI:
    """Runs ``order-agent`` against the fixture shop with its own data dir and working dir."""

    def __init__(self, shop: ShopServer, home: Path, *, seed_sessions: bool = False) -> None:
        self.shop = shop
        self.home = home
        self.seed_sessions = seed_sessions
        self.data_dir = home / "data"
        self.cwd = home / "cwd"
        self.cwd.mkdir(parents=True, exist_ok=True)
        self.no_secrets = home / "no-secrets"
        self.no_secrets.mkdir(exist_ok=True)
        self.runs: list[AgentRun] = []
        self.secrets: set[str] = set()
        self.data_dirs: set[Path] = {self.data_dir}

    def env(
        self,
        *,
        region: str | None = "us",
        site_url: str | None = None,
        email: str | None = JANE,
        password: str | None = PASSWORD,
        totp_secret: str | None = None,
        data_dir: Path | None = None,
        **settings: str,
    ) -> dict[str, str]:
        """The process environment: ``settings`` are ORDER_AGENT_<NAME> values."""
        env = agent_environment()
        values: dict[str, str | None] = {
            "site_url": site_url or (self.shop.region_url(region) if region else None),
            "email": email,
            "password": password,
            "totp_secret": totp_secret,
            "data_dir": str(data_dir or self.data_dir),
            "secrets_dir": str(self.no_secrets),
            "log_format": "json",
            "log_level": "debug",
            **settings,
        }
        for name, value in values.items():
            if value is not None:
                env[f"ORDER_AGENT_{name.upper()}"] = value
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "agent", *args]

    def prepare(self, args: tuple[str, ...], **env: Any) -> dict[str, str]:
        """The environment of a run of ``args`` (see :meth:`env`), its secrets noted, and
        its data dir seeded with a saved session when this AgentCLI seeds them."""
        environment = self.env(**env)
        self._note(environment)
        if self.seed_sessions:
            # A data dir the test made unusable is left as it is: the run meets it so.
            with contextlib.suppress(OSError):
                seed_for_command(self.shop, args, environment)
        return environment

    def _note(self, environment: dict[str, str]) -> None:
        for name in ("PASSWORD", "TOTP_SECRET"):
            value = environment.get(f"ORDER_AGENT_{name}", "")
            if value.strip():
                self.secrets.add(value)
        self.data_dirs.add(Path(environment["ORDER_AGENT_DATA_DIR"]))

    def _checked(self, run: AgentRun) -> AgentRun:
        self.runs.append(run)
        leaks = find_leaks({"stdout": run.stdout.encode(), "stderr": run.stderr.encode()}, self)
        assert not leaks, f"secrets in the output: {leaks}\n{run.explain()}"
        return run

    def run(self, *args: str, umask: int | None = None, **env: Any) -> AgentRun:
        environment = self.prepare(args, **env)
        previous = os.umask(umask) if umask is not None else None
        try:
            done = subprocess.run(
                self.command(*args),
                env=environment,
                cwd=self.cwd,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
                check=False,
            )
        finally:
            if previous is not None:
                os.umask(previous)
        return self._checked(AgentRun(done.returncode, done.stdout, done.stderr, tuple(args)))

    def start(self, *args: str, **env: Any) -> subprocess.Popen[str]:
        """A run in the background (to interfere with it while it works)."""
        environment = self.prepare(args, **env)
        return subprocess.Popen(
            self.command(*args),
            env=environment,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self, process: subprocess.Popen[str], args: tuple[str, ...]) -> AgentRun:
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT_S)
        return self._checked(AgentRun(process.returncode, stdout, stderr, args))

    def assert_no_secrets(self) -> None:
        """No file in any data dir used (traces unzipped) holds a secret given to a run."""
        stored = {}
        for folder in self.data_dirs:
            for path in files_under(folder):
                stored.update(readable_parts(path))
        leaks = find_leaks(stored, self)
        assert not leaks, f"secrets stored on disk: {leaks}"


def files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file())


def readable_parts(path: Path) -> dict[str, bytes]:
    """A file's bytes, and each member of it when it is a zip (a trace)."""
    data = path.read_bytes()
    parts = {str(path): data}
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                parts[f"{path}!{name}"] = archive.read(name)
    return parts


def encodings(secret: str) -> set[str]:
    """The shapes a secret takes once quoted, escaped or encoded."""
    raw = secret.encode()
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
        html_escaping.escape(secret),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
    }


def find_leaks(blobs: dict[str, bytes], secrets: AgentCLI | Iterable[str]) -> list[str]:
    """``where: which secret`` for every blob holding a secret in any of its shapes."""
    values = secrets.secrets if isinstance(secrets, AgentCLI) else set(secrets)
    shapes = {shape.encode(): value for value in values for shape in encodings(value)}
    found = []
    for where, data in blobs.items():
        for shape, value in shapes.items():
            if shape in data:
                found.append(f"{where}: {value[:4]}… as {shape[:12]!r}")
    return found


@pytest.fixture
def agent(shop: ShopServer, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[AgentCLI]:
    """``agent.run("status", "70001")``: one process per call, this test's own data dir;
    an order command as the seed's account starts signed in unless the test is marked
    ``ui_sign_in``.

    When the test ends, no data dir it used may hold a password or TOTP secret it gave.
    """
    through_pages = request.node.get_closest_marker("ui_sign_in") is not None
    cli = AgentCLI(shop, tmp_path, seed_sessions=not through_pages)
    yield cli
    cli.assert_no_secrets()


# -- sites that are not the fixture shop ----------------------------------------------------


@dataclass
class Page:
    body: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    body: bytes


class StaticSite:
    """A tiny web site on its own loopback port (its own origin), recording every request.

    ``pages`` maps a path to a ``Page``; anything else is a 404. ``host`` is what its
    URLs say (``127.0.0.1`` or ``localhost``: two different origins on one machine).
    """

    def __init__(self, pages: dict[str, Page], *, host: str = "127.0.0.1") -> None:
        self.pages = pages
        self.host = host
        self.received: list[Received] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                site.received.append(Received(self.command, self.path, body))
                page = site.pages.get(self.path.split("?")[0], Page("<h1>Not found</h1>", 404))
                data = page.body.encode()
                self.send_response(page.status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test reads ``received``

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def __enter__(self) -> StaticSite:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def html(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="icon" href="data:,"></head><body>{body}</body></html>'
    )
