"""Playwright's sync API allows one instance per thread: in-process agent runs get their own.

pytest-playwright's Playwright (behind ``page`` and ``browser``) lives on the main thread
for the whole session once a test used it; with pytest-xdist any test may come after
such a test in the same worker. An agent run started on the main thread would then find
that instance's event loop and refuse to start its own. On a fresh thread it never does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

WORKER_TIMEOUT_S = 150


def on_worker(work: Callable[[], T], *, timeout_s: float = WORKER_TIMEOUT_S) -> T:
    """Run ``work`` on a fresh thread and return what it returned (or raise what it raised)."""
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
