"""Signing in: entry link, form (maybe in a frame, maybe e-mail first), second step, outcome.

Secrets are typed only into a frame on the shop's own origin, over https (plain
http only on loopback). A failed ``fill()`` of a secret is replaced by a clean
error raised outside the ``except`` block, so Playwright's text (which can quote
the value) is not even chained to it.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable, Sequence
from typing import NoReturn
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator

from flows.findings import note
from flows.forms import Filled, typed
from flows.locating import (
    Deadline,
    Sight,
    holding,
    labelled,
    look_ms,
    optional_ms,
    parsed,
    phone_in,
    phone_on,
    submit_ms,
    texts_of,
    visible_now,
    wait_visible,
    without_texts,
)
from flows.matching import contains
from flows.pages import SignInPage, SitePage
from flows.sign_in_forms import SignInForms
from ordercore.errors import (
    AccountLocked,
    BotCheck,
    CredentialsRejected,
    SiteNotUnderstood,
    TransientError,
    TwoStepCodeMissing,
    UnsafeSignIn,
)

# How long each look lasts when the form's frame and the page are watched in turn.
_SLICE_MS = 500

Origin = tuple[str, str, int | None]


def origin_of(url: str) -> Origin:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe_origin(frame_url: str, site_url: str) -> None:
    """Raise ``UnsafeSignIn`` unless a secret may be typed into a frame at ``frame_url``."""
    here = origin_of(frame_url)
    scheme, host, port = here
    where = f"{scheme}://{host}" + (f":{port}" if port else "")
    if here != origin_of(site_url):
        raise UnsafeSignIn(
            f"the sign-in form is served by {where}, not by the shop's own site: nothing was typed"
        )
    if scheme != "https" and not (scheme == "http" and is_loopback(host)):
        raise UnsafeSignIn(f"the sign-in form at {where} is not served over https: nothing typed")


class SignInFlow(SignInForms):
    """One sign-in attempt, from the site URL to a visible Sign Out control."""

    def run(self, email: str, password: str, totp: Callable[[], str] | None) -> None:
        form = self._form_without_home()
        if form is None:
            form = self._form_from_home()
            if form is None:
                return  # signed in already
        note("sign_in_form", form.email_field.or_(form.password_field))
        first_form = form
        form_url = form.frame.url
        form = self._type_credentials(form, email, password)
        if self._submit(form, form.password_field, self.words.sign_in_submit) == "code":
            self._second_step(totp)
        self._remember_form_address(first_form, form_url)

    def _type_credentials(self, form: SignInPage, email: str, password: str) -> SignInPage:
        require_safe_origin(form.frame.url, self.browsing.site_url)
        if not visible_now(form.password_field):
            # E-mail first, password on the next step ("Continue").
            form = self._identify_first(form, email)
            email = ""
        signed_in_form = form
        self._type_for_submit(
            "the sign-in form",
            lambda: signed_in_form.sign_in_with(email, password),
            lambda: signed_in_form.submit_for(
                signed_in_form.password_field, self.words.sign_in_submit
            ),
        )
        return form

    def _type_for_submit(
        self,
        what: str,
        type_in: Callable[[], list[Filled]],
        submit: Callable[[], Locator | None],
    ) -> None:
        """Type with ``type_in``, then make sure the form still holds it when it is sent.

        A failed ``fill()`` is reported outside the ``except`` block: Playwright's text
        can quote the value, which may be the password or a code.
        """

        def typed_in() -> list[Filled]:
            failed = False
            try:
                return type_in()
            except PlaywrightError:
                failed = True
            if failed:
                self.browsing.diagnose(f"could not type into {what}", signing_in=True)
            return []

        self.browsing.fill_for_submit(typed_in, submit, what, signing_in=True)

    def _identify_first(self, form: SignInPage, email: str) -> SignInPage:
        field = form.identifier_field()
        if field is None:
            self.browsing.diagnose("could not find the sign-in form", signing_in=True)

        def type_email() -> list[Filled]:
            field.fill(email, timeout=look_ms())
            return [typed(field, email, "the e-mail")]

        self._type_for_submit(
            "the e-mail field",
            type_email,
            lambda: form.submit_for(field, self.words.sign_in_submit),
        )
        stage = self._submit(form, field, self.words.sign_in_submit, wanted=form.password_field)
        if stage != "wanted":
            raise SiteNotUnderstood("the sign-in form asked for no password")
        next_form = self._find_form(look_ms())
        if next_form is None or not visible_now(next_form.password_field):
            self.browsing.diagnose("could not find the password field", signing_in=True)
        require_safe_origin(next_form.frame.url, self.browsing.site_url)
        return next_form

    def _second_step(self, totp: Callable[[], str] | None) -> None:
        form = next(
            (
                SignInPage(frame, self.words)
                for frame in self.page.frames
                if visible_now(SignInPage(frame, self.words).code_field)
            ),
            None,
        )
        if form is None:
            self.browsing.diagnose("could not find the verification code field", signing_in=True)
        if totp is None:
            raise TwoStepCodeMissing(
                "the site asks for a verification code and no TOTP secret is configured"
            )
        require_safe_origin(form.frame.url, self.browsing.site_url)
        code_form, make_code = form, totp
        self._type_for_submit(
            "the verification code field",
            lambda: code_form.enter_code(make_code()),
            lambda: code_form.submit_for(code_form.code_field, self.words.code_submit),
        )
        stage = self._submit(form, form.code_field, self.words.code_submit, second_step=True)
        if stage != "signed_in":
            raise CredentialsRejected("the site did not accept the verification code")

    def _submit(
        self,
        form: SignInPage,
        field: Locator,
        submit_words: Sequence[str],
        *,
        wanted: Locator | None = None,
        second_step: bool = False,
    ) -> str:
        """Submit the form holding ``field``; return "signed_in", "code" or "wanted".

        Raises the matching ``NeedsHuman`` error for what the site says instead.
        """
        main_frame = self.page.main_frame
        in_frame = form.frame != main_frame
        before_url = self.page.url
        before = texts_of(self._problems(main_frame))
        before_in_frame = texts_of(self._problems(form.frame)) if in_frame else []
        submit = form.submit_for(field, submit_words)
        watch = self.browsing.watch(self.page)
        loads_before = watch.loads
        if submit is not None:
            self.browsing.click(submit, signing_in=True)
        else:  # implicit submission, as a person pressing Enter
            field.first.press("Enter", timeout=look_ms())
            self.browsing.check_page(signing_in=True)
        site_page = SitePage(self.page, self.words)
        # Signed in, by any of its signs: a sign-out control anywhere; or the way in to
        # signing in gone and an account control in its place; or the form gone (below).
        # Presences, judged on the elements, never on the root's box (it may have none).
        signed_in = holding(self.page, has=site_page.sign_out_control())
        account_shown = holding(
            self.page, has=site_page.account_control(), has_not=site_page.sign_in_control()
        )
        news = without_texts(self._problems(main_frame), before)
        strong = Sight(shown=news, present=signed_in.or_(account_shown))
        code_here = labelled(self.page, self.words.code_labels)
        if not second_step:  # on the second step its own field is no news
            strong = strong.or_(code_here)
        if wanted is not None and not in_frame:
            strong = strong.or_(wanted)
        outcomes = strong
        if not in_frame:
            outcomes = outcomes.or_(Sight(present=holding(self.page, has_not=field)))
        # Locators cannot mix frames: what the form's own frame shows is looked at apart.
        frame_outcomes = None
        if in_frame:
            frame_outcomes = without_texts(self._problems(form.frame), before_in_frame)
            if not second_step:
                frame_outcomes = frame_outcomes.or_(form.code_field)
            if wanted is not None:
                frame_outcomes = frame_outcomes.or_(wanted)

        def outcome() -> str | None:
            """What the page says now: signed in, refused (raises), a next step, or nothing."""
            self.browsing.watch(self.page).check()
            if signed_in.count() or self._account_shown_on_whole_page(account_shown):
                self._note_signed_in()
                return "signed_in"
            said = " ".join(texts_of(news))
            if in_frame and not form.frame.is_detached():
                frame_news = without_texts(self._problems(form.frame), before_in_frame)
                said = " ".join([said, *texts_of(frame_news)])
            if said.strip():
                self._refuse(said.strip(), second_step=second_step)
            if wanted is not None and visible_now(wanted):
                return "wanted"
            if not second_step and visible_now(code_here):
                return "code"
            if in_frame and not form.frame.is_detached() and visible_now(form.code_field):
                return "code" if not second_step else None
            return None

        def form_again() -> NoReturn:
            """The shop answered with its sign-in form again and no word of why.

            Seen when a session ends right after it began (the landing page sends us
            back to sign in): transient, so the sign-in is tried again, a bounded
            number of times; a shop that silently refuses a password ends the same way.
            """
            raise TransientError(
                "the shop showed its sign-in form again after it was sent, without saying why"
            )

        deadline = Deadline(submit_ms())
        while True:
            if not self._wait_for_outcome(outcomes, form.frame, frame_outcomes, deadline.left_ms()):
                if self.page.url != before_url or watch.loads > loads_before:
                    form_again()
                self.browsing.diagnose("the site did not answer the sign-in form", signing_in=True)
            with contextlib.suppress(PlaywrightError):  # what came may still be loading
                self.page.wait_for_load_state("domcontentloaded", timeout=deadline.left_ms())
            said = outcome()
            if said is not None:
                return said
            if not in_frame and not visible_now(field):
                # The form went away: give what replaces it a moment to show itself.
                wait_visible(strong.or_(self._account_signs()), optional_ms())
                said = outcome()
                if said is not None:
                    return said
                return self._confirm_signed_in(before_url)
            if deadline.passed:
                if watch.loads > loads_before:
                    form_again()
                self.browsing.diagnose("the site did not answer the sign-in form", signing_in=True)
            # The form is back (re-rendered by a script): keep waiting for a real outcome.

    def _account_shown_on_whole_page(self, account_shown: Locator) -> bool:
        """An account control and no way in, on a page parsed to its end (see ``parsed``)."""
        if not Sight(present=account_shown).now():
            return False
        parsed(self.page)
        return Sight(present=account_shown).now()

    def _confirm_signed_in(self, before_url: str) -> str:
        """The form went away with no error: signed in, if the page leads to the account."""
        parsed(self.page)
        site_page = SitePage(self.page, self.words)
        moved_on = self.page.url != before_url
        if site_page.shows_signed_in() or (moved_on and visible_now(self._account_signs())):
            self._note_signed_in()
            return "signed_in"
        raise SiteNotUnderstood(
            f"after the sign-in form the site showed {self.page.url}, with no sign of being "
            "signed in (no sign-out, account or orders link)"
        )

    @staticmethod
    def _wait_for_outcome(
        outcomes: Sight, frame: Frame, in_frame: Locator | None, timeout_ms: float | None = None
    ) -> bool:
        if timeout_ms is None:
            timeout_ms = submit_ms()
        if in_frame is None:
            return wait_visible(outcomes, timeout_ms)
        # A form in a frame: look at the page and at the frame in turn.
        deadline = Deadline(timeout_ms)
        while not deadline.passed:
            if wait_visible(outcomes, min(_SLICE_MS, deadline.left_ms())):
                return True
            if not frame.is_detached() and visible_now(in_frame):
                return True
        return False

    def _refuse(self, said: str, *, second_step: bool) -> None:
        words = self.words
        phone = phone_in(said) or phone_on(self.page)
        if contains(words.bot_check).search(said):
            raise BotCheck(f"the site wants to check that we are human: {said}", phone=phone)
        if contains(words.account_locked).search(said):
            raise AccountLocked(f"the site has locked the account: {said}", phone=phone)
        if contains(words.wrong_credentials).search(said):
            what = "the verification code" if second_step else "the e-mail or password"
            # The shop's words are quoted once, in the message: no evidence line repeating them.
            raise CredentialsRejected(f"the site rejected {what}: {said}", phone=phone)
        raise SiteNotUnderstood(f"the site did not sign us in: {said}", phone=phone)
