"""Opening orders when things go wrong or change: remembered URLs, expiry, server trouble."""

from __future__ import annotations

import pytest

from fixtures.server import ShopServer
from flows.order_pages import OrderPage
from flows.site import RetailerSite, derived_order_url
from flows.vocabulary import DEFAULT_VOCABULARY
from ordercore.errors import OrderNotFound, SessionExpired, TransientError
from ordercore.models import OrderStatus
from ordercore.order_numbers import order_number_core

from .shopper import OpenSite


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


def test_a_page_that_never_comes_is_transient(open_site: OpenSite, shop: ShopServer):
    site = open_site("us")
    # The time-outs the runner sets from ORDER_AGENT_TIMEOUT_MS / _NAVIGATION_TIMEOUT_MS.
    site.page.context.set_default_timeout(2_000)
    site.page.context.set_default_navigation_timeout(2_000)
    shop.fail(r"/account/orders$", "slow", delay=8, region="us")
    with pytest.raises(TransientError, match="still loading"):
        site.open_order("70001")


def _page_loads(site: RetailerSite) -> list[str]:
    """The addresses of the pages ``site`` loads from now on."""
    loads: list[str] = []
    site.page.on(
        "request",
        lambda request: loads.append(request.url) if request.resource_type == "document" else None,
    )
    return loads


@pytest.mark.parametrize(
    ("region", "known", "wanted"), [("us", "70001", "70003"), ("st", "70003", "70010")]
)
def test_another_orders_remembered_page_leads_straight_to_this_one(
    open_site: OpenSite, shop: ShopServer, region: str, known: str, wanted: str
):
    site = open_site(region)
    first = site.open_order(known)
    site.remembered.pop("order_list")
    loads = _page_loads(site)
    order = site.open_order(wanted)
    # One page load, no order list: the shop's own link pattern with the number swapped.
    assert loads == [order.url]
    assert order_number_core(order.number).lstrip("0") == wanted
    assert order.url != first.url
    assert site.remembered[f"order:{wanted}"] == order.url


def test_a_derived_order_page_that_is_not_this_order_falls_back_to_the_list(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    site.open_order("70001")
    loads = _page_loads(site)
    # Olga's order: its page is refused, and Jane's list does not hold it.
    with pytest.raises(OrderNotFound):
        site.open_order("70099")
    assert loads[0] == shop.page_url("us", "order", order="MK-70099")
    assert any(url.endswith("/us/account/orders") for url in loads[1:])
    assert "order:70099" not in site.remembered


@pytest.mark.parametrize(
    ("remembered", "number", "derived"),
    [
        (
            {"order:70001": "https://shop.test/orders/MK-70001"},
            "#MK-70003",
            "https://shop.test/orders/MK-70003",
        ),
        (
            {"order:70001": "https://shop.test/o/000070001/view"},
            "70010",
            "https://shop.test/o/000070010/view",
        ),
        (
            {"order:70001": "https://shop.test/order?id=70001&tab=1"},
            "70002",
            "https://shop.test/order?id=70002&tab=1",
        ),
        # The number twice in the address: which one is the order's is a guess, so none.
        ({"order:70001": "https://shop.test/70001/orders/70001"}, "70002", None),
        # Only this order's own page, or only other pages, remembered: nothing to swap.
        (
            {"order:70002": "https://shop.test/orders/70002", "contact": "https://shop.test/c"},
            "70002",
            None,
        ),
        ({"order:70001": "https://shop.test/orders/170001"}, "70002", None),
    ],
)
def test_an_order_address_is_derived_only_from_a_number_found_once(
    remembered: dict[str, str], number: str, derived: str | None
):
    assert derived_order_url(remembered, number) == derived


def test_an_order_page_read_while_it_still_arrives_is_read_whole(
    open_site: OpenSite, shop: ShopServer
):
    """``OrderPage.read`` on a page whose status is in and whose return link is not yet.

    Reached by address and read at once (no click that waits for the page): what it does
    not show is judged once the document is whole.
    """
    site = open_site("us")
    url = shop.url + "/us/account/orders/MK-70004"
    rest = shop.fail(r"/MK-70004$", "trickle", delay=2, region="us", pause_before="Start a Return")
    site.page.goto(url, wait_until="commit")
    order = OrderPage(site.page, DEFAULT_VOCABULARY).read("70004")
    assert rest.arrived.is_set()
    assert order.status is OrderStatus.DELIVERED
    assert order.return_available
