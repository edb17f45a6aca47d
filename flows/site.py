"""``RetailerSite``: what a shopper does on any site that follows the retailer contract.

The engine moves the way a person does, from the site URL through links and
buttons, remembering the URLs it reached (``remembered``) to go straight there
next time, and clicking through again when a remembered URL no longer works.

Every failure comes out as an ``agent.errors`` exception (see
``flows.browsing``): transient trouble to retry, a person to ask, or a site not
understood. Nothing here retries, least of all a submission.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from agent.errors import OrderNotFound, SiteNotUnderstood
from agent.models import Order
from flows.browsing import Browsing
from flows.interruptions import install_dialog_handlers
from flows.label_capture import capture_label
from flows.labels import keep_label
from flows.limits import Limits
from flows.limits import use as use_limits
from flows.locating import (
    LOOK_MS,
    OPTIONAL_MS,
    SUBMIT_MS,
    alerts,
    button,
    control,
    page_root,
    phone_on,
    texts_of,
    visible_now,
    wait_visible,
    without_texts,
)
from flows.matching import names, order_number_core, pattern, reference_in
from flows.pages import (
    ContactPage,
    HomePage,
    OrderListPage,
    OrderPage,
    ReturnConfirmationPage,
    SupportRequestsPage,
)
from flows.results import CancellationReceipt, ReturnReceipt, SupportRequest
from flows.returning import ReturnFlow
from flows.signing_in import SignInFlow
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary

__all__ = ["CancellationReceipt", "RetailerSite", "ReturnReceipt", "SupportRequest"]

P = ParamSpec("P")
T = TypeVar("T")

# Keys of ``RetailerSite.remembered`` (each order's page is under "order:<number>").
ORDER_LIST = "order_list"
CONTACT = "contact"
SUPPORT_REQUESTS = "support_requests"


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
        limits: Limits | None = None,
    ) -> None:
        if limits is not None:
            use_limits(limits)
        self.page = page
        self.site_url = site_url
        self.words = vocabulary
        # The caller's dict, updated in place, so the URLs learned here outlive this object.
        self.remembered: dict[str, str] = remembered if remembered is not None else {}
        self._browsing = Browsing(page, site_url, vocabulary)
        self._order: Order | None = None
        self._return_page: Page | None = None
        install_dialog_handlers(page, vocabulary)

    # -- signing in -------------------------------------------------------------------
    @_as_agent_errors
    def sign_in(self, email: str, password: str, totp: Callable[[], str] | None = None) -> None:
        SignInFlow(self._browsing).run(email, password, totp)

    @_as_agent_errors
    def is_signed_in(self) -> bool:
        return HomePage(self.page, self.words).signed_in()

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
        self._browsing.click(link.first)
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
        if self._browsing.goto(url, ok_below=400) is None:
            return None
        self._browsing.check_page()
        order_page = OrderPage(self.page, self.words)
        if not wait_visible(order_page.status_label(), LOOK_MS):
            return None
        if order_page.shows_order(number) is None:
            return None
        return self._read_order(number)

    def _open_order_list(self) -> OrderListPage:
        browsing = self._browsing
        listing = OrderListPage(self.page, self.words)
        remembered = self.remembered.get(ORDER_LIST)
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(listing.order_links(), LOOK_MS):
                    return listing
            self.remembered.pop(ORDER_LIST, None)
        link = browsing.find_from_here_or_home(self.words.order_list_links)
        if link is None:
            browsing.diagnose("could not find a link to the order list")
        browsing.click(link)
        browsing.expect(listing.order_links(), "the order list shows no orders")
        self.remembered[ORDER_LIST] = self.page.url
        return listing

    def _read_order(self, number: str) -> Order:
        order_page = OrderPage(self.page, self.words)
        self._browsing.expect(
            order_page.status_label(), f"no order status on the page of order {number}"
        )
        try:
            order = order_page.read(number)
        except LookupError:
            self._browsing.diagnose(f"could not read the status of order {number}")
        self._order = order
        return order

    def _go_to_order(self, order: Order) -> None:
        """Be on ``order``'s page (it may have moved on since it was read)."""
        if order.url and self.page.url == order.url:
            return
        if order.url:
            self._browsing.goto(order.url)
            self._browsing.check_page()
            self._read_order(order.number)
        else:
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
    ) -> CancellationReceipt:
        """Fill the Contact Us form for ``order``; submit it unless ``dry_run``.

        ``screenshot`` keeps the filled form (dry run) or the confirmation (sent).
        ``reason`` stands in for an empty ``message``.
        """
        browsing = self._browsing
        contact = self._open_contact()
        try:
            fields = contact.fill_request(
                order_number=order.number, name=name, email=email, reason=reason, message=message
            )
        except LookupError as exc:
            browsing.diagnose(f"the contact form: {exc}")
        except PlaywrightError:
            browsing.diagnose("could not fill in the contact form")
        if dry_run:
            if screenshot is not None:
                browsing.screenshot(self.page, screenshot)
            return CancellationReceipt(reference=None, fields=fields, url=self.page.url)
        submit = contact.submit_control()
        if submit is None:
            browsing.diagnose("the contact form has no Submit/Send button")
        reference = self._send(submit)
        if screenshot is not None:
            browsing.screenshot(self.page, screenshot)
        return CancellationReceipt(reference=reference, fields=fields, url=self.page.url)

    def _send(self, submit: Locator) -> str | None:
        """Submit the contact form; the reference of its confirmation, if it gives one."""
        source = self.words.confirmation_pattern
        confirmation = self.page.get_by_text(pattern(source)).filter(visible=True)
        before_confirmations = texts_of(confirmation)
        before_alerts = texts_of(alerts(self.page))
        self._browsing.click(submit)
        confirmed = without_texts(confirmation, before_confirmations)
        refused = without_texts(alerts(self.page), before_alerts)
        form_gone = page_root(self.page).filter(
            has_not=button(self.page, self.words.contact_submit)
        )
        if not wait_visible(confirmed.or_(refused).or_(form_gone), SUBMIT_MS):
            self._browsing.diagnose("the contact form gave no confirmation")
        self._browsing.check_page()
        said = " ".join(texts_of(refused))
        if said:
            raise SiteNotUnderstood(f"the contact form was not accepted: {said}", evidence=said)
        if not visible_now(confirmed):
            # The form went away; give a confirmation built by script a moment to appear.
            wait_visible(confirmed, LOOK_MS)
        for text in texts_of(confirmed):
            reference = reference_in(text, source)
            if reference:
                return reference
        return None

    def _open_contact(self) -> ContactPage:
        browsing = self._browsing
        contact = ContactPage(self.page, self.words)
        remembered = self.remembered.get(CONTACT)
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(contact.form_field(), LOOK_MS):
                    return contact
            self.remembered.pop(CONTACT, None)
        link = self._contact_link()
        if link is None and self.page.url != self.site_url:
            browsing.goto(self.site_url)
            browsing.check_page()
            link = self._contact_link()
        if link is None:
            browsing.diagnose("could not find a Contact Us link")
        browsing.click(link)
        browsing.expect(contact.form_field(), "no contact form with a topic list")
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
        self._browsing.click(help_page.first)
        return contact.first if wait_visible(contact, LOOK_MS) else None

    @_as_agent_errors
    def support_requests(self) -> list[SupportRequest] | None:
        browsing = self._browsing
        support = SupportRequestsPage(self.page, self.words)
        heading = self.page.get_by_role(
            "heading", name=names(self.words.support_request_pages)
        ).filter(visible=True)
        remembered = self.remembered.get(SUPPORT_REQUESTS)
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(heading, LOOK_MS):
                    return support.requests()
            self.remembered.pop(SUPPORT_REQUESTS, None)
        # Optional in the contract: a short look, so that a shop without one is not slow.
        link = browsing.find_from_here_or_home(self.words.support_request_pages, OPTIONAL_MS)
        if link is None:
            return None
        browsing.click(link)
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
            order, items=items, reason=reason, dry_run=dry_run, screenshot=screenshot
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
            wanted = control(self.page, self.words.label_links)
            if wait_visible(wanted, LOOK_MS):
                return self.page, wanted.first
        self._browsing.diagnose("could not find a return label link")
