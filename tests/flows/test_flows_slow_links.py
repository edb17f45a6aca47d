"""Links a page's script follows a moment after the click (the fixture's ``link_delay_ms``).

Until the next page comes, the page clicked on is still there and still readable. An
order list shows each order's heading and "Status: ..." much as the order's own page
does, so an order read too early is read from the list: every order's status at once,
or another order's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page

from fixtures.regions import ST, ST_STATUS_WORDS, UK, Region
from fixtures.server import ShopServer
from flows.locating import look_ms
from flows.site import RetailerSite
from ordercore.errors import TransientError
from ordercore.models import OrderStatus
from tests.support.people import JANE, PASSWORD

LINK_DELAY_MS = 1_500


def _routed(shop: ShopServer, base: Region, prefix: str, **changes: object) -> str:
    return shop.add_region(
        replace(base, prefix=prefix, link_delay_ms=LINK_DELAY_MS, **changes)  # type: ignore[arg-type]
    )


def _cancellation_is_requested(site: RetailerSite, shop: ShopServer, prefix: str) -> None:
    receipt = site.request_cancellation(
        site.open_order("70001"),
        name="Jane Shopper",
        email=JANE,
        reason="No longer needed",
        message="Please cancel this order; I no longer need it.",
    )
    [case] = shop.inbox(prefix)
    assert (receipt.reference, case["order"]) == (case["case"], "70001")


@pytest.mark.parametrize(
    ("number", "raw", "status"),
    [("70001", "Pending", OrderStatus.PROCESSING), ("70012", "Delivered", OrderStatus.DELIVERED)],
)
def test_an_order_opened_from_a_slow_list_is_read_on_its_own_page(
    page: Page, shop: ShopServer, number: str, raw: str, status: OrderStatus
):
    url = _routed(shop, UK, f"slowuk{number}")
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    order = site.open_order(number)
    assert (order.raw_status, order.status) == (raw, status)
    # Opened again from the address it was read at: the order's page, not the list.
    again = RetailerSite(page, url, remembered=site.remembered).open_order(number)
    assert (again.raw_status, again.status) == (raw, status)


def test_a_badge_no_profile_knows_is_not_swapped_for_another_orders_word(
    page: Page, shop: ShopServer
):
    # The third storefront's badges, with "processing" worded its own way; "Pending" is
    # its word for another order's state, shown in the list.
    words = {**ST_STATUS_WORDS, "processing": "In the works"}
    url = _routed(shop, ST, "slowst", status_words=words)
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    order = site.open_order("70001")
    assert (order.raw_status, order.status) == ("In the works", OrderStatus.UNKNOWN)


@pytest.mark.parametrize("base", [UK, ST], ids=["uk", "st"])
def test_a_script_routed_shop_takes_a_cancellation_and_a_return_with_its_label(
    page: Page, shop: ShopServer, tmp_path: Path, base: Region
):
    prefix = f"routed{base.prefix}"
    url = _routed(shop, base, prefix)
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    _cancellation_is_requested(site, shop, prefix)
    started = site.start_return(site.open_order("70012"))
    dest = site.download_label(tmp_path / "label.pdf", expect=[started.reference])
    assert [r["return_number"] for r in shop.returns(prefix)] == [started.reference]
    assert dest.read_bytes().startswith(b"%PDF")


def test_links_that_go_later_than_a_look_lasts_are_waited_on(page: Page, shop: ShopServer):
    """Every link goes a second after a whole look: on a busy machine, as in soak runs, a
    click can take that long to lead anywhere. The page clicked on is not read in the
    meantime: not the home page as one without a sign-in form, not the order list as the
    order's page (it once was: "Delivered / Order Received / Pending / ..." for one order).
    """
    prefix = "laterouted"
    url = shop.add_region(replace(UK, prefix=prefix, link_delay_ms=look_ms() + 1_000))
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    order = site.open_order("70012")
    assert (order.raw_status, order.status) == ("Delivered", OrderStatus.DELIVERED)
    assert order.url == shop.url + shop.shop.regions[prefix].url("order", order="70012")
    assert order.return_available
    # The contact form, too, is reached through a link that goes that late.
    _cancellation_is_requested(site, shop, prefix)


def test_a_link_to_the_page_already_shown_is_not_clicked(page: Page, shop: ShopServer):
    """Already on the order list (a run tried again after the list failed), its own
    "Orders" link is the way to the list. Clicked, a script-routed shop reloads the list a
    moment later, taking away the page the order's link was just clicked on: that click
    never went anywhere, three times over (soak seed 1025, exit 75)."""
    url = _routed(shop, UK, "selfrouted")
    remembered: dict[str, str] = {}
    site = RetailerSite(page, url, remembered=remembered)
    site.sign_in(JANE, PASSWORD)
    assert "70001" in " ".join(site.visible_order_numbers())  # the order list is shown
    remembered.clear()  # as in a run whose list failed before it was remembered
    order = site.open_order("70001")
    assert (order.raw_status, order.status) == ("Pending", OrderStatus.PROCESSING)


def test_a_failed_page_is_left_by_its_own_link(page: Page, shop: ShopServer):
    """The order list answered a 503 once: the list's own link on that error page is the
    way back, and is clicked (a shop that loads its links at once)."""
    url = shop.add_region(replace(UK, prefix="selffailed"))
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    shop.fail(r"/selffailed/my-account/orders$", "5xx", times=1, method="GET")
    with pytest.raises(TransientError):
        site.open_order("70001")
    assert "70001" in " ".join(site.visible_order_numbers())
