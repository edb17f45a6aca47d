"""Cancellation requests through the Contact Us form, and the support-requests page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fixtures.regions import US
from fixtures.server import ShopServer
from ordercore.errors import SiteNotUnderstood
from ordercore.models import Order, OrderStatus
from tests.support.people import JANE

from .shopper import OpenSite

MESSAGE = "Please cancel this order; I no longer need it."


def _cancel(site, order: Order, **options):
    return site.request_cancellation(
        order, name="Jane Shopper", email=JANE, reason="No longer needed", message=MESSAGE,
        **options,
    )  # fmt: skip


@pytest.mark.parametrize(("region", "prefix"), [("us", "CS-"), ("uk", "REF-")])
def test_a_cancellation_request_reaches_the_shop_with_its_case_number(
    open_site: OpenSite, shop: ShopServer, region: str, prefix: str
):
    site = open_site(region)
    order = site.open_order("70001")
    receipt = _cancel(site, order)
    [case] = shop.inbox(region)
    assert receipt.reference == case["case"] and receipt.reference.startswith(prefix)
    assert case["order"] == "70001"
    assert case["topic"] in {"Cancel an Order", "Order Cancellation"}
    assert (case["email"], case["name"], case["message"]) == (JANE, "Jane Shopper", MESSAGE)
    assert case["phone"] == ""  # optional phone fields stay empty
    assert order.number in receipt.fields.values() and MESSAGE in receipt.fields.values()
    assert site.remembered["contact"] == receipt.url


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_dry_run_fills_the_form_keeps_a_screenshot_and_sends_nothing(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path, region: str
):
    site = open_site(region)
    order = site.open_order("70002")
    shot = tmp_path / "proof" / "form.png"
    receipt = _cancel(site, order, dry_run=True, screenshot=shot)
    assert receipt.reference is None
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shop.inbox(region) == []
    names = {"us": ("First Name", "Last Name"), "uk": ("Full Name",)}[region]
    assert all(name in receipt.fields for name in names)


@pytest.mark.parametrize("region", ["us", "uk"])
def test_support_requests_list_earlier_requests_with_their_orders(open_site: OpenSite, region: str):
    site = open_site(region)
    assert site.support_requests() == []
    receipt = _cancel(site, site.open_order("70001"))
    [request] = site.support_requests()
    assert request.reference == receipt.reference
    assert request.order is not None and request.order.endswith("70001")


def test_a_site_without_a_support_requests_page_says_so(open_site: OpenSite, shop: ShopServer):
    shop.add_region(replace(US, prefix="nocases", support_page=None))
    assert open_site("nocases").support_requests() is None


def test_a_refused_form_reports_the_sites_words(open_site: OpenSite, shop: ShopServer):
    site = open_site("us")
    not_hers = Order(number="70099", status=OrderStatus.PROCESSING, raw_status="Processing")
    with pytest.raises(SiteNotUnderstood, match="couldn't find order 70099"):
        _cancel(site, not_hers)
    assert shop.inbox("us") == []


def test_the_filled_form_picture_holds_the_whole_form_below_the_fold(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path
) -> None:
    site = open_site("us")
    site.page.set_viewport_size({"width": 800, "height": 300})  # the form reaches below it
    order = site.open_order("70001")
    shot = tmp_path / "form.png"

    site.request_cancellation(
        order, name="Jane Shopper", email="jane@example.com", reason="Changed my mind",
        message="Please cancel.", dry_run=True, screenshot=shot,
    )  # fmt: skip

    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG")
    height = int.from_bytes(png[20:24], "big")  # IHDR: width, then height
    assert height > 300  # more than the viewport: the form whole, its last field included
    assert shop.inbox("us") == []
