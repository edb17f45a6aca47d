"""The shop's side of a run: every request the fixture shop answered, and when.

The fixture server has no request log of its own; the benchmark runs it in its
own process, so it wraps ``ShopApp.respond`` (the one place every request goes
through) for as long as the log is installed. Each entry has the time it
arrived (epoch seconds, to set next to the phases ``bench.probe`` reports), the
method, the path and whether the browser asked for a document (a page load:
``Sec-Fetch-Dest: document``, which Chromium sends to a loopback shop, else an
HTML answer to a request that did not come from a script).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fixtures.app import ShopApp
from fixtures.web import Request, Response


@dataclass(frozen=True)
class ShopRequest:
    at: float
    method: str
    path: str
    document: bool


def _is_document(request: Request, response: Response) -> bool:
    destination = request.headers.get("sec-fetch-dest")
    if destination is not None:
        return destination in ("document", "iframe")
    return (
        response.content_type.startswith("text/html")
        and request.headers.get("x-requested-with", "").lower() != "xmlhttprequest"
    )


class ShopLog:
    """Requests the shop answered, in order of arrival."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[ShopRequest] = []

    def record(self, entry: ShopRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def mark(self) -> int:
        """Where the log is now: ``since(mark)`` lists what came after."""
        with self._lock:
            return len(self._entries)

    def since(self, mark: int) -> list[ShopRequest]:
        with self._lock:
            return list(self._entries[mark:])


@contextmanager
def logging_requests() -> Iterator[ShopLog]:
    """Log every request any fixture shop in this process answers, until the block ends."""
    log = ShopLog()
    original: Callable[[ShopApp, Request], Response] = ShopApp.respond

    def respond(self: ShopApp, request: Request) -> Response:
        arrived = time.time()
        response = original(self, request)
        entry = ShopRequest(arrived, request.method, request.path, _is_document(request, response))
        log.record(entry)
        return response

    ShopApp.respond = respond  # type: ignore[method-assign]
    try:
        yield log
    finally:
        ShopApp.respond = original  # type: ignore[method-assign]
