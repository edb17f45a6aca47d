"""Order lists laid out as real platforms lay them out: the order is the row or card that holds
its number, whatever its control is named; its status is the row's Status cell or the card's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures.regions import UK, US
from fixtures.server import ShopServer
from ordercore.errors import OrderNotFound, SiteNotUnderstood
from ordercore.models import OrderStatus, StatusPlace
from tests.support.people import JANE

from .shopper import OpenSite

LISTS = ("view_icon", "details_link", "details_button", "clickable_cards")


@pytest.mark.parametrize("layout", LISTS)
def test_an_order_is_opened_from_its_row_whatever_its_control_is_named(
    open_site: OpenSite, shop: ShopServer, layout: str
):
    # The status only in the list: the row's own status is what the order page lacks.
    region = replace(US, prefix=f"list-{layout}", order_list_layout=layout, status_layout="list")
    shop.add_region(region)
    site = open_site(region.prefix)

    order = site.open_order("70010")

    assert (order.status, order.raw_status) == (OrderStatus.SHIPPED, "Out for Delivery")
    assert order.number == "MK-70010"
    assert order.url == shop.page_url(region.prefix, "order", order="MK-70010")
    evidence = order.status_evidence
    assert evidence is not None
    assert [c.place for c in evidence.taken] == [StatusPlace.LIST_ROW]
    if layout == "clickable_cards":
        # An unlabelled badge is a status only when it says one: "On Hold" alone is not
        # known as a status at all, and the agent stops.
        with pytest.raises(SiteNotUnderstood, match="could not read the status"):
            site.open_order("70011")
        return
    held = site.open_order("70011")
    assert (held.status, held.raw_status) == (OrderStatus.UNKNOWN, "On Hold")


@pytest.mark.parametrize("layout", LISTS)
def test_an_order_the_list_does_not_show_names_the_orders_it_does(
    open_site: OpenSite, shop: ShopServer, layout: str
):
    region = replace(UK, prefix=f"missing-{layout}", order_list_layout=layout)
    shop.add_region(region)
    site = open_site(region.prefix)

    with pytest.raises(OrderNotFound) as raised:
        site.open_order("79999")

    for number in ("70001", "70004", "70012"):
        assert number in raised.value.message


def test_a_row_of_another_order_that_holds_this_number_is_not_this_orders(
    open_site: OpenSite, shop: ShopServer
):
    # 70001 and 700011: the look-alike's row is never taken for this order's.
    region = replace(US, prefix="look-alike", order_list_layout="view_icon", status_layout="list")
    shop.add_region(region)
    shop.add_order("look-alike", JANE, "700011", "Canceled")
    site = open_site("look-alike")

    order = site.open_order("70001")

    assert (order.status, order.number) == (OrderStatus.PROCESSING, "MK-70001")
