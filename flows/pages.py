"""Page objects: one class per kind of page a shopper meets, named after what they do there.

Here, what every page of a shop has (header, menus, footer, main content), the home page
and the sign-in page; an order's pages are in ``flows.order_pages``, the contact form and
earlier requests in ``flows.contact_pages``, the return form in ``flows.return_pages``.

Each locator is built from the vocabulary with roles, accessible names, labels
and visible text. Page objects read and fill; they do not decide what a missing
element means (``flows.site`` does: session expired, server error, or a site
it does not understand).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from playwright.sync_api import Frame, Locator, Page

from flows.findings import note
from flows.forms import (
    Filled,
    typed,
)
from flows.locating import (
    best_of,
    button,
    control,
    labelled,
    look_ms,
    nearest,
    nearest_block,
    page_root,
    parsed,
    visible_now,
    wait_visible,
)
from flows.recognition import (
    Step,
    best_of_shown,
    name_pattern,
    ranked,
)
from flows.vocabulary import Vocabulary


class SitePage:
    """Any page of the shop: its header, menus, footer and main content."""

    def __init__(self, page: Page, vocabulary: Vocabulary) -> None:
        self.page = page
        self.words = vocabulary
        self._content: tuple[str, Locator] | None = None

    @property
    def content(self) -> Locator:
        """The main landmark when there is exactly one (menus and footers repeat everywhere).

        Looked up once per address: reading an order asks for it a dozen times.
        """
        url = self.page.url
        if self._content is None or self._content[0] != url:
            main = self.page.get_by_role("main")
            self._content = (url, main if main.count() == 1 else page_root(self.page))
        return self._content[1]

    def _anywhere(self, name: re.Pattern[str]) -> Locator:
        """Links and buttons named like ``name``, shown or tucked away in a closed menu."""
        return self.page.get_by_role("link", name=name, include_hidden=True).or_(
            self.page.get_by_role("button", name=name, include_hidden=True)
        )

    def sign_out_control(self) -> Locator:
        """Sign-out links/buttons, shown or tucked away in a closed menu."""
        return self._anywhere(name_pattern(self.words.sign_out, Step.SIGN_OUT))

    def sign_in_control(self) -> Locator:
        """Ways in to signing in (and sign-in buttons), shown or hidden."""
        return self._anywhere(name_pattern(self.words.sign_in_entry, Step.SIGN_IN))

    def account_control(self) -> Locator:
        """Visible account links/buttons ("Account", an icon named "My account"), not "Sign in"."""
        words = self.words
        name = name_pattern(words.account_menu, Step.ACCOUNT, not_holding=words.sign_in_entry)
        return (
            self.page.get_by_role("link", name=name)
            .or_(self.page.get_by_role("button", name=name))
            .filter(visible=True)
        )

    def signed_in(self) -> bool:
        """The strong sign: a sign-out control anywhere (hidden ones count)."""
        return self.sign_out_control().count() > 0

    def shows_signed_in(self) -> bool:
        """Signed in, read from several signs.

        A sign-out control anywhere; or no way in to signing in left on the page while
        an account control shows (the header's "Sign in" icon turned into "Account").
        """
        if self.signed_in():
            return True
        if not visible_now(self.account_control()):
            return False
        parsed(self.page)
        return self.sign_in_control().count() == 0 and visible_now(self.account_control())

    def password_field(self) -> Locator:
        return labelled(self.page, self.words.password_labels, Step.PASSWORD)

    def find_control(
        self, words: Sequence[str], *, timeout_ms: float | None = None, step: Step = Step.ANY
    ) -> Locator | None:
        """The best visible link/button named like ``words``, opening an Account menu if needed."""
        if timeout_ms is None:
            timeout_ms = look_ms()
        wanted = control(self.page, words, step)
        menus = self.account_control()
        if not wait_visible(wanted.or_(menus), timeout_ms):
            return None
        shown = best_of_shown(wanted, words, step)
        if shown is not None:
            return shown
        # Menus best first: "My Account" before "Account Overview".
        for candidate in ranked(menus, self.words.account_menu, Step.ACCOUNT)[:3]:
            if not candidate.visible:
                continue
            before = self.page.url
            menus.nth(candidate.index).click(timeout=look_ms())
            if wait_visible(wanted, timeout_ms):
                return best_of(wanted, words, step)
            if self.page.url != before:  # an account link led to another page: look no further
                return None
        return None

    def find_now(self, words: Sequence[str], step: Step = Step.ANY) -> Locator | None:
        """The best visible link/button named like ``words`` on the page as it is (no waiting)."""
        return best_of_shown(control(self.page, words, step), words, step)


class HomePage(SitePage):
    """The page at the site URL: the way in to signing in, orders and help."""

    def open_sign_in(self, follow: Callable[[Locator], None]) -> bool:
        """Find the way in to signing in and ``follow`` it; ``False`` when there is none."""
        entry = self.find_control(self.words.sign_in_entry, step=Step.SIGN_IN)
        if entry is None:
            return False
        note("sign_in_entry", entry)
        if visible_now(self.password_field()):
            return True  # an account link already led to the form: its button is not a way in
        follow(entry)
        return True


class SignInPage:
    """The sign-in form (possibly in a frame) and its optional second step."""

    def __init__(self, frame: Frame, vocabulary: Vocabulary) -> None:
        self.frame = frame
        self.words = vocabulary
        # submit_for's answers: the same form's button is wanted to settle and to click.
        self._submits: dict[tuple[str, tuple[str, ...]], Locator | None] = {}

    @property
    def email_field(self) -> Locator:
        return labelled(self.frame, self.words.email_labels, Step.EMAIL)

    @property
    def password_field(self) -> Locator:
        return labelled(self.frame, self.words.password_labels, Step.PASSWORD)

    @property
    def code_field(self) -> Locator:
        return labelled(self.frame, self.words.code_labels)

    def identifier_field(self) -> Locator | None:
        """An e-mail field whose own form is sent with a sign-in button (e-mail first).

        A newsletter box ("Email" + "Subscribe") is not one.
        """
        fields = self.email_field
        for index in range(min(fields.count(), 3)):
            field = fields.nth(index)
            block = nearest_block(
                field, lambda b: b.get_by_role("button").filter(visible=True), within=self.frame
            )
            if block is not None and visible_now(
                button(block, self.words.sign_in_submit, Step.SIGN_IN)
            ):
                return field
        return None

    def shows_form(self) -> bool:
        return visible_now(self.password_field) or self.identifier_field() is not None

    def submit_for(self, field: Locator, words: Sequence[str]) -> Locator | None:
        """The form's own submit control: the nearest one to the field, not the header's.

        Of several in that block, the best named ("Sign in" before "Sign in with email").
        """

        def submits(block: Locator) -> Locator:
            return button(block, words, Step.SIGN_IN)

        # Found once per form: the locator is resolved again on the page at every use.
        key = (repr(field), tuple(words))
        if key not in self._submits or self._submits[key] is None:
            block = nearest_block(field.first, submits, within=self.frame)
            found = best_of(submits(block), words, Step.SIGN_IN) if block is not None else None
            self._submits[key] = found
        return self._submits[key]

    def email_beside_password(self) -> Locator | None:
        """The e-mail field of the password's own form (not a newsletter box in the header)."""
        if not visible_now(self.password_field):
            return self.email_field.first if visible_now(self.email_field) else None
        words = self.words.email_labels
        return nearest(
            self.password_field.first,
            lambda block: labelled(block, words, Step.EMAIL),
            within=self.frame,
        )

    def sign_in_with(self, email: str, password: str) -> list[Filled]:
        """Type the e-mail (if asked) and password; the caller submits and reads the outcome."""
        filled = []
        email_field = self.email_beside_password() if email else None
        if email_field is not None:
            email_field.fill(email, timeout=look_ms())
            filled.append(typed(email_field, email, "the e-mail"))
        password_field = self.password_field.first
        password_field.fill(password, timeout=look_ms())
        filled.append(typed(password_field, password, "the password"))
        return filled

    def enter_code(self, code: str) -> list[Filled]:
        field = self.code_field.first
        field.fill(code, timeout=look_ms())
        return [typed(field, code, "the verification code")]
