"""The browser of a run: Chromium launched (or lent, in the tests), a context with the
account's saved session, page furniture not loaded, and the engine imported meanwhile.

``open_browser`` is one run's; ``open_context`` a context in a browser already running
(a worker process keeps one Chromium for many accounts). Nothing here signs in or reads a
page: ``agent.runner`` does, on the page a ``BrowserSession`` holds.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.browser import MISSING_HINT, BrowserNotFound, find_browser, launch_options
from agent.interrupts import driver_in_its_own_session
from agent.receipts import ProofStore
from agent.session_vault import session_file
from agent.settings import Settings
from agent.tracing import Tracer
from ordercore.errors import ConfigError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# Requests for page furniture the agent never looks at: skipping them makes
# every page load cheaper without changing what a person would read.
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})
# Only URLs that look like such furniture are routed at all: Playwright matches the
# pattern in the browser's driver, so every other request (pages, scripts, the label
# PDF) never makes the round trip through Python. The resource type still decides.
BLOCKED_RESOURCE_URLS = re.compile(
    r"\.(?:png|jpe?g|gif|webp|avif|svg|ico|bmp|woff2?|ttf|otf|eot|mp4|webm|mp3|ogg|wav|m4a)"
    r"(?:[?#]|$)",
    re.IGNORECASE,
)


@dataclass
class BrowserSession:
    """One browser and one context for a whole run."""

    browser: Browser
    context: BrowserContext
    page: Page
    storage_path: Path
    tracer: Tracer = field(default_factory=Tracer.off)

    def save_storage(self, proofs: ProofStore) -> None:
        # The saved session lets the next run skip signing in; it holds the
        # session cookie, so it is written 0600 like every proof file.
        # Written raw: the redacting JSON writer would blank the very cookies it must keep.
        state = json.dumps(self.context.storage_state()).encode("utf-8")
        proofs.write_bytes(self.storage_path, state)

    def gone(self) -> bool:
        """Whether the browser died (crash, kill, lost connection) or this page closed.

        A dead browser's error can reach a step before the news that the browser died, so
        a browser still thought connected is asked one question: its answer (or refusal)
        comes after that news.
        """
        try:
            if self.known_gone():
                return True
            self.context.cookies("https://order-agent.invalid/")
            return self.known_gone()
        except Exception:  # asking a dead driver can fail too: that is a crash
            return True

    def known_gone(self) -> bool:
        """Whether Playwright has already taken in that the browser or this page is gone
        (no question asked: for before a step; after a failed one, ask :meth:`gone`)."""
        return not self.browser.is_connected() or self.page.is_closed()


_engine_import: threading.Thread | None = None


def _import_engine() -> None:
    # An import that fails here fails again, with its real error, where it is used.
    with suppress(Exception):
        import flows.site  # noqa: F401


def _start_importing_engine() -> None:
    global _engine_import
    if _engine_import is None and "flows.site" not in sys.modules:
        _engine_import = threading.Thread(target=_import_engine, name="import-engine", daemon=True)
        _engine_import.start()


def engine_imported() -> None:
    """Wait for the background import of flows/ (if one is under way)."""
    if _engine_import is not None:
        _engine_import.join()


# A test-only seam: the test suite (tests/support/shared_browser.py) may lend in-process
# runs a browser already running on their thread, so each skips a driver and a Chromium
# launch. Handed launch options it returns a browser to use (closing it closes only what
# the run opened), or None. Never set in the product: there every run launches its own.
BrowserLender = Callable[[dict[str, object]], "AbstractContextManager[Browser] | None"]
lend_browser: BrowserLender | None = None


@contextmanager
def launched_browser(settings: Settings) -> Iterator[Browser]:
    """Chromium for one run, closed by the run (``browser.close()``) before this ends."""
    try:
        executable = find_browser(settings.browser)
    except BrowserNotFound as exc:  # ORDER_AGENT_BROWSER names no program
        raise ConfigError(str(exc), hint=MISSING_HINT) from None
    options = launch_options(executable, headless=settings.headless)
    lent = lend_browser(options) if lend_browser is not None else None
    if lent is not None:
        with lent as browser:
            yield browser
        return
    from playwright.sync_api import sync_playwright

    # A terminal's Ctrl-C reaches the agent alone: it closes the browser after telling
    # what was sent (agent.interrupts).
    with ExitStack() as stack:
        with driver_in_its_own_session():
            playwright = stack.enter_context(sync_playwright())
        if executable is None and not Path(playwright.chromium.executable_path).is_file():
            # Neither a Chromium of ours nor Playwright's own download: say so in one line.
            raise ConfigError("no Chromium found to start", hint=MISSING_HINT)
        yield playwright.chromium.launch(**options)  # type: ignore[arg-type]


@contextmanager
def open_browser(
    settings: Settings, *, trace: str | None = None, fresh: bool = False
) -> Iterator[BrowserSession]:
    """Launch Chromium (imported only now) with the saved session, if any.

    ``trace`` names the run's Playwright trace (``--trace``); recording starts once signed in.
    ``fresh``: without the saved session (``doctor`` checks signing in itself).
    """
    # The engine's modules are imported while this thread waits for the driver and
    # Chromium to start (other processes, another core): their import then costs no
    # wall time. The first use of flows/ joins it (``engine_imported``).
    _start_importing_engine()
    with launched_browser(settings) as browser:
        try:
            with open_context(browser, settings, trace=trace, fresh=fresh) as session:
                yield session
        finally:
            browser.close()


@contextmanager
def open_context(
    browser: Browser, settings: Settings, *, trace: str | None = None, fresh: bool = False
) -> Iterator[BrowserSession]:
    """A context of its own (cookies, storage, downloads) in a running ``browser``, with
    the account's saved session, if any; closed when this ends, the browser left running.

    ``open_browser`` has one per run; a worker process (``agent.distributed``) one per
    stored account in its one Chromium.
    """
    _start_importing_engine()
    storage_path = session_file(settings)
    context = browser.new_context(
        accept_downloads=True,
        storage_state=str(storage_path) if storage_path.is_file() and not fresh else None,
    )
    try:
        context.set_default_timeout(settings.timeout_ms)
        context.set_default_navigation_timeout(settings.navigation_timeout_ms)
        context.route(
            BLOCKED_RESOURCE_URLS,
            lambda route: (
                route.abort()
                if route.request.resource_type in BLOCKED_RESOURCES
                else route.fallback()
            ),
        )
        page = context.new_page()
        tracer = Tracer(context, settings.data_dir, trace) if trace else Tracer.off()
        try:
            yield BrowserSession(browser, context, page, storage_path, tracer)
        finally:
            tracer.stop()
    finally:
        with suppress(Exception):  # a crashed browser took its contexts with it
            context.close()
