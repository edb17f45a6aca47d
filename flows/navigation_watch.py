"""Watching a tab's navigations: what is under way, what failed, and when a page is busy.

:class:`NavigationWatch` listens to a tab's main-frame requests (a load under way, a
failed connection, a 5xx answer, a page larger than ``ORDER_AGENT_PAGE_MAX_BYTES``);
:func:`page_busy` says whether the page may still change (a navigation or requests
under way, its document not complete, an interruption over it), so that something
missing on a busy page is a reason to look again, not a site not understood.
"""

from __future__ import annotations

import contextlib

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request, Response

from flows.interruptions import interruption_dialogs
from flows.limits import current as current_limits
from flows.limits import shown_size
from flows.locating import (
    visible_now,
)
from flows.vocabulary import Vocabulary
from ordercore.errors import (
    AnswerTooLarge,
    TransientError,
)

# Requests that stay open by design: they never make a page "busy".
_LONG_LIVED = frozenset({"eventsource", "websocket", "media", "ping"})


REDIRECT_LOOP = "ERR_TOO_MANY_REDIRECTS"


# Chromium's word for a host name that DNS does not know (a typo, or DNS trouble).
NAME_NOT_RESOLVED = "ERR_NAME_NOT_RESOLVED"


def failure_reason(failure: str) -> str:
    if REDIRECT_LOOP in failure:
        return "the shop redirects in a loop"
    return failure


def announced_size(response: Response) -> int:
    """The body size a response announces (Content-Length), 0 when it does not say."""
    try:
        return int(response.headers.get("content-length") or 0)
    except ValueError:
        return 0


def refuse_oversized(size: int, url: str) -> None:
    """Raise ``AnswerTooLarge`` for a page bigger than ORDER_AGENT_PAGE_MAX_BYTES."""
    limit = current_limits().page_max_bytes
    if size > limit:
        raise AnswerTooLarge(
            f"the shop answered {url} with a page of {shown_size(size)}, more than the "
            f"{shown_size(limit)} the agent reads (ORDER_AGENT_PAGE_MAX_BYTES)"
        )


class NavigationWatch:
    """What became of a page's last main-frame navigation: its status, failure, or no answer."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.status: int | None = None
        self.failure: str | None = None
        self.pending = False
        self._in_flight: set[Request] = set()
        self.size = 0  # the body size the last page announced
        self.loads = 0  # main-frame pages answered so far
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfinished", self._on_finished)
        page.on("requestfailed", self._on_failed)

    def _is_main_navigation(self, request: Request) -> bool:
        try:
            return request.is_navigation_request() and request.frame == self.page.main_frame
        except PlaywrightError:
            return False

    def _on_request(self, request: Request) -> None:
        with contextlib.suppress(PlaywrightError):
            if request.resource_type not in _LONG_LIVED:
                self._in_flight.add(request)
        if self._is_main_navigation(request):
            self.pending = True

    def _on_response(self, response: Response) -> None:
        if self._is_main_navigation(response.request):
            self.status, self.failure, self.pending = response.status, None, False
            self.loads += 1
            self.size = announced_size(response)

    def _on_finished(self, request: Request) -> None:
        self._in_flight.discard(request)

    def _on_failed(self, request: Request) -> None:
        self._in_flight.discard(request)
        if self._is_main_navigation(request):
            self.pending = False
            failure = request.failure or "failed"
            # A download, or a newer navigation, aborts the old one: not a failure of the site.
            if "ERR_ABORTED" not in failure:
                self.failure = failure

    def busy(self) -> str | None:
        """What the page's traffic is still doing (a navigation, requests), else ``None``."""
        if self.pending:
            return "a page is still loading"
        # A navigation drops the old document's requests without a word: forget those.
        self._in_flight = {r for r in self._in_flight if _still_current(r, self.page)}
        if self._in_flight:
            count = len(self._in_flight)
            return f"{count} network request{'s' if count > 1 else ''} still under way"
        return None

    def check(self) -> None:
        """Raise ``TransientError`` when the page is a server error or never arrived."""
        if self.failure:
            raise TransientError(f"the site could not be reached ({failure_reason(self.failure)})")
        refuse_oversized(self.size, self.page.url)
        if self.status is not None and self.status >= 500:
            raise TransientError(f"the site answered with a server error ({self.status})")
        if self.page.url.startswith("chrome-error:"):
            raise TransientError("the page could not be loaded")


def _still_current(request: Request, page: Page) -> bool:
    try:
        frame = request.frame
        return not frame.is_detached() and not page.is_closed()
    except PlaywrightError:
        return False


def page_busy(page: Page, watch: NavigationWatch, vocabulary: Vocabulary) -> str | None:
    """Why ``page`` is not settled yet, or ``None`` when it is.

    Busy: a navigation or network requests under way, its document not complete, or an
    interruption dialog over it. A look that timed out on a busy page says nothing about
    whether the page has what was looked for.
    """
    reason = watch.busy()
    if reason:
        return reason
    try:
        state = page.evaluate("document.readyState")
    except PlaywrightError:
        return "the page is being replaced"
    if state != "complete":
        return "the page's document is still loading"
    if visible_now(interruption_dialogs(page, vocabulary)):
        return "a dialog covers the page"
    return None
