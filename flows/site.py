"""``RetailerSite``: what a shopper does on any site that follows the retailer contract.

The engine moves the way a person does, from the site URL through links and
buttons, remembering the URLs it reached (``remembered``) to go straight there
next time, and clicking through again when a remembered URL no longer works.

Every failure comes out as an ``ordercore.errors`` exception (see
``flows.browsing``): transient trouble to retry, a person to ask, or a site not
understood. Nothing here retries, least of all a submission.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows.account_names import account_page_link, name_on_page
from flows.browsing import Browsing
from flows.chatting import ChatResult, ChatWidget
from flows.contact_pages import ContactPage, SupportRequestsPage
from flows.findings import note, note_url
from flows.forms import Filled
from flows.interruptions import install_dialog_handlers
from flows.label_capture import capture_label
from flows.labels import keep_label
from flows.limits import Limits, quoted_words
from flows.limits import use as use_limits
from flows.locating import (
    Sight,
    alerts,
    best_of,
    button,
    control,
    holding,
    look_ms,
    optional_ms,
    phone_on,
    phrases,
    submit_ms,
    texts_of,
    visible_now,
    wait_visible,
    without_texts,
)
from flows.matching import order_number_core, pattern, reference_in
from flows.order_pages import OrderListPage, OrderPage
from flows.pages import HomePage, SitePage
from flows.recognition import Step, best_of_shown, name_pattern
from flows.results import CancellationReceipt, ReturnReceipt, SupportRequest
from flows.return_pages import ReturnConfirmationPage, ReturnPage
from flows.returning import ReturnFlow
from flows.signing_in import SignInFlow
from flows.status_check import read_again
from flows.status_reading import StatusRead, describe
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from flows.ways_in import Destination
from ordercore.errors import (
    OrderNotFound,
    SiteNotUnderstood,
    StatusChanged,
    StatusUnconfirmed,
    StorageError,
    TransientError,
)
from ordercore.models import Order, StatusEvidence, StatusPlace
from ordercore.steps import SafeStep, once

__all__ = ["CancellationReceipt", "RetailerSite", "ReturnReceipt", "SupportRequest"]

P = ParamSpec("P")
T = TypeVar("T")

# Keys of ``RetailerSite.remembered`` (each order's page is under "order:<number>").
ORDER_LIST = "order_list"
CONTACT = "contact"
SUPPORT_REQUESTS = "support_requests"
RETURN_REQUESTS = "return_requests"  # a shop's list of return requests ("Product Returns")
CHAT = "chat"  # the page the chat launcher was seen on; "" when it was not
# A start URL for signing in (from a site profile); not remembered, only a way in.
SIGN_IN = "sign_in"


def derived_order_url(remembered: Mapping[str, str], number: str) -> str | None:
    """This order's page address, made from a remembered order page of another order.

    Shops build order pages from one pattern (``/orders/MK-70001``, ``/order?id=70001``):
    the other order's number, found once in its address, is replaced by this one's
    (zero padding kept). ``None`` when no remembered address holds its number exactly once.
    """
    core = order_number_core(number).lstrip("0")
    if not core:
        return None
    for name, url in remembered.items():
        other = name.removeprefix("order:").lstrip("0")
        if not name.startswith("order:") or not other or other == core:
            continue
        spots = list(re.finditer(rf"(?<![A-Za-z0-9]){re.escape(other)}(?![A-Za-z0-9])", url))
        spots = spots or list(re.finditer(rf"(?<=[-0]){re.escape(other)}(?![A-Za-z0-9])", url))
        if len(spots) == 1:
            spot = spots[0]
            return url[: spot.start()] + core + url[spot.end() :]
    return None


def _as_agent_errors(method: Callable[P, T]) -> Callable[P, T]:
    """Turn a stray Playwright error into the agent's own: transient, or not understood.

    The original is dropped before raising, not chained: Playwright's text can quote
    what was typed, and sign-in types secrets.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        site = args[0]
        assert isinstance(site, RetailerSite)
        try:
            return method(*args, **kwargs)
        except PlaywrightError as exc:
            timed_out = isinstance(exc, PlaywrightTimeoutError)
        site._browsing.explain_browser_failure(method.__name__, timed_out=timed_out)

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
        start_urls: Mapping[str, str] | None = None,
        phone: str | None = None,
        limits: Limits | None = None,
        safe_step: SafeStep = once,
    ) -> None:
        """``start_urls`` and ``phone`` come from a site profile.

        ``start_urls`` (keys ``sign_in``, ``order_list``, ``contact``,
        ``support_requests``) are the way there when the page offers no link
        or button for it; ``phone`` is the customer-service number to give
        when the page shows none. ``safe_step`` repeats a step that sends nothing in
        the middle of one that does (the agent's retries and sign-in again).
        """
        if limits is not None:
            use_limits(limits)
        self.page = page
        self.site_url = site_url
        self.words = vocabulary
        # The caller's dict, updated in place, so the URLs learned here outlive this object.
        self.remembered: dict[str, str] = remembered if remembered is not None else {}
        self.start_urls: dict[str, str] = dict(start_urls or {})
        self.phone = phone
        self.safe_step = safe_step
        self._browsing = Browsing(page, site_url, vocabulary, remembered=self.remembered)
        self._order: Order | None = None
        self._return_page: Page | None = None
        self._chat: ChatWidget | None = None  # the live chat on the page in use
        self._chat_secrets: tuple[str, ...] = ()
        install_dialog_handlers(page, vocabulary)

    # -- signing in -------------------------------------------------------------------
    @_as_agent_errors
    def sign_in(self, email: str, password: str, totp: Callable[[], str] | None = None) -> None:
        SignInFlow(self._browsing, sign_in_url=self.start_urls.get(SIGN_IN)).run(
            email, password, totp
        )

    @_as_agent_errors
    def is_signed_in(self) -> bool:
        """Signed in, by any of its signs (sign-out anywhere, or an account control only)."""
        return HomePage(self.page, self.words).shows_signed_in()

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
        derived = derived_order_url(self.remembered, number)
        if derived is not None:
            # Another order's page, its number swapped for this one's: the shop's own link
            # pattern. Trusted only when the page shows this order's number and status.
            order = self._open_remembered_order(derived, number)
            if order is not None:
                self.remembered[key] = order.url or self.page.url
                return order
        listing = self._open_order_list()
        link = listing.order_link(number)
        if not visible_now(link):
            shown = listing.order_numbers()
            listed = ", ".join(shown) if shown else "none"
            raise OrderNotFound(
                f"order {number} is not in this account's order list (orders shown: {listed})",
                hint="check the order number, and that the account signed in is the one that "
                "placed the order",
            )
        listed = listing.listed_status(number, link)
        # The order's own link: visible, in the main content before a header's "recent order".
        chosen = best_of(link, (), Step.ORDER)
        note("order", chosen)
        self._browsing.follow(chosen)
        order = self._read_order(number, listed)
        self.remembered[key] = order.url or self.page.url
        return order

    @_as_agent_errors
    def visible_order_numbers(self) -> list[str]:
        listing = OrderListPage(self.page, self.words)
        if not visible_now(listing.order_links()):
            listing = self._open_order_list()
        return listing.order_numbers()

    @_as_agent_errors
    def shopper_name(self, *, visit_account_page: bool = True) -> str | None:
        """The account holder's name as the shop shows it, else ``None``.

        Read from this page (a greeting, details fields), and when that gives no
        full name, from the account page (``Account Overview``, ``My Profile`` ...)
        unless ``visit_account_page`` is false.
        """
        name = name_on_page(self.page, self.words)
        if (name and len(name.split()) > 1) or not visit_account_page:
            return name
        link = account_page_link(self.page, self.words, optional_ms())
        if link is None:
            return name
        self._browsing.follow(link)  # the name is read on the account page, not this one
        found = name_on_page(self.page, self.words, headings=True)
        return found if found and (not name or len(found.split()) > 1) else name

    @_as_agent_errors
    def customer_service_phone(self) -> str | None:
        return phone_on(self.page) or self.phone

    def _open_remembered_order(self, url: str, number: str) -> Order | None:
        if self._browsing.goto(url, ok_below=400) is None:
            return None
        self._browsing.check_page()
        order_page = OrderPage(self.page, self.words)
        if not wait_visible(order_page.status_sign(number), look_ms()):
            return None
        shown = order_page.shows_order(number)
        if shown is None:
            return None
        status = order_page.read_status(number)
        if status is None or not status.evidence.taken:
            return None  # no status in its place on the page: the order list's row may say
        # Status and number are read: the rest of the page is read once, not looked for again.
        self._order = order_page.read(number, status=status, shown=shown)
        return self._order

    def _open_order_list(self) -> OrderListPage:
        browsing = self._browsing
        listing = OrderListPage(self.page, self.words)
        remembered = self.remembered.get(ORDER_LIST)
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(listing.order_links(), look_ms()):
                    return listing
            self.remembered.pop(ORDER_LIST, None)
        link = browsing.find_from_here_or_home(self.words.order_list_links, step=Step.ORDERS)
        if link is not None:
            note(ORDER_LIST, link)
            browsing.follow(link)  # an account page may list recent orders too
        elif not self._go_to_start(ORDER_LIST) and not browsing.other_way_in(
            Destination.ORDERS, listing.order_links()
        ):
            # No link named like the order list, no address that leads there.
            browsing.diagnose("could not find a link to the order list")
        browsing.expect(listing.order_links(), "the order list shows no orders")
        self.remembered[ORDER_LIST] = self.page.url
        return listing

    def _read_order(self, number: str, listed: str | None = None) -> Order:
        """Read the order's page; ``listed`` is the status its row in the list showed."""
        order_page = OrderPage(self.page, self.words)
        self._browsing.expect(
            order_page.status_sign(number), f"no order status on the page of order {number}"
        )
        try:
            order = order_page.read(number, listed)
        except LookupError:
            self._browsing.diagnose(f"could not read the status of order {number}")
        self._order = order
        return order

    @_as_agent_errors
    def confirm_status(self, order: Order) -> None:
        """Read ``order``'s status again, from the place it was read, right before a submit
        (``flows.status_check``: in a frame of this page, so the filled form stays as it is
        and no tab is added). A status that changed, or that no longer shows in that place,
        stops the submit: ``StatusChanged``, nothing sent. An order read without evidence
        (built by hand) is not checked.
        """
        evidence = order.status_evidence
        if evidence is None or not evidence.url:
            return
        try:
            again = self._read_again(order, evidence)
        except TransientError as exc:
            # The read failed, not the order: nothing was sent, and that is known here.
            raise StatusUnconfirmed(
                f"the status of order {order.number} could not be read again before "
                f"sending ({exc.message}): nothing was sent"
            ) from exc
        if (
            again is not None
            and again.status is order.status
            and (again.evidence.places == evidence.places)
        ):
            return
        now = (
            f"now {again.raw!r} ({', '.join(describe(c) for c in again.evidence.taken)})"
            if again is not None and again.evidence.taken
            else "now it shows no status in that place"
        )
        was = ", ".join(describe(c) for c in evidence.taken) or "its place"
        raise StatusChanged(
            f"order {order.number} was {order.raw_status!r} ({was}) when read, {now}: "
            "nothing was sent",
            hint="run the command again: it reads the order afresh",
        )

    @_as_agent_errors
    def _read_again(self, order: Order, evidence: StatusEvidence) -> StatusRead | None:
        return read_again(self.page, self.site_url, self.words, order, evidence, self.remembered)

    def _go_to_order(self, order: Order) -> None:
        """Be on ``order``'s page (it may have moved on since it was read)."""
        if order.url and self.page.url == order.url:
            return
        evidence = order.status_evidence
        from_list = evidence is not None and any(
            c.place is StatusPlace.LIST_ROW for c in evidence.taken
        )
        if order.url and not from_list:
            self._browsing.goto(order.url)
            self._browsing.check_page()
            self._read_order(order.number)
        else:
            # A status only the order list shows is read there again, with its row: the
            # order's page alone says nothing (once an exit 3 after signing in again).
            self.open_order(order.number)

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
        filled_form: Path | None = None,
    ) -> CancellationReceipt:
        """Fill the Contact Us form for ``order``; submit it unless ``dry_run``.

        ``screenshot`` keeps the filled form (dry run) or the confirmation (sent).
        ``filled_form`` keeps the filled form just before it is submitted: the proof of
        what was sent (order number, message), which the confirmation page does not show.
        ``reason`` stands in for an empty ``message``.
        """
        browsing = self._browsing
        contact = self._open_contact()
        fields: dict[str, str] = {}

        def fill() -> list[Filled]:
            nonlocal fields
            try:
                fields = contact.fill_request(
                    order_number=order.number,
                    name=name,
                    email=email,
                    reason=reason,
                    message=message,
                )
            except LookupError as exc:
                browsing.diagnose(f"the contact form: {exc}")
            except PlaywrightError:
                browsing.diagnose("could not fill in the contact form")
            return contact.kept

        submits: list[Locator | None] = []

        def submit_control() -> Locator | None:
            # Found once per fill: its locator is looked up again on the page at the click.
            submits.append(contact.submit_control())
            return submits[-1]

        # Read back before sending (and before a dry run's screenshot): a page script may
        # have rebuilt the form, empty, since it was filled.
        browsing.fill_for_submit(fill, submit_control, "the contact form")
        form = contact.form_block()
        whole_form = form if isinstance(form, Locator) else None
        if dry_run:
            if screenshot is not None:
                browsing.screenshot(self.page, screenshot, of=whole_form)
            return CancellationReceipt(reference=None, fields=fields, url=self.page.url)
        submit = submits[-1] if submits else contact.submit_control()
        if submit is None:
            browsing.diagnose("the contact form has no Submit/Send button")
        if filled_form is not None:
            # Proof is best effort: a picture that cannot be taken or kept never stops, nor
            # muddles, the submit (the receipt says when there is none).
            with contextlib.suppress(StorageError, PlaywrightError):
                browsing.screenshot(self.page, filled_form, of=whole_form)
        self.confirm_status(order)
        reference, said = self._send(submit)
        if screenshot is not None:
            browsing.screenshot(self.page, screenshot)
        return CancellationReceipt(
            reference=reference, fields=fields, url=self.page.url, confirmation=said
        )

    def _send(self, submit: Locator) -> tuple[str | None, str | None]:
        """Submit the contact form: the reference its confirmation gives (if it gives one),
        and the confirmation's words.

        Sent is what the shop says: a reference ("Your case number is CS-482913"), or a
        line saying it was sent with no reference ("Your enquiry has been successfully
        sent"), or the form gone with no error.
        """
        source = self.words.confirmation_pattern
        confirmation = self.page.get_by_text(pattern(source)).filter(visible=True)
        sent = phrases(self.page, self.words.contact_sent_words)
        # What already said such things before the click, read in one look: none of it is
        # the shop's answer (a text shown before in any of the three is not one either).
        before = texts_of(confirmation.or_(sent).or_(alerts(self.page)))
        # The page is checked once the answer came (just after the click, it is the form).
        self._browsing.click(submit, check=False)
        confirmed = without_texts(confirmation, before)
        said_sent = without_texts(sent, before)
        refused = without_texts(alerts(self.page), before)
        form_gone = holding(self.page, has_not=button(self.page, self.words.contact_submit))
        answered = Sight(shown=confirmed.or_(refused).or_(said_sent), present=form_gone)
        if not wait_visible(answered, submit_ms()):
            self._browsing.diagnose("the contact form gave no confirmation")
        self._browsing.check_page()
        said = " ".join(texts_of(refused))
        if said:
            raise SiteNotUnderstood(f"the contact form was not accepted: {said}")
        shown = texts_of(confirmed)
        if not shown and not visible_now(said_sent):
            # The form went away; give a confirmation built by script a moment to appear.
            wait_visible(confirmed.or_(said_sent), look_ms())
            shown = texts_of(confirmed)
        # The words are proof, quoted in the receipt and the message: bounded, like all
        # of a page's text the agent repeats (a broken number is not copied whole).
        for text in shown:
            reference = reference_in(text, source)
            if reference:
                return reference, quoted_words(text)
        words = shown or texts_of(said_sent)
        return None, quoted_words(" ".join(words))

    def _open_contact(self) -> ContactPage:
        browsing = self._browsing
        contact = ContactPage(self.page, self.words)
        remembered = self.remembered.get(CONTACT)
        if remembered and self.page.url == remembered and visible_now(contact.form_field()):
            return contact  # opened ahead (``prepare_cancellation``): no second load
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(contact.form_field(), look_ms()):
                    return contact
            self.remembered.pop(CONTACT, None)
        link = self._contact_link()
        if link is None and self.page.url != self.site_url:
            browsing.goto(self.site_url)
            browsing.check_page()
            link = self._contact_link()
        if link is not None:
            note(CONTACT, link)
            browsing.follow(link, arrived=contact.form_field())
            if not wait_visible(contact.form_field(), look_ms()):
                # A help page named like the contact link ("Help & Contact") leads on to
                # the form through its own, better named link ("Contact us"): once.
                onward = self._contact_link()
                if onward is not None:
                    note(CONTACT, onward)
                    browsing.follow(onward, arrived=contact.form_field())
        elif not self._go_to_start(CONTACT) and not browsing.other_way_in(
            Destination.CONTACT, contact.form_field()
        ):
            browsing.diagnose("could not find a Contact Us link")
        browsing.expect(contact.form_field(), "no contact form with a topic list")
        self.remembered[CONTACT] = self.page.url
        return contact

    def _go_to_start(self, name: str) -> bool:
        """Go to the profile's start URL for ``name`` (when the page offers no way there)."""
        url = self.start_urls.get(name)
        if not url or self._browsing.goto(url, ok_below=400) is None:
            return False
        self._browsing.check_page()
        note_url(name, url, "the profile's start path")
        return True

    @_as_agent_errors
    def open_contact_form(self) -> ContactPage:
        """The Contact Us form, found as for a cancellation request; nothing is filled in."""
        return self._open_contact()

    def _contact_link(self) -> Locator | None:
        """Contact Us, from here or from the Customer Service / Help page."""
        words = self.words
        contact = control(self.page, words.contact_links, Step.HELP)
        help_page = control(self.page, words.customer_service_links, Step.HELP)
        if not wait_visible(contact.or_(help_page), look_ms()):
            return None
        shown = best_of_shown(contact, words.contact_links, Step.HELP)
        if shown is not None:
            return shown
        help_link = best_of(help_page, words.customer_service_links, Step.HELP)
        note("customer_service", help_link)
        self._browsing.follow(help_link, arrived=contact)
        if not wait_visible(contact, look_ms()):
            return None
        return best_of(contact, words.contact_links, Step.HELP)

    @_as_agent_errors
    def prepare_cancellation(self) -> list[SupportRequest] | None:
        """The shop's open requests read, then its contact form opened, nothing filled in.

        What a cancellation request needs before its write-ahead intent, done in a tab of
        its own while another tab reads the order (``agent.runner``). Returns what
        ``support_requests`` returns; ``request_cancellation`` then finds the form open.
        """
        if not self.remembered.get(SUPPORT_REQUESTS):
            # A new tab shows nothing to click yet: start where a person would.
            self._browsing.goto(self.site_url)
            self._browsing.check_page()
        requests = self.support_requests()
        self._open_contact()
        return requests

    @_as_agent_errors
    def support_requests(self) -> list[SupportRequest] | None:
        return self._requests_listed(self.words.support_request_pages, SUPPORT_REQUESTS)

    @_as_agent_errors
    def return_requests(self) -> list[SupportRequest] | None:
        """The shop's list of return requests ("Product Returns"), with their orders; None
        when the shop shows none."""
        return self._requests_listed(
            self.words.return_request_pages, RETURN_REQUESTS, via_account=True
        )

    def _requests_listed(
        self, pages: Sequence[str], key: str, *, via_account: bool = False
    ) -> list[SupportRequest] | None:
        """A list of requests, read from its page: remembered, linked from here or home,
        else (``via_account``: read rarely, so worth a look there) from the account page."""
        browsing = self._browsing
        support = SupportRequestsPage(self.page, self.words)
        heading = self.page.get_by_role("heading", name=name_pattern(pages)).filter(visible=True)
        remembered = self.remembered.get(key)
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(heading, look_ms()):
                    return support.requests()
            self.remembered.pop(key, None)
        # Optional in the contract: a short look, so that a shop without one is not slow.
        link = browsing.find_from_here_or_home(pages, optional_ms())
        if link is None and via_account:
            account = account_page_link(self.page, self.words, optional_ms())
            if account is not None:
                browsing.follow(account)
                link = SitePage(self.page, self.words).find_now(pages)
        if link is not None:
            note(key, link)
            browsing.follow(link, arrived=heading)
        elif not self._go_to_start(key):
            return None
        wait_visible(heading, look_ms())
        self.remembered[key] = self.page.url
        return support.requests()

    @_as_agent_errors
    def return_kind(self, order: Order) -> str | None:
        """What starting a return for ``order`` opens, looked at in a tab of its own (read
        only): "request" (a form per item, no label), "label", or None (no form reached)."""
        if not order.url:
            return None
        side = self.page.context.new_page()
        try:
            install_dialog_handlers(side, self.words)
            browsing = Browsing(side, self.site_url, self.words, remembered={})
            if browsing.goto(order.url, ok_below=400) is None:
                return None
            browsing.check_page()
            entry = OrderPage(side, self.words).return_entry()
            if entry is None:
                return None
            target = browsing.click_maybe_new_page(entry)
            form = ReturnPage(target, self.words)
            if not wait_visible(form.item_boxes().or_(form.product_field()), look_ms()):
                return None
            return "request" if form.is_request() else "label"
        finally:
            for page in side.context.pages:
                if page is side or page.opener == side:
                    with contextlib.suppress(PlaywrightError):
                        page.close()

    # -- returns ----------------------------------------------------------------------
    @_as_agent_errors
    def start_return(
        self,
        order: Order,
        *,
        items: Sequence[str] | None = None,
        reason: str | None = None,
        dry_run: bool = False,
        screenshot: Path | None = None,
    ) -> ReturnReceipt:
        """Return ``order``'s returnable items (or only ``items``) by prepaid mail label.

        ``reason`` picks the Reason option with those words when the form has one.
        ``screenshot`` keeps the filled form (dry run) or the confirmation (submitted).
        """
        self._go_to_order(order)
        flow = ReturnFlow(self._browsing)
        receipt = flow.start(
            order,
            items=items,
            reason=reason,
            dry_run=dry_run,
            screenshot=screenshot,
            before_submit=lambda: self.confirm_status(order),
            safe_step=self.safe_step,
        )
        self._return_page = flow.page
        return receipt

    @_as_agent_errors
    def download_label(self, dest: Path, *, expect: Sequence[str]) -> Path:
        page, link = self._label_link()
        data = capture_label(self._browsing, page, link)
        return keep_label(data, Path(dest), expect)

    def _label_link(self) -> tuple[Page, Locator]:
        """The label link on the confirmation, else on the last order's page."""
        pages = [p for p in (self._return_page, self.page) if p is not None and not p.is_closed()]
        for page in dict.fromkeys(pages):
            link = ReturnConfirmationPage(page, self.words).label_control()
            if link is not None:
                return page, link
        if self._order is not None and self._order.url:
            self._browsing.goto(self._order.url)
            self._browsing.check_page()
            words = self.words.label_links
            wanted = control(self.page, words, Step.ORDER)
            if wait_visible(wanted, look_ms()):
                return self.page, best_of(wanted, words, Step.ORDER)
        self._browsing.diagnose("could not find a return label link")

    # -- live chat ------------------------------------------
    def use_chat(self, secrets: Sequence[str] = ()) -> None:
        """Never type any of ``secrets`` into the chat (a fresh widget on the page in use)."""
        self._chat_secrets = tuple(secrets)
        self._chat = None

    def _widget(self) -> ChatWidget:
        if self._chat is None or self._chat.page is not self.page:
            self._chat = ChatWidget(
                self.page, self.site_url, self.words, secrets=self._chat_secrets
            )
        return self._chat

    @_as_agent_errors
    def chat_offered(self, wait_ms: float, *, patient: bool = True) -> bool:
        """Whether the page shows the shop's chat launcher (within ``wait_ms``).

        Not ``patient``: the launcher is waited for only on a shop where it was seen
        before (``remembered["chat"]``: the page it was seen on, "" when it was not);
        elsewhere it is only looked at, so a shop without chat costs no wait at all.
        """
        widget = self._widget()
        if patient or self.remembered.get(CHAT):
            offered = widget.offered(wait_ms)
        else:
            offered = visible_now(widget.launcher())
        self.remembered[CHAT] = self.page.url if offered else ""
        return offered

    @_as_agent_errors
    def chat_opening(self) -> str:
        """Open the chat: ``"away"``, ``"talk"`` (a conversation shown again) or ``"form"``."""
        return self._widget().opening()

    @_as_agent_errors
    def chat_earlier(self, order: Order) -> ChatResult | None:
        """The conversation about ``order`` the chat shows again (a dropped chat's), read;
        nothing sent. ``None``: none, or one about another order."""
        return self._widget().earlier_conversation(order.number)

    @_as_agent_errors
    def chat_request_cancellation(
        self, order: Order, *, name: str, email: str, message: str
    ) -> ChatResult:
        """Ask the shop's live chat to cancel ``order``; its outcome, read by its words."""
        return self._widget().request_cancellation(
            order_number=order.number,
            name=name,
            email=email,
            message=message,
            before_send=lambda: self.confirm_status(order),
        )

    @_as_agent_errors
    def chat_minimise(self) -> None:
        """Put the open chat away (it may cover the page's own form)."""
        self._widget().minimise()

    def chat_screenshot(self) -> bytes | None:
        """A picture of the open chat (best effort)."""
        return self._widget().screenshot()
