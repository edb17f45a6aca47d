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
from tests.support.storefronts import OPENCART

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


def test_a_return_that_is_a_request_asks_for_each_returnable_item_once(
    open_site: OpenSite, shop: ShopServer
):
    # OpenCart's returns: a "Return" icon per item, a form per item, no number, no label.
    shop.add_region(OPENCART)
    site = open_site("oc")
    order = site.open_order("70004")
    returnable = [i["name"] for i in shop.order_items("oc", "70004") if not i["final_sale"]]

    dry = site.start_return(order, dry_run=True)
    assert (dry.kind, dry.reference) == ("request", None)
    assert shop.returns("oc") == []

    receipt = site.start_return(site.open_order("70004"))

    assert receipt.kind == "request"
    assert receipt.items == tuple(returnable)
    assert receipt.not_sent == ()
    assert "sent to the relevant department" in (receipt.confirmation or "")
    requests = shop.returns("oc")
    assert [r["items"] for r in requests] == [[name] for name in returnable]
    assert all(r["method"] == "request" for r in requests)
    assert all(list(r["reasons"].values()) == ["Other, please supply details"] for r in requests)
    listed = site.return_requests()
    assert listed is not None
    numbers = {r["return_number"] for r in requests}
    assert {r.reference for r in listed if r.order == "70004"} == numbers


def test_a_return_request_for_one_named_item_opens_that_items_own_form(
    open_site: OpenSite, shop: ShopServer
):
    shop.add_region(OPENCART)
    site = open_site("oc")

    receipt = site.start_return(site.open_order("70004"), items=["Logo Cashmere Scarf"])

    assert receipt.items == ("Logo Cashmere Scarf",)
    [request] = shop.returns("oc")
    assert request["items"] == ["Logo Cashmere Scarf"]


def test_a_return_started_away_from_the_order_reads_a_list_only_status_in_the_list_again(
    open_site: OpenSite, shop: ShopServer
):
    # As after the site signed the agent out and in again: the page is no longer the order's,
    # and its page alone shows no status (only its row in the order list does).
    region = replace(US, prefix="list-away", order_list_layout="view_icon", status_layout="list")
    shop.add_region(region)
    site = open_site(region.prefix)
    order = site.open_order("70004")
    assert order.status is OrderStatus.DELIVERED
    site.page.goto(shop.region_url(region.prefix))

    receipt = site.start_return(order, dry_run=True)

    assert receipt.items
    assert site.page.url.startswith(shop.region_url(region.prefix))
    assert shop.returns(region.prefix) == []
