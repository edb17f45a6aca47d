"""Shared test fixtures: a real Chromium (via pytest-playwright) and the fixture shop."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import structlog

from agent import settings_files
from agent.browser import find_browser, launch_args
from agent.redaction import clear_secrets
from fixtures.paraphrase import SEED_VARIABLE, Paraphrase, paraphrase, seed_from
from fixtures.regions import US
from fixtures.server import ShopServer
from tests.support import shared_browser
from tests.support.ledgers import BACKENDS, TEST_DATABASE_URL, PostgresDatabases
from tests.support.ordering import long_first
from tests.support.processes import browser_processes, is_alive
from tests.support.threads import own_browser_for_this_test

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PARAPHRASE_SEED = pytest.StashKey[int]()


# -- the paraphrase variant's seed: one per run, shown in the header and on every failure ------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--paraphrase-seed",
        default=None,
        help=f"seed of the paraphrase variant (default: ${SEED_VARIABLE}, else from the time)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Read before any test's clean environment drops ORDER_AGENT_* variables. Under
    # pytest-xdist every worker takes the controller's seed: one variant per run.
    given = getattr(config, "workerinput", {}).get("paraphrase_seed")
    config.stash[PARAPHRASE_SEED] = seed_from(given or config.getoption("--paraphrase-seed"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: hand the controller's paraphrase seed to each worker."""
    node.workerinput["paraphrase_seed"] = str(node.config.stash[PARAPHRASE_SEED])


# -- long tests first, one at the head of each worker's share --------------------------------
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``long(seconds)`` start first, spread over the xdist workers
    (``tests.support.ordering``); the seconds are a measured run at load, for the spread."""
    long = [
        (item, float(marker.args[0]) if marker.args else 60.0)
        for item in items
        if (marker := item.get_closest_marker("long")) is not None
    ]
    if long:
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
        items[:] = long_first(items, long, workers)


def _replay(config: pytest.Config) -> str:
    seed = config.stash[PARAPHRASE_SEED]
    return f"paraphrase seed {seed} (replay: {SEED_VARIABLE}={seed} or --paraphrase-seed={seed})"


def pytest_report_header(config: pytest.Config) -> str:
    return _replay(config)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and "paraphrase_seed" in getattr(item, "fixturenames", ()):
        report.sections.append(("paraphrase variant", _replay(item.config)))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = find_browser()
    args = {**browser_type_launch_args, "args": launch_args()}
    if executable is not None:
        args["executable_path"] = str(executable)
    return args


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No ORDER_AGENT_* from the outer shell, no stray .env or /run/secrets; logging put back.

    The working directory is a fresh folder, so no .env is picked up by accident.
    """
    for key in list(os.environ):
        if key.upper().startswith("ORDER_AGENT_"):
            monkeypatch.delenv(key)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    # Site profiles are looked up in the user's config dir: never the real one.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(settings_files, "DEFAULT_SECRETS_DIR", tmp_path / "no-secrets")
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    yield
    clear_secrets()
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    # A command configures logging on the stream of the moment, which pytest closes.
    for handler in list(root.handlers):
        if handler not in handlers or getattr(handler, "_order_agent", False):
            root.removeHandler(handler)
    root.setLevel(root_level)


# -- pytest-playwright's session browser ------------------------------------------------------
_session_browser_pids: set[int] = set()


@pytest.fixture(scope="session")
def browser(launch_browser: Callable[[], Browser]) -> Iterator[Browser]:
    """pytest-playwright's own fixture, with the Chromium it starts noted by process id."""
    earlier = browser_processes()
    session_browser = launch_browser()
    _session_browser_pids.update(browser_processes() - earlier)
    yield session_browser
    session_browser.close()


@pytest.fixture(autouse=True)
def _session_browser_guard() -> Iterator[None]:
    """The test that kills the session's browser fails, by name.

    Every later test of its worker process would otherwise fail at setup with "Target
    page, context or browser has been closed", far from the cause.
    """
    yield
    if dead := {pid for pid in _session_browser_pids if not is_alive(pid)}:
        _session_browser_pids.difference_update(dead)
        pytest.fail(f"this test killed the test session's browser (process {sorted(dead)})")


# -- the browser of in-process agent runs ----------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def _shared_browser() -> Iterator[None]:
    """In-process runs borrow one Chromium per test process (``tests.support.shared_browser``),
    closed when the session ends."""
    yield
    shared_browser.stop()


@pytest.fixture(autouse=True)
def _own_browser(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked ``own_browser`` has its in-process runs launch their own Chromium."""
    if request.node.get_closest_marker("own_browser") is None:
        yield
        return
    own_browser_for_this_test.set()
    try:
        yield
    finally:
        own_browser_for_this_test.clear()


# -- the ledger's backend: SQLite (the default) or PostgreSQL -----------------------------------
@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """One PostgreSQL server per test process, started by the first test that needs it."""
    databases = PostgresDatabases()
    yield databases
    databases.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test using ``ledger_url`` (itself or through an autouse fixture) runs once per
    backend, or on those its ``ledger_backends(...)`` marker names."""
    if "ledger_url" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("ledger_backends")
        backends = marker.args if marker is not None else BACKENDS
        metafunc.parametrize("ledger_url", backends, indirect=True)


@pytest.fixture
def ledger_url(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str | None]:
    """Runs the test once per ledger backend: None (the SQLite file in the data dir), then
    the URL of a fresh PostgreSQL database (a copy of one at the current schema; empty
    for a test marked ``new_ledger``), also set for ``tests.support.ledgers`` and handed
    to agent subprocesses."""
    if getattr(request, "param", "sqlite") == "sqlite":
        monkeypatch.delenv(TEST_DATABASE_URL, raising=False)
        yield None
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create(empty=request.node.get_closest_marker("new_ledger") is not None)
    monkeypatch.setenv(TEST_DATABASE_URL, url)
    try:
        yield url
    finally:
        databases.drop(url)


# -- the fixture shop ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def shop_server() -> Iterator[ShopServer]:
    """One fixture shop for the whole session (control API on, warehouse clock frozen)."""
    server = ShopServer(control=True, clock_speed=0.0).start()
    yield server
    server.stop()


@pytest.fixture
def shop(shop_server: ShopServer) -> Iterator[ShopServer]:
    """The session's shop in its seed state, put back to it after the test too.

    Also before: a test that does not ask for ``shop`` leaves what it did behind (a
    module's shared signed-in pages sign in, e.g. ``reading_site``), and the next test
    in the same process would count that sign-in as its own.
    """
    shop_server.reset()
    yield shop_server
    shop_server.reset()


@pytest.fixture(scope="session")
def paraphrase_seed(pytestconfig: pytest.Config) -> int:
    return pytestconfig.stash[PARAPHRASE_SEED]


@pytest.fixture
def paraphrased(shop: ShopServer, paraphrase_seed: int) -> Paraphrase:
    """The US store with every contract phrase inside a longer name, mounted at ``/para/``."""
    variant = paraphrase(US, paraphrase_seed)
    shop.add_region(variant.region)
    return variant
