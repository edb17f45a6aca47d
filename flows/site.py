"""``RetailerSite``: what a shopper does on any site that follows the retailer contract.

The engine moves the way a person does, from the site URL through links and
buttons, remembering the URLs it reached (``remembered``) to go straight there
next time, and clicking through again when a remembered URL no longer works.

Every failure comes out as an ``ordercore.errors`` exception (see
``flows.browsing``): transient trouble to retry, a person to ask, or a site not
understood. Nothing here retries, least of all a submission.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar, Unpack

from playwright.sync_api import Page

from flows.account_names import account_page_link, name_on_page
from flows.browsing import Browsing, as_agent_errors
from flows.contact_desk import ContactDesk
from flows.contact_pages import ContactPage
from flows.findings import note
from flows.interruptions import install_dialog_handlers
from flows.limits import Limits
from flows.limits import use as use_limits
from flows.locating import (
    best_of,
    look_ms,
    optional_ms,
    phone_on,
    visible_now,
    wait_visible,
)
from flows.matching import order_number_core
from flows.order_pages import OrderListPage, OrderPage
from flows.pages import HomePage
from flows.recognition import Step
from flows.remembered import (
    ORDER_LIST,
    SIGN_IN,
    go_to_start,
)
from flows.results import (
    CancellationReceipt,
    CancellationRequest,
    ReturnReceipt,
    ReturnRequest,
    SupportRequest,
)
from flows.return_desk import ReturnDesk
from flows.shop_chat import ShopChat
from flows.signing_in import SignInFlow
from flows.status_check import confirm_status, read_again
from flows.status_reading import StatusRead
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from flows.ways_in import Destination
from ordercore.errors import (
    OrderNotFound,
)
from ordercore.models import Order, StatusEvidence, StatusPlace
from ordercore.steps import SafeStep, once

__all__ = ["CancellationReceipt", "RetailerSite", "ReturnReceipt", "SupportRequest"]

P = ParamSpec("P")
T = TypeVar("T")


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
        self.browsing = Browsing(page, site_url, vocabulary, remembered=self.remembered)
        self._desk = ContactDesk(
            self.browsing, start_urls=self.start_urls, confirm_status=self.confirm_status
        )
        self._order: Order | None = None  # the order read last
        self._returns = ReturnDesk(self.browsing, self.confirm_status, safe_step)
        # The shop's live chat on this tab (flows.shop_chat).
        self.chat = ShopChat(self.browsing, self.confirm_status)
        install_dialog_handlers(page, vocabulary)

    # -- signing in -------------------------------------------------------------------
    @as_agent_errors
    def sign_in(self, email: str, password: str, totp: Callable[[], str] | None = None) -> None:
        SignInFlow(self.browsing, sign_in_url=self.start_urls.get(SIGN_IN)).run(
            email, password, totp
        )

    @as_agent_errors
    def is_signed_in(self) -> bool:
        """Signed in, by any of its signs (sign-out anywhere, or an account control only)."""
        return HomePage(self.page, self.words).shows_signed_in()

    # -- orders -----------------------------------------------------------------------
    @as_agent_errors
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
        self.browsing.follow(chosen)
        order = self._read_order(number, listed)
        self.remembered[key] = order.url or self.page.url
        return order

    @as_agent_errors
    def visible_order_numbers(self) -> list[str]:
        listing = OrderListPage(self.page, self.words)
        if not visible_now(listing.order_links()):
            listing = self._open_order_list()
        return listing.order_numbers()

    @as_agent_errors
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
        self.browsing.follow(link)  # the name is read on the account page, not this one
        found = name_on_page(self.page, self.words, headings=True)
        return found if found and (not name or len(found.split()) > 1) else name

    @as_agent_errors
    def customer_service_phone(self) -> str | None:
        return phone_on(self.page) or self.phone

    def _open_remembered_order(self, url: str, number: str) -> Order | None:
        if self.browsing.goto(url, ok_below=400) is None:
            return None
        self.browsing.check_page()
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
        browsing = self.browsing
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
        elif not go_to_start(browsing, self.start_urls, ORDER_LIST) and not browsing.other_way_in(
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
        self.browsing.expect(
            order_page.status_sign(number), f"no order status on the page of order {number}"
        )
        try:
            order = order_page.read(number, listed)
        except LookupError:
            self.browsing.diagnose(f"could not read the status of order {number}")
        self._order = order
        return order

    @as_agent_errors
    def confirm_status(self, order: Order) -> None:
        """Read ``order``'s status again, from the place it was read, right before a submit
        (in a frame of this page: the filled form stays as it is, no tab is added);
        ``StatusChanged`` (nothing sent) when it changed (``flows.status_check``)."""
        confirm_status(order, lambda evidence: self._read_again(order, evidence))

    @as_agent_errors
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
            self.browsing.goto(order.url)
            self.browsing.check_page()
            self._read_order(order.number)
        else:
            # A status only the order list shows is read there again, with its row: the
            # order's page alone says nothing (once an exit 3 after signing in again).
            self.open_order(order.number)

    # -- cancellation request (flows.contact_desk) ----------------------------------------
    @as_agent_errors
    def request_cancellation(
        self, order: Order, **request: Unpack[CancellationRequest]
    ) -> CancellationReceipt:
        """Fill the Contact Us form for ``order``; submit it unless ``dry_run`` (see
        ``ContactDesk.request_cancellation``)."""
        return self._desk.request_cancellation(order, **request)

    @as_agent_errors
    def open_contact_form(self) -> ContactPage:
        """The Contact Us form, found as for a cancellation request; nothing is filled in."""
        return self._desk.open_contact()

    @as_agent_errors
    def prepare_cancellation(self) -> list[SupportRequest] | None:
        """The shop's open requests read, then its contact form opened, nothing filled in
        (in a tab of its own while another reads the order: ``agent.look_ahead``)."""
        return self._desk.prepare_cancellation()

    @as_agent_errors
    def support_requests(self) -> list[SupportRequest] | None:
        return self._desk.support_requests()

    @as_agent_errors
    def return_requests(self) -> list[SupportRequest] | None:
        """The shop's list of return requests ("Product Returns"), with their orders; None
        when the shop shows none."""
        return self._desk.return_requests()

    # -- returns (flows.return_desk) ---------------------------------------------------------
    @as_agent_errors
    def return_kind(self, order: Order) -> str | None:
        """What starting a return for ``order`` opens, looked at in a tab of its own (read
        only): "request" (a form per item, no label), "label", or None (no form reached)."""
        return self._returns.kind(order)

    @as_agent_errors
    def start_return(self, order: Order, **asked: Unpack[ReturnRequest]) -> ReturnReceipt:
        """Return ``order``'s returnable items (or only ``items``) by prepaid mail label,
        from its page (see ``ReturnDesk.start``)."""
        self._go_to_order(order)
        return self._returns.start(order, **asked)

    @as_agent_errors
    def download_label(self, dest: Path, *, expect: Sequence[str]) -> Path:
        """The prepaid label of the return just started (else of the last order read),
        downloaded to ``dest`` and checked to be a PDF naming one of ``expect``."""
        return self._returns.download_label(dest, self._order, expect=expect)
