"""A shop is never hammered: a bound on our requests in flight to it and started per second.

Several tabs of one context working at once (``flows.together``) would otherwise ask
a shop for as many pages, scripts and form posts as they can. :class:`ShopPoliteness`
routes every request of the context to the shop's origin through one gate:

* at most ``max_in_flight`` of them between the moment the route lets one go and the
  moment the browser reports it finished or failed (its whole answer received);
* at most ``per_second`` let go in any one-second window.

A request that finds the gate full waits in its route handler, which Playwright runs
in a greenlet of its own: the wait parks that greenlet on a future of Playwright's
event loop (``flows.together.wait_for``), woken when a slot frees up or, for the
per-second window, by a timer of the same loop. Nothing sleeps, and the tabs whose
requests are not waiting go on. A redirect keeps its slot for the request it leads
to (the browser sends that one without asking the route again): it is freed
only when the browser reports the last request of the chain finished.

A request the browser never reports as finished (a download taken over by the
download manager, a tab closed under it) frees its slot after ``stale_after_s``, so a
lost event can slow a batch down but never stop it.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flows.together import event_loop, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Response, Route

WINDOW_S = 1.0


def origin_pattern(site_url: str) -> re.Pattern[str]:
    """Every URL of ``site_url``'s origin (scheme, host and port), whatever the path."""
    parts = urlsplit(site_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return re.compile("^" + re.escape(origin) + r"(?:[/?#]|$)", re.IGNORECASE)


class ShopPoliteness:
    """One gate for all of a context's requests to one shop; see the module doc."""

    def __init__(
        self,
        context: BrowserContext,
        site_url: str,
        *,
        max_in_flight: int,
        per_second: float,
        stale_after_s: float = 60.0,
    ) -> None:
        if max_in_flight < 1 or per_second <= 0:
            raise ValueError("max_in_flight must be at least 1 and per_second above 0")
        self._context = context
        self._loop = event_loop(context)
        self._pattern = origin_pattern(site_url)
        self.max_in_flight = max_in_flight
        # A window of one second holds at most this many starts (at least one).
        self._per_window = max(1, int(per_second * WINDOW_S))
        self._stale_after_s = stale_after_s
        self._held: dict[Request, asyncio.TimerHandle] = {}
        self._redirecting: set[Request] = set()  # answered with a redirect the browser follows
        self._starts: deque[float] = deque()
        self._waiters: list[asyncio.Future[None]] = []
        self._window_timer: asyncio.TimerHandle | None = None
        self.peak = 0  # the most requests let go at once (for logs and the bench)
        self.waited = 0  # requests that had to wait for a slot

    def install(self) -> ShopPoliteness:
        """Route the context's requests to the shop through the gate (call once)."""
        self._context.route(self._pattern, self._on_route)
        self._context.on("request", self._on_request)
        self._context.on("response", self._on_response)
        self._context.on("requestfinished", self._on_request_done)
        self._context.on("requestfailed", self._on_request_done)
        return self

    @property
    def in_flight(self) -> int:
        return len(self._held)

    # -- the route: wait for a slot, then let the request go on ---------------------------

    def _on_route(self, route: Route) -> None:
        request = route.request
        self._take_slot(request)
        try:
            # On to the context's earlier routes (blocked page furniture), else the network.
            route.fallback()
        except Exception:  # the tab or context closed under it: the request never went
            self._free_slot(request)
            raise

    def _take_slot(self, request: Request) -> None:
        first_try = True
        while not self._may_start():
            if first_try:
                self.waited += 1
                first_try = False
            waiter: asyncio.Future[None] = self._loop.create_future()
            self._waiters.append(waiter)
            try:
                wait_for(self._context, waiter)
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        now = self._loop.time()
        self._starts.append(now)
        self._held[request] = self._stale_timer(request)
        self.peak = max(self.peak, len(self._held))

    def _stale_timer(self, request: Request) -> asyncio.TimerHandle:
        return self._loop.call_later(self._stale_after_s, self._free_slot, request)

    def _may_start(self) -> bool:
        if len(self._held) >= self.max_in_flight:
            return False  # woken by _free_slot
        now = self._loop.time()
        while self._starts and self._starts[0] <= now - WINDOW_S:
            self._starts.popleft()
        if len(self._starts) < self._per_window:
            return True
        # The window is full: wake the waiters when its oldest start leaves it.
        if self._window_timer is None:
            delay = self._starts[0] + WINDOW_S - now
            self._window_timer = self._loop.call_later(delay, self._window_moved)
        return False

    def _window_moved(self) -> None:
        self._window_timer = None
        self._wake()

    # -- the browser's word that a request is over -----------------------------------------

    def _on_response(self, response: Response) -> None:
        request = response.request
        if (
            request in self._held
            and 300 <= response.status < 400
            and "location" in response.headers
        ):
            self._redirecting.add(request)

    def _on_request(self, request: Request) -> None:
        earlier = request.redirected_from
        if earlier is not None and earlier in self._redirecting:
            # The browser follows a redirect without asking the route: the slot goes on
            # with the request it leads to.
            self._redirecting.discard(earlier)
            self._held.pop(earlier).cancel()
            self._held[request] = self._stale_timer(request)

    def _on_request_done(self, request: Request) -> None:
        if request not in self._redirecting:
            self._free_slot(request)

    def _free_slot(self, request: Request) -> None:
        self._redirecting.discard(request)
        timer = self._held.pop(request, None)
        if timer is None:
            return
        timer.cancel()
        self._wake()

    def _wake(self) -> None:
        # Every waiter looks again, in the order they came; those that find no room
        # wait once more.
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
