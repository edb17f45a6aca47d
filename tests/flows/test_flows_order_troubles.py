"""Opening orders when things go wrong or change: remembered URLs, expiry, server trouble."""

from __future__ import annotations

import pytest

from fixtures.server import ShopServer
from ordercore.errors import SessionExpired, TransientError
from ordercore.models import OrderStatus

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
