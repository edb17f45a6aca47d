"""The order's status is read from its place, never from status words around it.

Every trap of ``fixtures.status_traps.COVERING`` (legends, trackers, histories, other
orders, promises, look-alike numbers, filters, a late status) in a real browser: the
status read is the order's own, or unknown where the page does not say which. The
status read again before a submit (``RetailerSite.confirm_status``) stops a submit
whose status changed.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Page, Route

from fixtures.regions import US
from fixtures.server import ShopServer
from fixtures.status_traps import COVERING, Trap
from flows.status_reading import read_order_status
from flows.vocabulary import DEFAULT_VOCABULARY
from ordercore.errors import SessionExpired, StatusChanged, StatusUnconfirmed
from ordercore.models import OrderStatus, StatusPlace
from tests.support.people import JANE, JANE_NAME

from .shopper import OpenSite

# The place each layout's status is taken from.
TAKEN_FROM = {
    "dl": StatusPlace.LABELLED,
    "table": StatusPlace.LABELLED,
    "text": StatusPlace.LABELLED,
    "badges": StatusPlace.HEADING_BADGE,
    "heading": StatusPlace.HEADING_BADGE,
    "tracker_aria": StatusPlace.TRACKER_STEP,
    "tracker_state": StatusPlace.TRACKER_STEP,
    "tracker_done": StatusPlace.TRACKER_LAST_DONE,
    "history_asc": StatusPlace.HISTORY_LATEST,
    "history_desc": StatusPlace.HISTORY_LATEST,
    "list": StatusPlace.LIST_ROW,
}


@pytest.mark.parametrize("trap", COVERING, ids=[t.name for t in COVERING])
def test_the_status_is_the_orders_own_whatever_stands_around_it(
    open_site: OpenSite, shop: ShopServer, trap: Trap
):
    region = trap.region()
    shop.add_region(region)
    site = open_site(region.prefix)

    order = site.open_order(trap.order)

    evidence = order.status_evidence
    assert evidence is not None
    assert order.status.value == trap.expected, (order.raw_status, evidence.candidates)
    if trap.expected == "unknown":
        assert not evidence.taken
        assert {c.place for c in evidence.set_aside} >= {StatusPlace.UNMARKED_TRACKER}
        return
    word = shop.order_status(region.prefix, trap.order)["word"]
    assert order.raw_status == word
    assert {c.place for c in evidence.taken} == {TAKEN_FROM[trap.place]}
    # The decoys' status words are seen and set aside, none taken.
    if trap.decoys and not set(trap.decoys) <= {"legend_accordion"}:
        assert evidence.set_aside, "the decoys' status words are listed as set aside"


# A status label inside a longer name, as the paraphrase variant and real shops word it.
WRAPPED_LABELS = [
    "<dl><dt>Order status (updated hourly)</dt><dd>Processing</dd></dl>",
    "<dl><dt>Status of your order</dt><dd>Processing</dd></dl>",
    "<p>Order status (updated hourly): <strong>Processing</strong></p>",
    "<p>Status of your order: <strong>Processing</strong></p>",
]


@pytest.mark.parametrize("facts", WRAPPED_LABELS)
def test_a_status_label_with_a_note_or_of_your_order_is_still_the_label(
    markup_page: Page, facts: str
):
    markup_page.set_content(f"<main><h1>Order #70001</h1>{facts}</main>")
    read = read_order_status(markup_page, "70001", DEFAULT_VOCABULARY, wait_ms=0)
    assert read is not None
    assert (read.raw, read.status) == ("Processing", OrderStatus.PROCESSING)
    assert {c.place for c in read.evidence.taken} == {StatusPlace.LABELLED}


@pytest.mark.parametrize(
    "facts",
    [
        "<dl><dt>Order status (Shipped)</dt><dd>Processing</dd></dl>",  # a value, not a note
        "<dl><dt>Status (2 of 3)</dt><dd>Processing</dd></dl>",  # a note that counts
        "<dl><dt>Status of order #70002</dt><dd>Processing</dd></dl>",  # another order's
    ],
)
def test_a_label_whose_note_says_something_of_its_own_is_not_a_status_label(
    markup_page: Page, facts: str
):
    markup_page.set_content(f"<main><h1>Order #70001</h1>{facts}</main>")
    read = read_order_status(markup_page, "70001", DEFAULT_VOCABULARY, wait_ms=0)
    taken = {c.place for c in read.evidence.taken} if read is not None else set()
    assert StatusPlace.LABELLED not in taken, read


def test_a_tracker_with_two_current_steps_says_nothing(open_site: OpenSite, shop: ShopServer):
    region = replace(
        US,
        prefix="two-current",
        status_layout="tracker",
        promo_dialog=False,
        list_shows_status=False,
    )
    shop.add_region(region)
    site = open_site("two-current")

    def two_current(route: Route) -> None:
        response = route.fetch()
        body = response.text().replace(
            '<li class="step">', '<li class="step" aria-current="step">', 1
        )
        route.fulfill(response=response, body=body)

    site.page.route("**/two-current/account/orders/MK-*", two_current)
    order = site.open_order("70003")
    assert order.status is OrderStatus.UNKNOWN
    assert order.status_evidence is not None
    assert {c.place for c in order.status_evidence.set_aside} == {StatusPlace.UNMARKED_TRACKER}


def test_a_status_that_changed_before_the_submit_stops_it_and_nothing_is_sent(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    order = site.open_order("70001")
    shop.set_status("us", "70001", "Shipped")  # it ships while the form is being filled

    with pytest.raises(StatusChanged, match="nothing was sent") as raised:
        site.request_cancellation(
            order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
        )

    assert "'Processing'" in raised.value.message and "'Shipped'" in raised.value.message
    assert shop.inbox("us") == []


ORDER_PAGE_70001 = r"/us/account/orders/MK-70001$"


def test_a_server_error_in_the_frame_is_read_again_in_a_tab_not_taken_for_a_status_gone(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    order = site.open_order("70001")
    shop.fail(ORDER_PAGE_70001, "5xx", method="GET")  # the frame's load of the order page

    receipt = site.request_cancellation(
        order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
    )

    [case] = shop.inbox("us")  # the tab read the status in its place: sent once
    assert receipt.reference == case["case"]
    assert len(site.page.context.pages) == 1


def test_a_read_again_that_keeps_failing_sends_nothing_and_says_so(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    order = site.open_order("70001")
    shop.fail(ORDER_PAGE_70001, "5xx", times=2, method="GET")  # the frame's and the tab's

    with pytest.raises(StatusUnconfirmed, match=r"could not be read again.*nothing was sent"):
        site.request_cancellation(
            order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
        )
    assert shop.inbox("us") == []


def test_signed_out_before_the_read_again_is_a_session_gone_not_a_status_changed(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    order = site.open_order("70001")
    shop.fail(ORDER_PAGE_70001, "expire_session", method="GET")

    with pytest.raises(StatusUnconfirmed) as raised:
        site.request_cancellation(
            order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
        )
    assert isinstance(raised.value.__cause__, SessionExpired)  # the agent signs in again
    assert shop.inbox("us") == []


def test_a_status_unchanged_before_the_submit_lets_it_go(open_site: OpenSite, shop: ShopServer):
    site = open_site("us")
    order = site.open_order("70001")
    receipt = site.request_cancellation(
        order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
    )
    [case] = shop.inbox("us")
    assert receipt.reference == case["case"]


def test_a_return_whose_order_changed_before_the_submit_is_not_sent(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    order = site.open_order("70012")

    def form_then_started_elsewhere(route: Route) -> None:
        response = route.fetch()  # the return form, as served while still delivered
        shop.set_status("us", "70012", "Return Started")  # then started on the shop
        route.fulfill(response=response)

    site.page.route("**/account/orders/MK-70012/return", form_then_started_elsewhere)
    with pytest.raises(StatusChanged):
        site.start_return(order)

    assert shop.returns("us") == []


def test_a_shop_that_refuses_to_be_framed_is_read_again_in_a_tab_of_its_own(
    open_site: OpenSite, shop: ShopServer
):
    shop.add_region(replace(US, prefix="no-frames", frame_options="DENY", promo_dialog=False))
    site = open_site("no-frames")
    order = site.open_order("70001")
    shop.set_status("no-frames", "70001", "Shipped")

    with pytest.raises(StatusChanged, match="nothing was sent"):
        site.request_cancellation(
            order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
        )
    assert shop.inbox("no-frames") == []
    assert len(site.page.context.pages) == 1  # the tab it took is closed again


def test_reading_again_adds_no_tab(open_site: OpenSite, shop: ShopServer):
    site = open_site("us")
    order = site.open_order("70001")
    opened: list[object] = []
    site.page.context.on("page", lambda page: opened.append(page))

    site.request_cancellation(
        order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
    )

    assert opened == []  # read again in a frame of the page in use
    assert len(shop.inbox("us")) == 1
