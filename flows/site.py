"""``RetailerSite``: what a shopper does on any site that follows the retailer contract.

The engine moves the way a person does, from the site URL through links and
buttons, and turns what it meets into the errors of ``agent.errors``:

* a 5xx page, a dropped connection or a page that never comes: ``TransientError``
  (the runner retries; nothing here retries, least of all a submission);
* the sign-in form where a signed-in page was expected: ``SessionExpired``;
* "verify you are human": ``BotCheck``; anything else missing: ``SiteNotUnderstood``.

Typed secrets (password, verification code) never reach an exception message:
a failed ``fill()`` is replaced by a clean error raised outside the handler, so
Playwright's text (which can quote the value) is not even chained to it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import ipaddress
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, ParamSpec, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Download, Frame, Locator, Page, Request, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from agent.errors import (
    AccountLocked,
    BotCheck,
    CredentialsRejected,
    LabelInvalid,
    OrderNotFound,
    ReturnRefused,
    SessionExpired,
    SiteNotUnderstood,
    TransientError,
    TwoStepCodeMissing,
    UnsafeSignIn,
)
from agent.models import Order
from flows.interruptions import dismiss_visible, install_dialog_handlers
from flows.labels import keep_label, save_atomically
from flows.locating import (
    LOOK_MS,
    NAVIGATION_MS,
    OPTIONAL_MS,
    SUBMIT_MS,
    Deadline,
    alerts,
    button,
    control,
    labelled,
    page_root,
    phone_in,
    phone_on,
    phrases,
    texts_of,
    visible_now,
    wait_visible,
    without_texts,
)
from flows.matching import contains, names, order_number_core, pattern, reference_in
from flows.pages import (
    ContactPage,
    HomePage,
    OrderListPage,
    OrderPage,
    ReturnConfirmationPage,
    ReturnPage,
    SignInPage,
    SitePage,
    SupportRequestsPage,
)
from flows.results import CancellationReceipt, ReturnReceipt, SupportRequest
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary

__all__ = ["CancellationReceipt", "RetailerSite", "ReturnReceipt", "SupportRequest"]

P = ParamSpec("P")
T = TypeVar("T")

# Keys of ``RetailerSite.remembered``.
ORDER_LIST = "order_list"
CONTACT = "contact"
SUPPORT_REQUESTS = "support_requests"

# Alerts that ask for a correction rather than refuse.
_VALIDATION = r"\b(?:please\s+(?:choose|select|enter|pick|tick|provide)|required)\b"

# How often to look again while waiting for a label to arrive one of three ways.
_EVENT_SLICE_MS = 250

_FETCH_AS_BASE64 = """async (url) => {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 1) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}"""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _NavigationWatch:
    """What happened to the last main-frame navigation: its status, failure, or no answer yet."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.status: int | None = None
        self.failure: str | None = None
        self.pending = False
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)

    def _is_main_navigation(self, request: Request) -> bool:
        try:
            return request.is_navigation_request() and request.frame == self.page.main_frame
        except PlaywrightError:
            return False

    def _on_request(self, request: Request) -> None:
        if self._is_main_navigation(request):
            self.pending = True

    def _on_response(self, response: Response) -> None:
        if self._is_main_navigation(response.request):
            self.status, self.failure, self.pending = response.status, None, False

    def _on_failed(self, request: Request) -> None:
        if self._is_main_navigation(request):
            self.pending = False
            failure = request.failure or "failed"
            # A download, or a newer navigation, aborts the old one: not a failure of the site.
            if "ERR_ABORTED" not in failure:
                self.failure = failure

    def check(self) -> None:
        if self.failure:
            raise TransientError(f"the site could not be reached ({self.failure})")
        if self.status is not None and self.status >= 500:
            raise TransientError(f"the site answered with a server error ({self.status})")
        if self.page.url.startswith("chrome-error:"):
            raise TransientError("the page could not be loaded")


def _as_agent_errors(method: Callable[P, T]) -> Callable[P, T]:
    """Turn a stray Playwright error into the agent's own: transient, or not understood.

    The original is not chained (it is dropped before raising): Playwright's text can
    quote what was typed, and sign-in types secrets.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        site = args[0]
        assert isinstance(site, RetailerSite)
        try:
            return method(*args, **kwargs)
        except PlaywrightError as exc:
            timed_out = isinstance(exc, PlaywrightTimeoutError)
        site._explain_browser_failure(method.__name__, timed_out=timed_out)

    return wrapper


class RetailerSite:
    """One shopper's visit to one retailer site, driven through ``page``."""

    def __init__(
        self,
        page: Page,
        site_url: str,
        *,
        vocabulary: Vocabulary = DEFAULT_VOCABULARY,
        remembered: dict[str, str] | None = None,
    ) -> None:
        self.page = page
        self.site_url = site_url
        self.words = vocabulary
        # The caller's dict, updated in place, so the URLs learned here outlive this object.
        self.remembered: dict[str, str] = remembered if remembered is not None else {}
        self._watches: dict[Page, _NavigationWatch] = {}
        self._order: Order | None = None
        self._return_page: Page | None = None
        self._watch(page)
        install_dialog_handlers(page, vocabulary)

    # -- signing in -------------------------------------------------------------------
    @_as_agent_errors
    def sign_in(self, email: str, password: str, totp: Callable[[], str] | None = None) -> None:
        self._goto(self.site_url)
        self._check_page(signing_in=True)
        home = HomePage(self.page, self.words)
        if home.signed_in():
            return
        form = SignInPage(self.page.main_frame, self.words)  # a form right on the home page?
        if not form.shows_form():
            if not home.open_sign_in():
                self._check_page(signing_in=True)
                raise SiteNotUnderstood(f"could not find a sign-in link on {self.page.url}")
            self._check_page(signing_in=True)
            if home.signed_in():
                return
            form = self._find_sign_in_form(LOOK_MS)
        if form is None:
            self._diagnose("could not find the sign-in form", signing_in=True)
        form = self._type_credentials(form, email, password)
        stage = self._submit_and_read_outcome(form, form.password_field, self.words.sign_in_submit)
        if stage == "code":
            self._pass_second_step(totp)

    @_as_agent_errors
    def is_signed_in(self) -> bool:
        return HomePage(self.page, self.words).signed_in()

    def _find_sign_in_form(self, timeout_ms: float) -> SignInPage | None:
        """The frame showing an e-mail or password field (the page itself, or a frame in it)."""
        deadline = Deadline(timeout_ms)
        main = SignInPage(self.page.main_frame, self.words)
        fields = main.email_field.or_(main.password_field)
        # A frame may hold the form; its origin is checked before anything is typed.
        frames = self.page.locator("iframe").filter(visible=True)
        bot = phrases(self.page, self.words.bot_check)
        if not wait_visible(fields.or_(frames).or_(bot), timeout_ms):
            return None
        self._refuse_bot_check(self.page)
        if main.shows_form():
            return main
        with contextlib.suppress(PlaywrightTimeoutError):
            self.page.wait_for_load_state("load", timeout=deadline.left_ms())
        for frame in self.page.frames[1:]:
            candidate = SignInPage(frame, self.words)
            if candidate.shows_form():
                return candidate
        return main if wait_visible(fields, deadline.left_ms()) else None

    def _require_safe_origin(self, frame: Frame) -> None:
        """Type secrets only into the shop's own origin, and over https unless on loopback."""
        here, shop = _origin(frame.url), _origin(self.site_url)
        where = f"{here[0]}://{here[1]}" + (f":{here[2]}" if here[2] else "")
        if here != shop:
            raise UnsafeSignIn(
                f"the sign-in form is served by {where}, not by the shop's own site: "
                "nothing was typed"
            )
        if here[0] != "https" and not (here[0] == "http" and _is_loopback(here[1])):
            raise UnsafeSignIn(
                f"the sign-in form at {where} is not served over https: nothing typed"
            )

    def _type_credentials(self, form: SignInPage, email: str, password: str) -> SignInPage:
        self._require_safe_origin(form.frame)
        if not visible_now(form.password_field):
            # E-mail first, password on the next step ("Continue").
            form = self._identify_first(form, email)
            email = ""
        failed = False
        try:
            form.sign_in_with(email, password)
        except PlaywrightError:
            failed = True
        if failed:  # raised outside the handler: Playwright's text may quote the password
            raise SiteNotUnderstood("could not type into the sign-in form")
        return form

    def _identify_first(self, form: SignInPage, email: str) -> SignInPage:
        try:
            form.email_field.first.fill(email, timeout=LOOK_MS)
        except PlaywrightError:
            raise SiteNotUnderstood("could not type into the e-mail field") from None
        stage = self._submit_and_read_outcome(
            form, form.email_field, self.words.sign_in_submit, wanted=form.password_field
        )
        if stage != "wanted":
            raise SiteNotUnderstood("the sign-in form asked for no password")
        next_form = self._find_sign_in_form(LOOK_MS)
        if next_form is None or not visible_now(next_form.password_field):
            self._diagnose("could not find the password field", signing_in=True)
        self._require_safe_origin(next_form.frame)
        return next_form

    def _submit_and_read_outcome(
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
        words = self.words
        signed_in = page_root(self.page).filter(has=SitePage(self.page, words).sign_out_control())
        problems = alerts(form.frame).or_(
            phrases(form.frame, words.wrong_credentials + words.account_locked + words.bot_check)
        )
        if form.frame != self.page.main_frame:
            problems = problems.or_(alerts(self.page))
        before = texts_of(problems)
        submit = form.submit_for(field, submit_words)
        if submit is not None:
            self._click(submit, signing_in=True)
        else:  # implicit submission, as a person pressing Enter
            field.first.press("Enter")
            self._check_page(signing_in=True)
        news = without_texts(problems, before)
        outcomes = signed_in.or_(news)
        if not second_step:  # on the second step its own field is no news
            outcomes = outcomes.or_(self._code_fields())
        if wanted is not None:
            outcomes = outcomes.or_(wanted)
        if not wait_visible(outcomes, SUBMIT_MS):
            self._diagnose("the site did not answer the sign-in form", signing_in=True)
        self._watches[self.page].check()
        if signed_in.count():
            return "signed_in"
        said = " ".join(texts_of(news))
        if said:
            self._refuse_sign_in(said, second_step=second_step)
        if wanted is not None and visible_now(wanted):
            return "wanted"
        return "code"

    def _code_fields(self) -> Locator:
        return labelled(self.page, self.words.code_labels).or_(
            self.page.locator("iframe").filter(visible=True)
        )

    def _refuse_sign_in(self, said: str, *, second_step: bool) -> None:
        words = self.words
        phone = phone_in(said) or phone_on(self.page)
        if contains(words.bot_check).search(said):
            raise BotCheck(f"the site wants to check that we are human: {said}", phone=phone)
        if contains(words.account_locked).search(said):
            raise AccountLocked(f"the site has locked the account: {said}", phone=phone)
        if contains(words.wrong_credentials).search(said):
            what = "the verification code" if second_step else "the e-mail or password"
            raise CredentialsRejected(f"the site rejected {what}: {said}", phone=phone)
        raise SiteNotUnderstood(f"the site did not sign us in: {said}", phone=phone)

    def _pass_second_step(self, totp: Callable[[], str] | None) -> None:
        form = next(
            (
                SignInPage(frame, self.words)
                for frame in self.page.frames
                if visible_now(SignInPage(frame, self.words).code_field)
            ),
            None,
        )
        if form is None:
            self._diagnose("could not find the verification code field", signing_in=True)
        if totp is None:
            raise TwoStepCodeMissing(
                "the site asks for a verification code and no TOTP secret is configured"
            )
        self._require_safe_origin(form.frame)
        failed = False
        try:
            form.enter_code(totp())
        except PlaywrightError:
            failed = True
        if failed:  # outside the handler: the code must not travel with the error
            raise SiteNotUnderstood("could not type into the verification code field")
        stage = self._submit_and_read_outcome(
            form, form.code_field, self.words.code_submit, second_step=True
        )
        if stage != "signed_in":
            raise CredentialsRejected("the site did not accept the verification code")

    # -- orders -----------------------------------------------------------------------
    @_as_agent_errors
    def open_order(self, number: str) -> Order:
        key = f"order:{order_number_core(number)}"
        remembered = self.remembered.get(key)
        if remembered:
            order = self._open_remembered_order(remembered, number)
            if order is not None:
                return order
            self.remembered.pop(key, None)
        listing = self._open_order_list()
        link = listing.order_link(number)
        if not visible_now(link):
            shown = listing.order_numbers()
            listed = ", ".join(shown) if shown else "none"
            raise OrderNotFound(
                f"order {number} is not in this account's order list (orders shown: {listed})"
            )
        self._click(link.first)
        order = self._read_order(number)
        self.remembered[key] = order.url or self.page.url
        return order

    @_as_agent_errors
    def visible_order_numbers(self) -> list[str]:
        listing = OrderListPage(self.page, self.words)
        if not visible_now(listing.order_links()):
            listing = self._open_order_list()
        return listing.order_numbers()

    @_as_agent_errors
    def customer_service_phone(self) -> str | None:
        return phone_on(self.page)

    def _open_remembered_order(self, url: str, number: str) -> Order | None:
        if self._goto(url, ok_below=400) is None:
            return None
        self._check_page()
        order_page = OrderPage(self.page, self.words)
        if not wait_visible(order_page.status_label(), LOOK_MS):
            return None
        if order_page.shows_order(number) is None:
            return None
        return self._read_order(number)

    def _open_order_list(self) -> OrderListPage:
        listing = OrderListPage(self.page, self.words)
        remembered = self.remembered.get(ORDER_LIST)
        if remembered:
            if self._goto(remembered, ok_below=400) is not None:
                self._check_page()
                if wait_visible(listing.order_links(), LOOK_MS):
                    return listing
            self.remembered.pop(ORDER_LIST, None)
        link = self._find_from_here_or_home(self.words.order_list_links)
        if link is None:
            self._diagnose("could not find a link to the order list")
        self._click(link)
        self._expect(listing.order_links(), "the order list shows no orders")
        self.remembered[ORDER_LIST] = self.page.url
        return listing

    def _read_order(self, number: str) -> Order:
        order_page = OrderPage(self.page, self.words)
        self._expect(order_page.status_label(), f"no order status on the page of order {number}")
        try:
            order = order_page.read(number)
        except LookupError:
            self._diagnose(f"could not read the status of order {number}")
        self._order = order
        return order

    # -- cancellation request ---------------------------------------------------------
    @_as_agent_errors
    def request_cancellation(
        self,
        order: Order,
        *,
        name: str,
        email: str,
        reason: str,
        message: str,
        dry_run: bool = False,
        screenshot: Path | None = None,
    ) -> CancellationReceipt:
        contact = self._open_contact()
        try:
            fields = contact.fill_request(
                order_number=order.number, name=name, email=email, reason=reason, message=message
            )
        except LookupError as exc:
            self._diagnose(f"the contact form: {exc}")
        except PlaywrightError:
            self._diagnose("could not fill in the contact form")
        if dry_run:
            if screenshot is not None:
                self._screenshot(self.page, screenshot)
            return CancellationReceipt(reference=None, fields=fields, url=self.page.url)
        submit = contact.submit_control()
        if submit is None:
            self._diagnose("the contact form has no Submit/Send button")
        confirmation_text = self.page.get_by_text(pattern(self.words.confirmation_pattern))
        confirmation_text = confirmation_text.filter(visible=True)
        before_confirmations = texts_of(confirmation_text)
        before_alerts = texts_of(alerts(self.page))
        self._click(submit)
        confirmed = without_texts(confirmation_text, before_confirmations)
        refused = without_texts(alerts(self.page), before_alerts)
        form_gone = page_root(self.page).filter(
            has_not=button(self.page, self.words.contact_submit)
        )
        if not wait_visible(confirmed.or_(refused).or_(form_gone), SUBMIT_MS):
            self._diagnose("the contact form gave no confirmation")
        self._check_page()
        said = " ".join(texts_of(refused))
        if said:
            raise SiteNotUnderstood(f"the contact form was not accepted: {said}", evidence=said)
        if not visible_now(confirmed):
            # The form went away; give a confirmation built by script a moment to appear.
            wait_visible(confirmed, LOOK_MS)
        reference = next(
            (
                found
                for text in texts_of(confirmed)
                if (found := reference_in(text, self.words.confirmation_pattern))
            ),
            None,
        )
        if screenshot is not None:
            self._screenshot(self.page, screenshot)
        return CancellationReceipt(reference=reference, fields=fields, url=self.page.url)

    def _open_contact(self) -> ContactPage:
        contact = ContactPage(self.page, self.words)
        remembered = self.remembered.get(CONTACT)
        if remembered:
            if self._goto(remembered, ok_below=400) is not None:
                self._check_page()
                if wait_visible(contact.form_field(), LOOK_MS):
                    return contact
            self.remembered.pop(CONTACT, None)
        for attempt in range(2):
            if attempt:
                self._goto(self.site_url)
                self._check_page()
            link = self._contact_link()
            if link is not None:
                break
        else:
            self._diagnose("could not find a Contact Us link")
        self._click(link)
        self._expect(contact.form_field(), "no contact form with a topic list")
        self.remembered[CONTACT] = self.page.url
        return contact

    def _contact_link(self) -> Locator | None:
        """Contact Us, from here or from the Customer Service / Help page."""
        contact = control(self.page, self.words.contact_links)
        help_page = control(self.page, self.words.customer_service_links)
        if not wait_visible(contact.or_(help_page), LOOK_MS):
            return None
        if visible_now(contact):
            return contact.first
        self._click(help_page.first)
        return contact.first if wait_visible(contact, LOOK_MS) else None

    @_as_agent_errors
    def support_requests(self) -> list[SupportRequest] | None:
        support = SupportRequestsPage(self.page, self.words)
        heading = self.page.get_by_role(
            "heading", name=names(self.words.support_request_pages)
        ).filter(visible=True)
        remembered = self.remembered.get(SUPPORT_REQUESTS)
        if remembered:
            if self._goto(remembered, ok_below=400) is not None:
                self._check_page()
                if wait_visible(heading, LOOK_MS):
                    return support.requests()
            self.remembered.pop(SUPPORT_REQUESTS, None)
        # Optional in the contract: a short look, so that a shop without one is not slow.
        link = self._find_from_here_or_home(self.words.support_request_pages, OPTIONAL_MS)
        if link is None:
            return None
        self._click(link)
        wait_visible(heading, LOOK_MS)
        self.remembered[SUPPORT_REQUESTS] = self.page.url
        return support.requests()

    # -- returns ----------------------------------------------------------------------
    @_as_agent_errors
    def start_return(
        self,
        order: Order,
        *,
        items: Sequence[str] | None = None,
        dry_run: bool = False,
        screenshot: Path | None = None,
    ) -> ReturnReceipt:
        order_page = self._order_page_for(order)
        entry = order_page.return_entry()
        phone = phone_on(self.page)
        if entry is None:
            finals = [item for item in order.items if item.final_sale]
            why = (
                "all of its items are Final Sale"
                if order.items and len(finals) == len(order.items)
                else f"its status is {order.raw_status!r}"
            )
            raise ReturnRefused(
                f"the site offers no return for order {order.number}: {why}", phone=phone
            )
        before_alerts = texts_of(alerts(self.page))
        target = self._click_maybe_new_page(entry)
        form = ReturnPage(target, self.words)
        refusal = without_texts(alerts(target), before_alerts if target is self.page else [])
        self._expect(form.item_boxes().or_(refusal), "no return form", page=target)
        said = " ".join(texts_of(refusal))
        if said and not visible_now(form.item_boxes()):
            raise ReturnRefused(
                f"the site refused the return: {said}",
                phone=phone_in(said) or phone_on(target) or phone,
                evidence=said,
            )
        chosen = self._choose_items(form, order, items, phone)
        for _label, box in chosen:
            box.check(timeout=LOOK_MS)
            form.choose_reason(box)
        form.choose_remaining_reasons()
        method = form.choose_mail_method()
        names_chosen = tuple(label for label, _box in chosen)
        if dry_run:
            if screenshot is not None:
                self._screenshot(target, screenshot)
            return ReturnReceipt(reference=None, items=names_chosen, method=method, url=target.url)
        submit = form.submit_control(chosen[0][1])
        if submit is None:
            self._diagnose("the return form has no submit button", page=target)
        number = self._submit_return(target, form, submit, phone)
        self._return_page = target
        if screenshot is not None:
            self._screenshot(target, screenshot)
        return ReturnReceipt(reference=number, items=names_chosen, method=method, url=target.url)

    def _order_page_for(self, order: Order) -> OrderPage:
        order_page = OrderPage(self.page, self.words)
        if order.url and self.page.url == order.url:
            return order_page
        if order.url:
            self._goto(order.url)
            self._check_page()
            self._read_order(order.number)
        else:
            self.open_order(order.number)
        return order_page

    def _choose_items(
        self,
        form: ReturnPage,
        order: Order,
        wanted: Sequence[str] | None,
        phone: str | None,
    ) -> list[tuple[str, Locator]]:
        listed = form.items()
        known = [item.name.casefold() for item in order.items]
        if known:
            # Keep to checkboxes naming an item of the order (not "email me updates").
            on_order = [
                entry
                for entry in listed
                if any(k in entry[0].casefold() or entry[0].casefold() in k for k in known)
            ]
            listed = on_order or listed
        if wanted:
            chosen = []
            for name in wanted:
                matches = [entry for entry in listed if name.casefold() in entry[0].casefold()]
                if not matches:
                    shown = ", ".join(entry[0] for entry in listed) or "none"
                    raise SiteNotUnderstood(
                        f"the return form lists no item named {name!r} (it lists: {shown})"
                    )
                usable = [(label, box) for label, box, enabled in matches if enabled]
                if not usable:
                    raise ReturnRefused(
                        f"{matches[0][0]} cannot be returned (the site does not let it be chosen)",
                        phone=phone,
                    )
                chosen.extend(usable)
            chosen = list({label: (label, box) for label, box in chosen}.values())
        else:
            chosen = [(label, box) for label, box, enabled in listed if enabled]
        if not chosen:
            raise ReturnRefused(
                f"no item of order {order.number} can be returned (Final Sale or already returned)",
                phone=phone,
            )
        return chosen

    def _submit_return(
        self, target: Page, form: ReturnPage, submit: Locator, phone: str | None
    ) -> str | None:
        confirmation = ReturnConfirmationPage(target, self.words)
        review = (
            page_root(target).filter(has=form.review_confirm()).filter(has_not=form.item_boxes())
        )
        for step in range(3):
            before_numbers = texts_of(confirmation.return_number_text())
            before_alerts = texts_of(alerts(target))
            self._click(submit, page=target)
            numbers = without_texts(confirmation.return_number_text(), before_numbers)
            refused = without_texts(alerts(target), before_alerts)
            outcome = numbers.or_(refused) if step else numbers.or_(refused).or_(review)
            if not wait_visible(outcome, SUBMIT_MS):
                self._diagnose("the return form gave no return number", page=target)
            self._check_page(target)
            said = " ".join(texts_of(refused))
            if said:
                if pattern(_VALIDATION).search(said):
                    raise SiteNotUnderstood(f"the return form was not accepted: {said}")
                raise ReturnRefused(
                    f"the site refused the return: {said}",
                    phone=phone_in(said) or phone,
                    evidence=said,
                )
            if visible_now(numbers):
                return confirmation.return_number()
            submit = form.review_confirm().first
        self._diagnose("the return was not confirmed", page=target)

    # -- the return label -------------------------------------------------------------
    @_as_agent_errors
    def download_label(self, dest: Path, *, expect: Sequence[str]) -> Path:
        page, link = self._label_link()
        data = self._capture_label(page, link)
        return keep_label(data, Path(dest), expect)

    def _label_link(self) -> tuple[Page, Locator]:
        pages = [p for p in (self._return_page, self.page) if p is not None and not p.is_closed()]
        for page in dict.fromkeys(pages):
            link = ReturnConfirmationPage(page, self.words).label_control()
            if link is not None:
                return page, link
        if self._order is not None and self._order.url:
            self._goto(self._order.url)
            self._check_page()
            wanted = control(self.page, self.words.label_links)
            if wait_visible(wanted, LOOK_MS):
                return self.page, wanted.first
        self._diagnose("could not find a return label link")

    def _capture_label(self, page: Page, link: Locator) -> bytes:
        """The PDF behind the label link: attachment, script-made (blob) download, or new tab."""
        downloads: list[Download] = []
        opened: list[Page] = []

        def on_download(download: Download) -> None:
            downloads.append(download)

        def on_page(new_page: Page) -> None:
            opened.append(new_page)
            new_page.on("download", on_download)

        page.on("download", on_download)
        page.context.on("page", on_page)
        try:
            self._click(link, page=page)
            # Whichever comes first: a download on this page, or a new tab (which may itself
            # turn into a download, or show the PDF at its own address).
            deadline = Deadline(SUBMIT_MS)
            while not downloads and not deadline.passed:
                if opened and opened[0].url not in ("", "about:blank"):
                    break
                waiting_on = opened[0] if opened else page
                with contextlib.suppress(PlaywrightTimeoutError):
                    waiting_on.wait_for_event(
                        "download", timeout=min(_EVENT_SLICE_MS, deadline.left_ms())
                    )
        finally:
            page.remove_listener("download", on_download)
            page.context.remove_listener("page", on_page)
        try:
            if downloads:
                return self._downloaded_bytes(downloads[0])
            if opened:
                return self._opened_bytes(opened[0])
        finally:
            for new_page in opened:
                if not new_page.is_closed():
                    new_page.close()
        self._check_page(page)
        raise LabelInvalid("the label link gave no file")

    @staticmethod
    def _downloaded_bytes(download: Download) -> bytes:
        failure = download.failure()
        if failure:
            raise LabelInvalid(f"the label download failed ({failure})")
        data = Path(download.path()).read_bytes()
        download.delete()
        return data

    def _opened_bytes(self, tab: Page) -> bytes:
        url = tab.url
        if url.startswith(("blob:", "data:")):
            try:
                return base64.b64decode(tab.evaluate(_FETCH_AS_BASE64, url))
            except PlaywrightError:
                raise LabelInvalid("the label opened in a new tab could not be read") from None
        try:
            response = tab.context.request.get(url, timeout=NAVIGATION_MS)
        except PlaywrightError:
            raise TransientError("the label could not be fetched") from None
        if response.status >= 500:
            raise TransientError(
                f"the label address answered with a server error ({response.status})"
            )
        if not response.ok:
            raise LabelInvalid(f"the label address answered {response.status}")
        return response.body()

    # -- moving around ----------------------------------------------------------------
    def _watch(self, page: Page) -> _NavigationWatch:
        if page not in self._watches:
            self._watches[page] = _NavigationWatch(page)
        return self._watches[page]

    def _goto(self, url: str, *, ok_below: int | None = None) -> int | None:
        """Load ``url``; its HTTP status (``None`` when ``ok_below`` is given and exceeded)."""
        try:
            response = self.page.goto(url, timeout=NAVIGATION_MS)
        except PlaywrightTimeoutError:
            raise TransientError(f"{url} did not load in time") from None
        except PlaywrightError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else "error"
            raise TransientError(f"{url} could not be loaded ({reason})") from None
        status = response.status if response is not None else 200
        if status >= 500:
            raise TransientError(f"{url} answered with a server error ({status})")
        if ok_below is not None and status >= ok_below:
            return None
        return status

    def _click(
        self, target: Locator, *, page: Page | None = None, signing_in: bool = False
    ) -> None:
        page = page or self.page
        try:
            target.click(timeout=LOOK_MS)
        except PlaywrightError:
            self._diagnose(
                "a link or button could not be clicked", page=page, signing_in=signing_in
            )
        self._check_page(page, signing_in=signing_in)

    def _click_maybe_new_page(self, target: Locator) -> Page:
        """Click; the page that then shows the result (a new tab, or this page)."""
        opened: list[Page] = []

        def on_page(new_page: Page) -> None:
            opened.append(new_page)

        self.page.context.on("page", on_page)
        try:
            self._click(target)
        finally:
            self.page.context.remove_listener("page", on_page)
        if not opened:
            return self.page
        new_page = opened[0]
        self._watch(new_page)
        try:
            new_page.wait_for_load_state("domcontentloaded", timeout=NAVIGATION_MS)
        except PlaywrightTimeoutError:
            raise TransientError("the new page did not load in time") from None
        self._check_page(new_page)
        return new_page

    def _find_from_here_or_home(
        self, words: Sequence[str], timeout_ms: float = LOOK_MS
    ) -> Locator | None:
        """A link named like ``words`` on this page (menus included), else on the home page."""
        site_page = SitePage(self.page, self.words)
        with contextlib.suppress(PlaywrightTimeoutError):
            self.page.wait_for_load_state("domcontentloaded", timeout=NAVIGATION_MS)
        link = site_page.find_control(words, timeout_ms=timeout_ms)
        if link is None and self.page.url != self.site_url:
            self._goto(self.site_url)
            self._check_page()
            link = site_page.find_control(words, timeout_ms=timeout_ms)
        return link

    def _expect(self, wanted: Locator, what: str, *, page: Page | None = None) -> None:
        """Wait for ``wanted``; if an obstacle shows instead, raise what it means."""
        page = page or self.page
        obstacles = phrases(page, self.words.bot_check).or_(
            labelled(page, self.words.password_labels)
        )
        if not wait_visible(wanted.or_(obstacles), LOOK_MS) or not visible_now(wanted):
            self._diagnose(what, page=page)

    def _check_page(self, page: Page | None = None, *, signing_in: bool = False) -> None:
        """Raise if the page is a server error, a bot check, or (mid-flow) the sign-in form."""
        page = page or self.page
        self._watch(page).check()
        bot = phrases(page, self.words.bot_check)
        sign_in_form = labelled(page, self.words.password_labels)
        # One look for both obstacles: this runs after every click.
        if not visible_now(bot.or_(sign_in_form)):
            return
        self._refuse_bot_check(page)
        if not signing_in and visible_now(sign_in_form):
            raise SessionExpired("the site signed us out (it shows its sign-in form)")

    def _refuse_bot_check(self, page: Page) -> None:
        bot = phrases(page, self.words.bot_check)
        if visible_now(bot):
            said = " ".join(texts_of(alerts(page))) or " ".join(texts_of(bot))
            raise BotCheck(
                f"the site wants to check that we are human: {said}",
                phone=phone_in(said) or phone_on(page),
                evidence=said,
            )

    def _diagnose(
        self, what: str, *, page: Page | None = None, signing_in: bool = False
    ) -> NoReturn:
        """Explain a missing element: transient trouble, signed out, bot check, or unknown."""
        page = page or self.page
        self._check_page(page, signing_in=signing_in)
        if self._watch(page).pending:
            raise TransientError(f"{what}: the page is still loading after {LOOK_MS // 1000}s")
        said = " ".join(texts_of(alerts(page)))
        raise SiteNotUnderstood(
            f"{what} on {page.url}" + (f" (the page says: {said})" if said else ""),
            phone=phone_on(page),
            evidence=said or None,
        )

    def _explain_browser_failure(self, action: str, *, timed_out: bool) -> NoReturn:
        what = action.replace("_", " ")
        closed = self.page.is_closed()
        if not closed:
            try:
                self._diagnose(f"{what}: the browser {'timed out' if timed_out else 'failed'}")
            except PlaywrightError:
                closed = True
        raise TransientError(f"{what}: the browser page closed or crashed")

    def _screenshot(self, page: Page, path: Path) -> None:
        dismiss_visible(page, self.words)
        save_atomically(page.screenshot(full_page=True), Path(path))
