"""Counting the Playwright calls a piece of the flows makes (what ``bench.probe`` counts).

Every call of Playwright's sync API that waits for the driver goes through
``SyncBase._sync`` (a private function: ``bench.probe.check`` fails loudly when an
upgrade moves it). Counted here are the calls made, at any depth, by one function of
the project: a test of how many looks a step takes, whatever else the page does.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.probe import check


@contextmanager
def calls_made_by(function: Callable[..., Any]) -> Iterator[Counter[str]]:
    """Within the block, the Playwright calls ``function`` made, by API method."""
    from playwright._impl import _sync_base

    check()
    code = getattr(function, "__code__", None)
    if code is None:
        raise TypeError(f"{function!r} has no code to look for on the stack")
    counts: Counter[str] = Counter()
    original = _sync_base.SyncBase._sync

    def counting(self: Any, awaitable: Any) -> Any:
        frame = sys._getframe(1)
        api_method = frame.f_code.co_qualname
        while frame is not None:
            if frame.f_code is code:
                counts[api_method] += 1
                break
            frame = frame.f_back
        return original(self, awaitable)

    _sync_base.SyncBase._sync = counting  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        _sync_base.SyncBase._sync = original  # type: ignore[method-assign]
