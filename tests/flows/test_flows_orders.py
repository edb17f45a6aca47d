"""Opening orders: every seeded status in both regions, items, tracking, number spellings.

Read-only: these tests share one signed-in site per region (``reading_site``); tests
that change the shop (faults, resets) are in ``test_flows_order_troubles``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flows.site import RetailerSite
from ordercore.errors import OrderNotFound
from ordercore.models import OrderStatus

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
