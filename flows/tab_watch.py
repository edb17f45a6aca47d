"""A tab as the engine keeps an eye on it: what a page that is not as expected means,
forms settled and read back before a submit, pictures that never show a secret.

:class:`TabWatch` is what :class:`flows.browsing.Browsing` builds on: it turns a
missing element into the agent's own errors (``TransientError`` while the page is
busy or still loading, ``SessionExpired`` at the sign-in form, ``BotCheck``,
``SiteNotUnderstood`` with what was missing and where), and checks a filled form still
holds what was typed before it is sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from flows.forms import Filled, not_kept
from flows.interruptions import dismiss_visible
from flows.labels import save_atomically
from flows.locating import (
    Deadline,
    alerts,
    document_changes,
    labelled,
    look_ms,
    parsed,
    phone_in,
    phone_on,
    phrases,
    texts_of,
    visible_now,
    wait_visible,
)
from flows.navigation_watch import NavigationWatch, page_busy
from flows.pages import SitePage
from flows.recognition import Step
from flows.vocabulary import Vocabulary
from ordercore.errors import (
    BotCheck,
    SessionExpired,
    SiteNotUnderstood,
    TransientError,
)


class TabWatch:
    """One tab (and the tabs it opens) on one site: its pages' health and its forms."""

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

    # -- explaining ---------------------------------------------------------------------
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
