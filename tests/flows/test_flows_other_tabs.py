"""A flow in one tab of a browser whose other tabs work on other orders (a scheduled batch).

A page another tab opens mid-click is that tab's: it is never taken for the new tab this
flow's own click opened (a return submitted on another order's form), nor closed as a
spent label tab (the other order's check dies under it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from playwright.sync_api import Page, Route
from pypdf import PdfReader

from fixtures.regions import US
from fixtures.server import ShopServer
from flows import limits

from .shopper import OpenSite


def _another_tab_opens(page: Page, url: str, opened: list[Page]) -> Callable[[Route], None]:
    """A route handler: held at ``page``'s request, another tab of the same browser opens
    ``url`` (as a batch's next order does); then the request goes on."""

    def meanwhile(route: Route) -> None:
        if not opened:
            other = page.context.new_page()
            other.goto(url)
            opened.append(other)
        route.fallback()  # to the agent's own handlers of the request, if any

    return meanwhile


def test_a_tab_another_order_opens_during_the_return_click_is_not_this_return(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    site = open_site("us")
    order = site.open_order("70004")
    other_return = shop.page_url("us", "order_return", order=US.display_number("70012"))
    opened: list[Page] = []
    page.route("**/account/orders/*/return", _another_tab_opens(page, other_return, opened))
    receipt = site.start_return(order)
    assert opened, "the other tab was not opened during the return"
    [started] = shop.returns("us")
    assert started["order"] == "70004"
    assert receipt.reference == started["return_number"]
    assert receipt.items == ("Sloan Quilted Leather Shoulder Bag", "Logo Cashmere Scarf")
    assert opened[0].url == other_return  # left as the other order's check left it


def test_a_tab_another_order_opens_during_the_label_download_is_left_open(
    open_site: OpenSite, shop: ShopServer, page: Page, tmp_path: Path
):
    site = open_site("us")
    receipt = site.start_return(site.open_order("70004"))
    orders = shop.page_url("us", "orders")
    opened: list[Page] = []
    # The page's route: it comes before the context's (the label transfer's own).
    page.route("**/account/returns/*/label", _another_tab_opens(page, orders, opened))
    dest = site.download_label(tmp_path / "label.pdf", expect=[receipt.reference])
    assert opened, "the other tab was not opened during the download"
    assert receipt.reference in "".join(p.extract_text() for p in PdfReader(dest).pages)
    assert not opened[0].is_closed()
    assert opened[0].url == orders


def test_another_tabs_page_loaded_during_the_label_download_is_not_held_to_the_label_cap(
    open_site: OpenSite, shop: ShopServer, page: Page, tmp_path: Path
):
    """The label's size cap is for the label: another order's page over it is no refusal."""
    site = open_site("us")
    receipt = site.start_return(site.open_order("70004"))
    before = limits.current()
    limits.use(replace(before, label_max_bytes=200_000))  # the label is some 2 kB
    try:
        shop.fail(r"/account/orders$", "huge_page", size=300_000)
        orders = shop.page_url("us", "orders")
        opened: list[Page] = []
        page.route("**/account/returns/*/label", _another_tab_opens(page, orders, opened))
        dest = site.download_label(tmp_path / "label.pdf", expect=[receipt.reference])
    finally:
        limits.use(before)
    assert opened, "the other tab was not opened during the download"
    assert receipt.reference in "".join(p.extract_text() for p in PdfReader(dest).pages)
    assert opened[0].get_by_role("heading", name="Order History").is_visible()
