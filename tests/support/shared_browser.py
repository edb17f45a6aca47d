"""One Chromium per test process, lent to the in-process agent runs (test-only).

Every in-process run would otherwise start its own Playwright driver and launch its own
Chromium (the launch alone costs about 0.45 s of CPU), hundreds of times a suite. Here one
long-lived thread per test process, the *agent thread*, owns one driver and one Chromium
per set of launch options. ``tests.support.threads.on_worker`` runs in-process runs on it,
and ``agent.shop_browser.open_browser`` (through its ``lend_browser`` seam) opens the run's
context in the lent browser instead of launching one. A run still gets a context of its
own (cookies, storage, downloads, routes), as a launch of its own would give it; "closing
the browser" at the end of a run closes only what that run opened.

A test whose subject is the browser process (its launch, a crash or a kill, counting the
browsers) does not borrow: ``on_worker(..., own_browser=True)`` or the test's
``own_browser`` marker sends its runs to a fresh thread, where they launch their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from agent import shop_browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

T = TypeVar("T")


class LentBrowser:
    """The shared browser as one run sees it: ``close()`` closes what the run opened."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._before: list[BrowserContext] = list(browser.contexts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def close(self) -> None:
        from playwright.sync_api import Error

        for context in self._browser.contexts:
            if context not in self._before:
                with contextlib.suppress(Error):  # a dead browser took it already
                    context.close()


class AgentThread:
    """A thread that runs jobs one at a time and owns the Playwright driver they share."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._playwright: Playwright | None = None
        self._browsers: dict[str, Browser] = {}
        self.thread = threading.Thread(target=self._serve, name="agent-under-test", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def submit(self, work: Callable[[], T]) -> Future[T]:
        """``work`` on this thread, in an empty context (as on a fresh thread)."""
        future: Future[T] = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(contextvars.Context().run(work))
            except BaseException as exc:  # handed back to the test's thread
                future.set_exception(exc)

        self._jobs.put(job)
        return future

    def lend(self, options: dict[str, object]) -> contextlib.AbstractContextManager[Browser]:
        """``agent.shop_browser.lend_browser`` while this thread runs a job."""
        return self._lent(self._browser_for(options))

    @contextlib.contextmanager
    def _lent(self, browser: Browser) -> Iterator[Browser]:
        lent = LentBrowser(browser)
        try:
            yield lent  # type: ignore[misc]  # a Browser to the run
        finally:
            lent.close()

    def _browser_for(self, options: dict[str, object]) -> Browser:
        key = json.dumps(options, sort_keys=True, default=str)
        browser = self._browsers.get(key)
        if browser is None or not browser.is_connected():
            if self._playwright is None:
                from playwright.sync_api import sync_playwright

                self._playwright = sync_playwright().start()
            browser = self._playwright.chromium.launch(**options)  # type: ignore[arg-type]
            self._browsers[key] = browser
        return browser

    def stop(self, timeout_s: float) -> None:
        """Close the browsers and the driver (on this thread), then end the thread."""

        def close_all() -> None:
            for browser in self._browsers.values():
                with contextlib.suppress(Exception):  # already dead: nothing to close
                    browser.close()
            if self._playwright is not None:
                self._playwright.stop()

        with contextlib.suppress(Exception):
            self.submit(close_all).result(timeout_s)
        self._jobs.put(None)


_agent_thread: AgentThread | None = None
_guard = threading.Lock()


def agent_thread() -> AgentThread:
    """This process's agent thread (a new one if there was none, or it was given up)."""
    global _agent_thread
    with _guard:
        if _agent_thread is None:
            _agent_thread = AgentThread()
            shop_browser.lend_browser = _lend_on_agent_thread
        return _agent_thread


def give_up(thread: AgentThread) -> None:
    """A job outlasted its time: the next job gets a new thread (this one may never end)."""
    global _agent_thread
    with _guard:
        if _agent_thread is thread:
            _agent_thread = None


def stop(timeout_s: float = 30) -> None:
    """At the end of the session: the shared browsers closed, the thread ended."""
    global _agent_thread
    with _guard:
        thread, _agent_thread = _agent_thread, None
        shop_browser.lend_browser = None
    if thread is not None:
        thread.stop(timeout_s)


def _lend_on_agent_thread(
    options: dict[str, object],
) -> contextlib.AbstractContextManager[Browser] | None:
    # Only runs on the agent thread borrow: a run on any other thread launches its own.
    thread = _agent_thread
    if thread is None or threading.current_thread() is not thread.thread:
        return None
    return thread.lend(options)
