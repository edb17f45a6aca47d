"""Moving between pages like a person, and saying what it means when a page is not as expected.

Every flow goes through one ``Browsing``: it loads pages, clicks, waits for what
should come next, and when that does not come it explains why, in the agent's
own errors:

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request, Response, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows.clicks import LINK_TARGET, ClickCount
from flows.findings import note_url
from flows.forms import Filled, not_kept
from flows.interruptions import click_in_place, dismiss_visible, interruption_dialogs
from flows.labels import save_atomically
from flows.limits import current as current_limits
from flows.limits import shown_size
from flows.locating import (
    LOOK_WINDOWS,
    Deadline,
    alerts,
    document_changes,
    labelled,
    look_ms,
    optional_ms,
    parsed,
    phone_in,
    phone_on,
    phrases,
    texts_of,
    visible_now,
    wait_visible,
)
from flows.pages import SitePage
from flows.recognition import Step
from flows.vocabulary import Vocabulary
from flows.ways_in import MAX_TRIES, Destination, candidates, same_origin
from ordercore.errors import (
    AnswerTooLarge,
    BotCheck,
    NameNotResolved,
    SessionExpired,
    SiteNotUnderstood,
    TransientError,
)

# Requests that stay open by design: they never make a page "busy".
_LONG_LIVED = frozenset({"eventsource", "websocket", "media", "ping"})


# The step ``order-agent doctor`` reports for each way in reached by address.
_FINDING_STEPS = {
    Destination.SIGN_IN: "sign_in_entry",
    Destination.ORDERS: "order_list",
    Destination.CONTACT: "contact",
    Destination.RETURNS: "return_entry",
}

REDIRECT_LOOP = "ERR_TOO_MANY_REDIRECTS"


# Chromium's word for a host name that DNS does not know (a typo, or DNS trouble).
NAME_NOT_RESOLVED = "ERR_NAME_NOT_RESOLVED"


def _failure_reason(failure: str) -> str:
    if REDIRECT_LOOP in failure:
        return "the shop redirects in a loop"
    return failure


def _announced_size(response: Response) -> int:
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
            self.size = _announced_size(response)

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
            raise TransientError(f"the site could not be reached ({_failure_reason(self.failure)})")
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


# The address a link leads to ("" for a control that is not a link).
# Not for a link to a new tab or a download: the page clicked on stays.
# How long one slice of a wait on two things at once lasts.
_SLICE_MS = 250
# How many times a link whose click an overlay took is clicked again.
_CLICKS_AGAIN = 2


def _same_document(url: str, other: str) -> bool:
    """Whether two addresses differ at most by their fragment (no page is loaded)."""
    return url.split("#", 1)[0] == other.split("#", 1)[0]


class Browsing:
    """One tab (and the tabs it opens) on one site, moved through like a person would."""

    def __init__(
        self,
        page: Page,
        site_url: str,
        vocabulary: Vocabulary,
        *,
        remembered: dict[str, str] | None = None,
    ) -> None:
        self.page = page
        self.site_url = site_url
        self.words = vocabulary
        # URLs reached before, by destination (the caller's dict: the ledger keeps it).
        self.remembered: dict[str, str] = remembered if remembered is not None else {}
        self._watches: dict[Page, NavigationWatch] = {}
        self.watch(page)

    def watch(self, page: Page) -> NavigationWatch:
        if page not in self._watches:
            self._watches[page] = NavigationWatch(page)
        return self._watches[page]

    # -- moving -----------------------------------------------------------------------
    def goto(self, url: str, *, ok_below: int | None = None) -> int | None:
        """Load ``url``; its HTTP status, or ``None`` when it is ``ok_below`` or more."""
        try:
            # No explicit time-out: the context carries ORDER_AGENT_NAVIGATION_TIMEOUT_MS.
            response = self.page.goto(url)
        except PlaywrightTimeoutError:
            raise TransientError(f"{url} did not load in time") from None
        except PlaywrightError as exc:
            reason = _failure_reason(str(exc).splitlines()[0] if str(exc) else "error")
            if NAME_NOT_RESOLVED in reason:
                # Still transient here: only the caller knows whether the shop was ever reached.
                host = urlsplit(url).hostname or url
                raise NameNotResolved(f"{url} could not be loaded ({reason})", host=host) from None
            raise TransientError(f"{url} could not be loaded ({reason})") from None
        status = response.status if response is not None else 200
        if response is not None:
            refuse_oversized(_announced_size(response), url)
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
        leads_away = target.startswith(("http:", "https:")) and not _same_document(target, before)
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

    def expect(self, wanted: Locator, what: str, *, page: Page | None = None) -> None:
        """Wait for ``wanted``; if an obstacle shows instead, raise what it means."""
        page = page or self.page
        if visible_now(wanted):
            return  # most often already there: one look
        obstacles = phrases(page, self.words.bot_check).or_(
            labelled(page, self.words.password_labels, Step.PASSWORD)
        )
        if not wait_visible(wanted.or_(obstacles), look_ms()) or not visible_now(wanted):
            self.diagnose(what, page=page)

    def page_is_settled(self, page: Page | None = None) -> bool:
        page = page or self.page
        return page_busy(page, self.watch(page), self.words) is None

    def settle(self, submit: Locator | None, *, page: Page | None = None) -> None:
        """Give the page a moment to finish before a form is sent (bounded, never fails).

        Its document complete, and the form's submit enabled: a script-rendered shop
        often keeps it disabled until its script has taken over (and rebuilt the form).
        """
        page = page or self.page
        deadline = Deadline(look_ms())
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("load", timeout=deadline.left_ms())
        if submit is not None:
            with contextlib.suppress(AssertionError, PlaywrightError):
                expect(submit).to_be_enabled(timeout=deadline.left_ms())

    def fill_for_submit(
        self,
        fill: Callable[[], Sequence[Filled]],
        submit: Callable[[], Locator | None],
        form: str,
        *,
        page: Page | None = None,
        signing_in: bool = False,
    ) -> None:
        """``fill`` the form, let the page settle, and check it still holds every value.

        A page script that re-renders the form (hydration) empties what was typed into
        the server-rendered copy: then everything is typed once more. Still wrong after
        that: the form cannot be trusted with a submission. Values are never quoted.
        """
        wrong: list[str] = []
        for _attempt in range(2):
            filled = fill()
            self.settle(submit(), page=page)
            wrong = not_kept(filled)
            if not wrong:
                return
        self.diagnose(
            f"{form} did not keep what was typed in {', '.join(wrong)}",
            page=page,
            signing_in=signing_in,
        )

    def screenshot(self, page: Page, path: Path, *, of: Locator | None = None) -> None:
        """The page as a person sees it (interruptions closed), kept 0600 at ``path``.

        The viewport, not the whole page: what was just filled in or confirmed is in
        view, and a full-page capture costs a relayout on the way to the submit. With
        ``of`` (a filled form), that element whole, however far it reaches below the fold.
        Password and one-time-code fields are masked: a picture never shows a secret,
        whatever page it is taken on.
        """
        dismiss_visible(page, self.words)
        secret_fields = [
            page.locator("input[type=password]"),
            page.locator("input[autocomplete=one-time-code]"),
        ]
        if of is not None:
            try:
                save_atomically(of.screenshot(mask=secret_fields), Path(path))
                return
            except PlaywrightError:
                pass  # the element went: the page as it is, below
        save_atomically(page.screenshot(mask=secret_fields), Path(path))

    # -- explaining -------------------------------------------------------------------
    def check_page(self, page: Page | None = None, *, signing_in: bool = False) -> None:
        """Raise if the page is a server error, a bot check, or (mid-flow) the sign-in form."""
        page = page or self.page
        self.watch(page).check()
        bot = phrases(page, self.words.bot_check)
        if signing_in:
            # The sign-in form is what is expected here: only a bot check is an obstacle.
            self.refuse_bot_check(page)
            return
        sign_in_form = labelled(page, self.words.password_labels, Step.PASSWORD)
        # One look for both obstacles: this runs after every click.
        if not visible_now(bot.or_(sign_in_form)):
            return
        self.refuse_bot_check(page)
        if visible_now(sign_in_form):
            raise SessionExpired("the site signed us out (it shows its sign-in form)")

    def refuse_bot_check(self, page: Page) -> None:
        bot = phrases(page, self.words.bot_check)
        if visible_now(bot):
            said = " ".join(texts_of(alerts(page))) or " ".join(texts_of(bot))
            raise BotCheck(
                f"the site wants to check that we are human: {said}",
                phone=phone_in(said) or phone_on(page),
            )

    def diagnose(
        self, what: str, *, page: Page | None = None, signing_in: bool = False
    ) -> NoReturn:
        """Explain a missing element: transient trouble, signed out, bot check, or unknown."""
        page = page or self.page
        # Read before anything here asks the browser (and so hears of what it did lately).
        changes = document_changes(page)
        changes_before = changes.count
        # Before looking at the page: looking waits for a navigation still under way.
        if self.watch(page).pending:
            raise TransientError(f"{what}: the page is still loading after {look_ms() // 1000}s")
        self.check_page(page, signing_in=signing_in)
        if not signing_in and self.offers_sign_in(page):
            # Signed out between pages: the header offers to sign in again, and what was
            # looked for (an account link, the order list) is not shown to visitors.
            raise SessionExpired("the site signed us out (it offers to sign in again)")
        # A promotion that showed up as the page was read hides nothing from a read of the
        # document (no handler ran: the read does not wait): close it as a person would,
        # or one shown at the wrong moment makes every such page a retry.
        with contextlib.suppress(PlaywrightError):
            dismiss_visible(page, self.words)
        busy = page_busy(page, self.watch(page), self.words)
        if busy:
            # Only a settled page without it means the site is not understood.
            raise TransientError(f"{what} on {page.url}: the page was still busy ({busy})")
        said = " ".join(texts_of(alerts(page)))
        if changes.count != changes_before:
            # A new document arrived just after the look gave up: it was never looked at.
            raise TransientError(f"{what} on {page.url}: the page was replaced as it was read")
        raise SiteNotUnderstood(
            f"{what} on {page.url}" + (f" (the page says: {said})" if said else ""),
            phone=phone_on(page),
        )

    def offers_sign_in(self, page: Page) -> bool:
        """The page offers a way in to signing in and shows no sign of being signed in."""
        parsed(page)  # a sign-out link further down may not have arrived yet
        site_page = SitePage(page, self.words)
        return visible_now(site_page.sign_in_control()) and not site_page.shows_signed_in()

    def explain_browser_failure(self, action: str, *, timed_out: bool) -> NoReturn:
        """A Playwright error escaped a flow: say what the page shows, else that it is gone."""
        what = action.replace("_", " ")
        if not self.page.is_closed():
            with contextlib.suppress(PlaywrightError):
                self.diagnose(
                    f"{what}: the browser {'timed out' if timed_out else 'failed'}",
                    signing_in=action == "sign_in",
                )
        raise TransientError(f"{what}: the browser page closed or crashed")
