"""Opening orders: every seeded status in both regions, number spellings, remembered URLs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent.errors import OrderNotFound, SessionExpired, TransientError
from agent.models import OrderStatus
from fixtures.server import ShopServer
from flows.site import RetailerSite

from .shopper import OpenSite

ReadingSite = Callable[[str], RetailerSite]

# number -> (canonical, US word, UK word), as in docs/architecture.md
SEEDED = {
    "70001": (OrderStatus.PROCESSING, "Processing", "Pending"),
    "70002": (OrderStatus.PROCESSING, "Order Placed", "Order Received"),
    "70003": (OrderStatus.SHIPPED, "Shipped", "Dispatched"),
    "70004": (OrderStatus.DELIVERED, "Delivered", "Delivered"),
    "70005": (OrderStatus.CANCELLED, "Canceled", "Cancelled"),
    "70006": (OrderStatus.RETURN_STARTED, "Return Started", "Return Requested"),
    "70007": (OrderStatus.RETURNED, "Refunded", "Return Received"),
    "70008": (OrderStatus.DELIVERED, "Delivered", "Delivered"),
    "70009": (OrderStatus.DELIVERED, "Delivered", "Delivered"),
    "70010": (OrderStatus.SHIPPED, "Out for Delivery", "In Transit"),
    "70011": (OrderStatus.UNKNOWN, "On Hold", "On Hold"),
    "70012": (OrderStatus.DELIVERED, "Delivered", "Delivered"),
}


@pytest.mark.parametrize("number", SEEDED)
@pytest.mark.parametrize("region", ["us", "uk"])
def test_every_seeded_order_has_its_canonical_status_and_raw_word(
    reading_site: ReadingSite, region: str, number: str
):
    canonical, us_word, uk_word = SEEDED[number]
    order = reading_site(region).open_order(number)
    assert order.status is canonical
    assert order.raw_status == (us_word if region == "us" else uk_word)
    assert order.number == (f"MK-{number}" if region == "us" else number)


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_delivered_order_lists_its_items_and_offers_a_return(
    reading_site: ReadingSite, region: str
):
    order = reading_site(region).open_order("70004")
    assert len(order.items) == 3
    assert [item.final_sale for item in order.items].count(True) == 1
    assert all(item.returnable is not item.final_sale for item in order.items)
    assert order.return_available and not order.label_available
    assert order.tracking


@pytest.mark.parametrize(("region", "tracking"), [("us", "1Z4K7W070003"), ("uk", "KR700035512GB")])
def test_a_shipped_order_shows_its_tracking_number(
    reading_site: ReadingSite, region: str, tracking: str
):
    order = reading_site(region).open_order("70003")
    assert order.tracking == tracking
    assert not order.return_available


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_started_return_still_offers_its_label(reading_site: ReadingSite, region: str):
    order = reading_site(region).open_order("70006")
    assert order.label_available and not order.return_available


@pytest.mark.parametrize(
    ("region", "given"),
    [("us", "70002"), ("us", "#70002"), ("us", "MK-70002"), ("us", "#MK-70002"),
     ("us", " mk-70002 "), ("uk", "70002"), ("uk", "#70002")],
)  # fmt: skip
def test_order_numbers_match_with_or_without_hash_and_prefix(
    reading_site: ReadingSite, region: str, given: str
):
    site = reading_site(region)
    site.remembered.clear()  # click through the list each time
    assert site.open_order(given).number.endswith("70002")


@pytest.mark.parametrize("region", ["us", "uk"])
@pytest.mark.parametrize("number", ["70099", "99999", "7000"])
def test_an_order_not_in_the_list_names_the_orders_that_are(
    reading_site: ReadingSite, region: str, number: str
):
    site = reading_site(region)
    with pytest.raises(OrderNotFound) as raised:
        site.open_order(number)
    assert number in str(raised.value)
    assert "70001" in str(raised.value) and "70012" in str(raised.value)
    assert len(site.visible_order_numbers()) == 12


def test_the_customer_service_phone_is_read_from_the_page(reading_site: ReadingSite):
    site = reading_site("uk")
    site.open_order("70001")
    assert site.customer_service_phone() == "0800 555 0144"


def test_remembered_urls_are_used_and_a_stale_one_falls_back(open_site: OpenSite, shop: ShopServer):
    remembered = {"order:70003": shop.url + "/us/account/orders/MK-70999", "order_list": ""}
    site = open_site("us", remembered=remembered)
    order = site.open_order("#70003")
    assert order.status is OrderStatus.SHIPPED
    assert remembered["order:70003"] == order.url
    assert remembered["order_list"].endswith("/us/account/orders")
    # Next time the order page is reached directly, not through the list.
    site.page.goto(shop.region_url("us"))
    with site.page.expect_navigation(url=order.url):
        assert site.open_order("70003").raw_status == "Shipped"


def test_a_session_that_expires_mid_flow_is_reported(open_site: OpenSite, shop: ShopServer):
    site = open_site("uk")
    shop.fail(r"/my-account/orders", "expire_session", region="uk")
    with pytest.raises(SessionExpired):
        site.open_order("70001")


def test_a_server_error_is_transient_and_a_retry_goes_through(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    shop.fail(r"/account/orders", "5xx", region="us")
    with pytest.raises(TransientError, match="503"):
        site.open_order("70001")
    assert site.open_order("70001").status is OrderStatus.PROCESSING


def test_a_dropped_connection_is_transient(open_site: OpenSite, shop: ShopServer):
    site = open_site("uk")
    # Chromium itself retries a dropped GET once: drop more often than that.
    shop.fail(r"/my-account/orders", "drop", times=3, region="uk")
    with pytest.raises(TransientError):
        site.open_order("70001")
