"""Moving between pages like a person; what a page not as expected means is its base's.

Every flow goes through one ``Browsing``: it loads pages, clicks, waits for what
should come next, and when that does not come it explains why
(:class:`flows.tab_watch.TabWatch`), in the agent's own errors:

* a 5xx answer, a failed connection, a page that never comes: ``TransientError``;
* something missing while the page was still busy (a navigation or network requests
  under way, its document not complete, an interruption over it): ``TransientError``,
  since the look may simply have come too soon;
* the sign-in form in the middle of a flow: ``SessionExpired``;
* "verify you are human": ``BotCheck``;
* a page larger than ``ORDER_AGENT_PAGE_MAX_BYTES``: ``AnswerTooLarge``;
* anything else: ``SiteNotUnderstood`` with what was missing and where.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows.clicks import LINK_TARGET, ClickCount
from flows.findings import note_url
from flows.interruptions import click_in_place, dismiss_visible, interruption_dialogs
from flows.locating import (
    LOOK_WINDOWS,
    Deadline,
    document_changes,
    look_ms,
    optional_ms,
    visible_now,
    wait_visible,
)
from flows.navigation_watch import (
    NAME_NOT_RESOLVED,
    announced_size,
    failure_reason,
    refuse_oversized,
)
from flows.pages import SitePage
from flows.recognition import Step
from flows.tab_watch import TabWatch
from flows.ways_in import MAX_TRIES, Destination, candidates, same_origin
from ordercore.errors import (
    NameNotResolved,
    TransientError,
)

# The step ``order-agent doctor`` reports for each way in reached by address.
_FINDING_STEPS = {
    Destination.SIGN_IN: "sign_in_entry",
    Destination.ORDERS: "order_list",
    Destination.CONTACT: "contact",
    Destination.RETURNS: "return_entry",
}

P = ParamSpec("P")
T = TypeVar("T")

# How long one slice of a wait on two things at once lasts.
_SLICE_MS = 250
# How many times a link whose click an overlay took is clicked again.
_CLICKS_AGAIN = 2


def same_document(url: str, other: str) -> bool:
    """Whether two addresses differ at most by their fragment (no page is loaded)."""
    return url.split("#", 1)[0] == other.split("#", 1)[0]


class Browsing(TabWatch):
    """One tab (and the tabs it opens) on one site, moved through like a person would."""

    # -- moving -----------------------------------------------------------------------
    def goto(self, url: str, *, ok_below: int | None = None) -> int | None:
        """Load ``url``; its HTTP status, or ``None`` when it is ``ok_below`` or more."""
        try:
            # No explicit time-out: the context carries ORDER_AGENT_NAVIGATION_TIMEOUT_MS.
            response = self.page.goto(url)
        except PlaywrightTimeoutError:
            raise TransientError(f"{url} did not load in time") from None
        except PlaywrightError as exc:
            reason = failure_reason(str(exc).splitlines()[0] if str(exc) else "error")
            if NAME_NOT_RESOLVED in reason:
                # Still transient here: only the caller knows whether the shop was ever reached.
                host = urlsplit(url).hostname or url
                raise NameNotResolved(f"{url} could not be loaded ({reason})", host=host) from None
            raise TransientError(f"{url} could not be loaded ({reason})") from None
        status = response.status if response is not None else 200
        if response is not None:
            refuse_oversized(announced_size(response), url)
        if status >= 500:
            raise TransientError(f"{url} answered with a server error ({status})")
        if ok_below is not None and status >= ok_below:
            return None
        return status

    def click(
        self,
        target: Locator,
        *,
        page: Page | None = None,
        signing_in: bool = False,
        safe_to_repeat: bool = False,
        check: bool = True,
    ) -> None:
        """Click, then make sure the page that follows is not an error, a bot check or sign-in.

        ``safe_to_repeat``: the control sends nothing (a link, a toggle), so a click an
        interruption took is made again (``flows.clicks``). ``check=False``: the caller
        checks the page itself, once the click has led somewhere.
        """
        page = page or self.page
        try:
            # No time-out given: the context carries ORDER_AGENT_TIMEOUT_MS.
            if safe_to_repeat:
                click_in_place(target, self.words, None)
            else:
                target.click()
        except PlaywrightError:
            self.diagnose("a link or button did not respond", page=page, signing_in=signing_in)
        if check:
            self.check_page(page, signing_in=signing_in)

    def follow(
        self, link: Locator, *, arrived: Locator | None = None, signing_in: bool = False
    ) -> None:
        """Click a link to another page, and be on that page before anything is read.

        A click can end with the page clicked on still shown: a script-driven router
        fetches the next page's data before it goes, or the machine is busy. Read then,
        an order list passes for the order's page (a heading with the order's number,
        "Status: ..."), and a home page for one without a form. So a link that leads to
        another document is waited on until the address changes, or until ``arrived``
        shows (a link that opens what it names in place, in a dialog); neither within
        three looks is a transient error. A control that leads to no other document (a
        tab, a menu button, a link to a new tab or a download) is only clicked.

        A click that met an overlay instead (a promotion that came with it, or one a
        site opens at a first click) started nothing: the overlay is closed and the
        link clicked again, which is safe for a link. So is a click the link never
        received (``flows.clicks``), even once what took it is gone.

        A link to the very page shown (an order list's own "Orders" link), loaded fine, is
        not clicked: the page is already there, and on a script-routed shop its reload
        would come a moment later and take away the page the next click is made on. On a
        page that failed (a 503 at that address) the link is clicked: that reload is the
        way back.
        """
        before = self.page.url
        # Only a link already there is counted (and its target read with it, one look): the
        # click itself waits for one to come. No time-out: with one of 250 ms, a busy
        # machine's round trip alone outlasted it, and a click a passing veil took was
        # then never made again.
        clicks, target = ClickCount.with_target_of(link)
        if target is None:
            try:
                target = str(link.evaluate(LINK_TARGET))
            except PlaywrightError:
                target = ""
        if target == before and self._loaded_fine() and (arrived is None or visible_now(arrived)):
            return
        changes = document_changes(self.page)
        changes_before = changes.count
        leads_away = target.startswith(("http:", "https:")) and not same_document(target, before)
        # A link to another document is checked once, on the page it led to (just after
        # the click, the page is most often still the one clicked on).
        self.click(link, signing_in=signing_in, check=not leads_away)
        if not leads_away:
            return

        def click_again_if_swallowed() -> bool:
            if changes.count != changes_before:
                return False
            if clicks is not None and clicks.left_to_the_browser():
                return False  # a navigation is coming, its news late on a busy machine
            # The link's own count says for sure; a dialog shown says maybe (its own
            # script may have opened it at the click, instead of leaving).
            missed = clicks is not None and clicks.missed()
            if not missed and not visible_now(interruption_dialogs(self.page, self.words)):
                return False
            dismiss_visible(self.page, self.words)
            try:
                # A handle on this document's link: a click the page's script follows
                # late may take it away meanwhile, and the next page is never clicked on.
                handle = link.element_handle(timeout=_SLICE_MS)
                if changes.count != changes_before:
                    return False
                handle.click(timeout=look_ms())
            except PlaywrightError:
                return False  # gone, or still covered: the wait goes on
            return True

        left = self._left(before, arrived, click_again_if_swallowed)
        # Signed out, a bot check: what the page shows says so, wherever the click led.
        self.check_page(signing_in=signing_in)
        if not left:
            raise TransientError(
                f"a link to {target} did not lead there: {before} is still shown after "
                f"{LOOK_WINDOWS * look_ms() // 1000}s"
            )

    def _loaded_fine(self) -> bool:
        """Whether this tab's page is one its last navigation brought, with no error."""
        watch = self.watch(self.page)
        return (
            watch.status is not None
            and watch.status < 400
            and watch.failure is None
            and not watch.pending
        )

    def _left(self, before: str, arrived: Locator | None, click_again: Callable[[], bool]) -> bool:
        """Whether the page moved on from ``before`` (its next document parsed), or shows
        ``arrived``, within three looks. Between slices of the wait, ``click_again`` may
        click again (it says whether it did), up to ``_CLICKS_AGAIN`` times."""
        deadline = Deadline(LOOK_WINDOWS * look_ms())
        clicks = 0

        def moved_on(url: str) -> bool:
            return url != before

        while not deadline.passed:
            # In slices: the address, then whatever may show in place, in turn.
            try:
                self.page.wait_for_url(
                    moved_on,
                    timeout=min(_SLICE_MS, deadline.left_ms()),
                    wait_until="domcontentloaded",
                )
            except PlaywrightTimeoutError:
                if arrived is not None and visible_now(arrived):
                    return True
                if clicks < _CLICKS_AGAIN and click_again():
                    clicks += 1
                continue
            except PlaywrightError:
                return True  # it went, and failed: the page's check says how
            return True
        return False

    def click_maybe_new_page(self, target: Locator) -> Page:
        """Click; return the page that shows the result (a new tab, or this page)."""
        opened: list[Page] = []

        def on_popup(new_page: Page) -> None:
            opened.append(new_page)

        # This page's popups only: the context's other tabs (a batch's other orders) open
        # pages too, and one taken for this click's had another order's return submitted.
        self.page.on("popup", on_popup)
        try:
            self.click(target, safe_to_repeat=True)
        finally:
            self.page.remove_listener("popup", on_popup)
        if not opened:
            return self.page
        new_page = opened[0]
        self.watch(new_page)
        try:
            new_page.wait_for_load_state("domcontentloaded")
        except PlaywrightTimeoutError:
            raise TransientError("the new page did not load in time") from None
        self.check_page(new_page)
        return new_page

    def find_from_here_or_home(
        self, words: Sequence[str], timeout_ms: float | None = None, step: Step = Step.ANY
    ) -> Locator | None:
        """A link named like ``words`` on this page (menus included), else on the home page."""
        site_page = SitePage(self.page, self.words)
        with contextlib.suppress(PlaywrightTimeoutError):
            self.page.wait_for_load_state("domcontentloaded")
        link = site_page.find_control(words, timeout_ms=timeout_ms, step=step)
        if link is None and self.page.url != self.site_url:
            self.goto(self.site_url)
            self.check_page()
            link = site_page.find_control(words, timeout_ms=timeout_ms, step=step)
        return link

    def other_way_in(self, destination: Destination, arrived: Locator) -> bool:
        """Reach ``destination`` without a control to click: by address (see ``flows.ways_in``).

        The remembered address first, then links whose address says where they go, then
        the platforms' well-known addresses: GETs on the shop's own origin only, at most
        ``MAX_TRIES``. The first address that shows ``arrived`` is remembered.
        """
        if not self.page_is_settled():
            # The control may still come: the caller's diagnosis says so (and it is retried).
            return False
        start = self.page.url
        tried = candidates(self.page, self.site_url, destination)
        remembered = self.remembered.get(destination.value)
        if remembered and same_origin(remembered, self.site_url):
            tried = [remembered, *[url for url in tried if url != remembered]]
        for url in tried[:MAX_TRIES]:
            if self.goto(url, ok_below=400) is None:
                continue
            # Mid-flow, an address that leads to the sign-in form means we were signed out.
            self.check_page(signing_in=destination is Destination.SIGN_IN)
            if wait_visible(arrived, optional_ms()):
                self.remembered[destination.value] = self.page.url
                note_url(_FINDING_STEPS[destination], url, "an address on the shop's own site")
                return True
        if tried and self.page.url != start:
            # The diagnosis (and its screenshot) is of the page that lacked the control.
            self.goto(start)
        return False


class TabPart:
    """A part of a visit that works on one ``Browsing``'s tab: its page, its shop, the words
    it reads and the addresses it remembers (the visit's, updated in place)."""

    def __init__(self, browsing: Browsing) -> None:
        self.browsing = browsing
        self.page = browsing.page
        self.site_url = browsing.site_url
        self.words = browsing.words
        self.remembered = browsing.remembered


def as_agent_errors(method: Callable[P, T]) -> Callable[P, T]:
    """Turn a stray Playwright error into the agent's own: transient, or not understood.

    For methods of an object with a ``browsing`` (:class:`Browsing`) attribute. The
    original is dropped before raising, not chained: Playwright's text can quote what
    was typed, and sign-in types secrets.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except PlaywrightError as exc:
            timed_out = isinstance(exc, PlaywrightTimeoutError)
        browsing: Browsing = args[0].browsing  # type: ignore[attr-defined]
        browsing.explain_browser_failure(method.__name__, timed_out=timed_out)

    return wrapper
