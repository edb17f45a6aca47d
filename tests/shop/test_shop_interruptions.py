"""The cookie-consent and promotion dialogs: they block the page until dismissed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from fixtures.regions import US
from fixtures.server import ShopServer

from .shop_helpers import COOKIE_DIALOG, PROMO_DIALOG, Visitor


def test_cookie_dialog_blocks_clicks_until_accepted_then_stays_away(visitor: Visitor) -> None:
    region = visitor.region
    visitor.home()
    dialog = visitor.page.get_by_role("dialog", name=COOKIE_DIALOG)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    target = visitor.page.get_by_role("link", name="Shipping Information")
    with pytest.raises(PlaywrightTimeoutError):
        target.click(timeout=1000)  # the overlay takes the click
    dialog.get_by_role("button", name=region.cookie_accept, exact=True).click()
    expect(dialog).to_have_count(0)
    target.click()
    expect(visitor.page.get_by_role("heading", name="Shipping Information")).to_be_visible()
    visitor.home()
    expect(visitor.main).to_be_visible()
    expect(dialog).to_have_count(0)  # remembered by a cookie


def test_promotion_appears_after_a_moment_and_closes(visitor: Visitor) -> None:
    region = visitor.region
    visitor.page.add_locator_handler(
        visitor.page.get_by_role("dialog", name=COOKIE_DIALOG),
        lambda dialog: dialog.get_by_role("button", name=region.cookie_accept).click(),
    )
    visitor.sign_in_directly()
    promo = visitor.page.get_by_role("dialog", name=PROMO_DIALOG)
    expect(promo).to_have_count(0)  # not on the account page
    visitor.open_order_list()
    expect(visitor.page.get_by_role("heading", name=region.order_list_heading)).to_be_visible()
    expect(promo).to_be_visible()
    promo.get_by_role("button", name=region.promo_close, exact=True).click()
    expect(promo).to_have_count(0)
    visitor.open_order("70001")
    expect(visitor.page.get_by_role("heading", level=1)).to_contain_text("70001")
    # Once closed, it stays closed: the page carries no promotion any more.
    expect(visitor.page.locator("#promo-template")).to_have_count(0)


def test_a_repeating_promotion_returns_on_every_page(shop: ShopServer, page) -> None:
    shop.add_region(
        replace(US, prefix="promo", cookie_dialog=False, promo_repeat=True, promo_close="Dismiss")
    )
    visitor = Visitor(page, shop, "promo")
    visitor.sign_in_directly()
    promo = page.get_by_role("dialog", name=PROMO_DIALOG)
    for number in ("70001", "70002"):
        visitor.goto_order(number)
        expect(promo).to_be_visible()
        promo.get_by_role("button", name="Dismiss").click()
        expect(promo).to_have_count(0)
