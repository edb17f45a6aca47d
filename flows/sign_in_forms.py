"""Finding the sign-in form: where the shop sent us, where it was last time, or from the
home page (an entry link, the profile's start path, an address that leads there); in
the page itself or in a frame of it, e-mail and password together or e-mail first.

:class:`SignInForms` is the part of :class:`flows.signing_in.SignInFlow` that looks;
typing, submitting and reading the outcome are the flow's.
"""

from __future__ import annotations

import contextlib

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator

from flows.browsing import Browsing
from flows.findings import is_recording, note, note_url
from flows.locating import (
    Deadline,
    alerts,
    control,
    look_ms,
    optional_ms,
    phrases,
    visible_now,
    wait_visible,
)
from flows.pages import HomePage, SignInPage, SitePage
from flows.recognition import Step
from flows.ways_in import Destination, same_origin


class SignInForms:
    """Where a sign-in attempt finds its form, and the signs that it is not needed."""

    def __init__(self, browsing: Browsing, *, sign_in_url: str | None = None) -> None:
        self.browsing = browsing
        # A site profile's sign-in path: the way in when the page offers none.
        self.sign_in_url = sign_in_url
        self.page = browsing.page
        self.words = browsing.words

    def _form_without_home(self) -> SignInPage | None:
        """The sign-in form without the home page: where the shop sent us, or where it was.

        A session that ended mid-flow leaves the shop's sign-in form on the page (it
        redirected there); else the address of the form from an earlier sign-in (a later
        run whose saved session expired). Either saves the home page and the way in.
        """
        browsing = self.browsing
        if same_origin(self.page.url, browsing.site_url):
            here = SignInPage(self.page.main_frame, self.words)
            # Not a form that already says something (a refused password): the outcome of
            # an attempt is read from what is new on the page, so that one is reached again.
            said = visible_now(self._problems(self.page.main_frame))
            if not said and self._is_sign_in_form(here):
                return here
        remembered = browsing.remembered.get(Destination.SIGN_IN.value)
        if not remembered or not same_origin(remembered, browsing.site_url):
            return None
        if browsing.goto(remembered, ok_below=400) is None:
            return None
        browsing.check_page(signing_in=True)
        form = self._find_form(optional_ms())
        if form is not None and self._is_sign_in_form(form):
            return form
        # Moved, or no longer a form (signed in already): the way from the home page.
        browsing.remembered.pop(Destination.SIGN_IN.value, None)
        return None

    def _is_sign_in_form(self, form: SignInPage) -> bool:
        """A password field sent with a sign-in button (not "change password"), or e-mail first."""
        if visible_now(form.password_field):
            return form.submit_for(form.password_field, self.words.sign_in_submit) is not None
        return form.identifier_field() is not None

    def _remember_form_address(self, form: SignInPage, url: str) -> None:
        """The form's own page (not the home page it may sit on): the next sign-in starts there.

        ``url``: where the form was found, before it was sent.
        """
        site_url = self.browsing.site_url
        in_page = form.frame == self.page.main_frame
        if in_page and url != site_url and same_origin(url, site_url):
            self.browsing.remembered[Destination.SIGN_IN.value] = url

    def _form_from_home(self) -> SignInPage | None:
        """The sign-in form reached from the home page; ``None`` when already signed in there."""
        browsing = self.browsing
        browsing.goto(browsing.site_url)
        browsing.check_page(signing_in=True)
        home = HomePage(self.page, self.words)
        if home.signed_in():
            note("signed_in", home.sign_out_control())
            return None
        form: SignInPage | None = SignInPage(self.page.main_frame, self.words)
        if not form.shows_form():  # not right on the home page: follow the way in
            fields = form.email_field.or_(form.password_field)
            if not home.open_sign_in(
                lambda entry: browsing.follow(entry, arrived=fields, signing_in=True)
            ):
                browsing.check_page(signing_in=True)
                if home.shows_signed_in():  # no way in left, an account control instead
                    self._note_signed_in()
                    return None
                main = SignInPage(self.page.main_frame, self.words)
                arrived = main.password_field.or_(main.email_field)
                if self.sign_in_url:
                    browsing.goto(self.sign_in_url)
                    note_url("sign_in_entry", self.sign_in_url, "the profile's start path")
                elif not browsing.other_way_in(Destination.SIGN_IN, arrived):
                    # Not there, or looked for while the page was still busy (then it is retried).
                    browsing.diagnose("could not find a sign-in link", signing_in=True)
            browsing.check_page(signing_in=True)
            if home.shows_signed_in():
                return None
            form = self._find_form(look_ms())
        if form is None:
            browsing.diagnose("could not find the sign-in form", signing_in=True)
        return form

    def _find_form(self, timeout_ms: float) -> SignInPage | None:
        """The frame showing an e-mail or password field: the page itself, or a frame in it."""
        deadline = Deadline(timeout_ms)
        main = SignInPage(self.page.main_frame, self.words)
        fields = main.email_field.or_(main.password_field)
        # A frame may hold the form (its origin is checked before anything is typed). Frames
        # have no role to find them by: the element is the only handle on them.
        frames = self.page.locator("iframe").filter(visible=True)
        bot = phrases(self.page, self.words.bot_check)
        if not wait_visible(fields.or_(frames).or_(bot), timeout_ms):
            return None
        self.browsing.refuse_bot_check(self.page)
        if main.shows_form():
            return main
        with contextlib.suppress(PlaywrightError):  # frames still loading are seen as they are
            self.page.wait_for_load_state("load", timeout=deadline.left_ms())
        for frame in self.page.frames[1:]:
            candidate = SignInPage(frame, self.words)
            if candidate.shows_form():
                return candidate
        # The page may still be building its form.
        wait_visible(main.password_field, deadline.left_ms())
        return main if main.shows_form() else None

    def _problems(self, frame: Frame) -> Locator:
        words = self.words
        return alerts(frame).or_(
            phrases(frame, words.wrong_credentials + words.account_locked + words.bot_check)
        )

    def _note_signed_in(self) -> None:
        """For ``order-agent doctor``: the sign it took for being signed in."""
        if not is_recording():
            return
        sign_out = SitePage(self.page, self.words).sign_out_control()
        note("signed_in", sign_out if sign_out.count() else self._account_signs())

    def _account_signs(self) -> Locator:
        """What a signed-in page offers: sign-out, an account control, the order list."""
        site_page = SitePage(self.page, self.words)
        return (
            site_page.sign_out_control()
            .filter(visible=True)
            .or_(site_page.account_control())
            .or_(control(self.page, self.words.order_list_links, Step.ORDERS))
        )
