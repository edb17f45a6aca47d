"""Playwright's sync API allows one instance per thread: in-process agent runs get their own.

pytest-playwright's Playwright (behind ``page`` and ``browser``) lives on the main thread
for the whole session once a test used it; with pytest-xdist any test may come after
such a test in the same worker. An agent run started on the main thread would then find
that instance's event loop and refuse to start its own. Runs go instead to this process's
agent thread, which lends them its browser (``tests.support.shared_browser``), or, for a
test about the browser process itself, to a fresh thread where they launch their own.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import TypeVar

from tests.support import shared_browser

T = TypeVar("T")

WORKER_TIMEOUT_S = 150

# Set for the length of a test marked ``own_browser`` (tests/conftest.py).
own_browser_for_this_test = threading.Event()


def on_worker(
    work: Callable[[], T], *, timeout_s: float = WORKER_TIMEOUT_S, own_browser: bool = False
) -> T:
    """Run ``work`` off the test's thread and return what it returned (or raise what it raised).

    ``own_browser``: on a fresh thread, where an agent run launches its own Chromium (for a
    test that kills it or counts the browsers); otherwise on the agent thread, whose
    browser it borrows.
    """
    if own_browser or own_browser_for_this_test.is_set():
        return _on_fresh_thread(work, timeout_s)
    thread = shared_browser.agent_thread()
    try:
        return thread.submit(work).result(timeout_s)
    except concurrent.futures.TimeoutError:
        shared_browser.give_up(thread)
        raise AssertionError(f"the run did not finish within {timeout_s} s") from None


def _on_fresh_thread(work: Callable[[], T], timeout_s: float) -> T:
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed back to the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="agent-under-test")
    thread.start()
    thread.join(timeout_s)
    assert not thread.is_alive(), f"the run did not finish within {timeout_s} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
