"""Fixtures for the scheduled-mode tests: settings on the fixture shop, clocks, a receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.scheduler import Scheduler
from agent.session_vault import session_file
from agent.settings import Settings, load_settings
from fixtures.server import ShopServer
from tests.support.environment import QUICK_RETRY_SETTINGS
from tests.support.ledgers import test_database_url
from tests.support.people import JANE, PASSWORD
from tests.support.seeding import seed_data_dir

from .helpers import AgentClock


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None, ledger_url: str | None) -> None:
    """Every test here runs in the clean environment of tests/conftest.py, once per ledger
    backend (``ledger_url``: SQLite, then PostgreSQL; see tests.support.ledgers)."""


@dataclass
class Receiver:
    """An Apprise ``json://`` target on loopback: what a phone would have been sent."""

    port: int
    payloads: list[dict[str, object]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/order-agent"

    @property
    def titles(self) -> list[str]:
        return [str(payload["title"]) for payload in self.payloads]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(port=server.server_address[1])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.payloads.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def agent_clock() -> AgentClock:
    return AgentClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def settings_for(
    shop: ShopServer, data_dir: Path, request: pytest.FixtureRequest
) -> SettingsFactory:
    """``settings_for(password=..., notify=[...], **other_settings)``: Jane on the US store,
    this data dir (unless ``data_dir=`` names another).

    With Jane's own password the data dir starts signed in (``tests.support.seeding``: a
    saved session from an HTTP sign-in, the order list remembered), as after an earlier
    pass; a test about signing in, or counting the sign-ins, is marked ``ui_sign_in``.
    """
    through_pages = request.node.get_closest_marker("ui_sign_in") is not None

    def make(
        *,
        region: str = "us",
        password: str = PASSWORD,
        notify: list[str] | None = None,
        **overrides: object,
    ) -> Settings:
        values: dict[str, object] = {
            "site_url": shop.region_url(region),
            "email": JANE,
            "password": password,
            "data_dir": data_dir,
            "database_url": test_database_url(),
            "notify": notify or [],
            "headless": True,
            **QUICK_RETRY_SETTINGS,
            **overrides,
        }
        settings = load_settings(**values)
        by_the_pages = through_pages or password != PASSWORD or values["email"] != JANE
        if not by_the_pages and not session_file(settings).is_file():
            seed_data_dir(settings.data_dir, shop, region, JANE)
        return settings

    return make


SchedulerFactory = Callable[..., Scheduler]


@pytest.fixture
def scheduler_for(settings_for: SettingsFactory, agent_clock: AgentClock) -> SchedulerFactory:
    """A scheduler on the agent clock, without jitter (checks come exactly --every apart)."""

    def make(settings: Settings | None = None, **options: object) -> Scheduler:
        chosen: dict[str, object] = {"clock": agent_clock, "jitter": lambda every: timedelta(0)}
        return Scheduler(settings or settings_for(), **{**chosen, **options})  # type: ignore[arg-type]

    return make
