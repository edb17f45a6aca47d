"""Variant regions: any word or layout of the retailer contract, mounted next to US and UK."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from html import escape

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from fixtures.regions import UK, US, Region
from fixtures.seed import TOTP_SECRET
from fixtures.server import ShopServer
from fixtures.totp import current_code
from tests.support.storefronts import SHOP_SPARSE

from .shop_helpers import TOTP_EMAIL, Client, Visitor

SPARSE = SHOP_SPARSE


def test_a_variant_with_other_words_and_layouts_end_to_end(shop: ShopServer, page: Page) -> None:
    url = shop.add_region(SPARSE)
    assert url == f"{shop.url}/v1/"
    visitor = Visitor(page, shop, "v1").dismiss_interruptions()
    visitor.open_sign_in()
    visitor.submit_credentials(TOTP_EMAIL)
    page.get_by_label("One-time code").fill(current_code(TOTP_SECRET))
    page.get_by_role("button", name="Submit").click()
    visitor.expect_signed_in()
    visitor.open_order_list()
    expect(page.get_by_role("article").filter(has_text="Order No. 71001")).to_contain_text(
        "Status: Preparing"
    )
    visitor.open_order("71002")
    status = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Status"))
    expect(status.get_by_role("cell")).to_have_text("Delivered")
    expect(page.get_by_role("rowheader", name="Tracking #")).to_be_visible()
    visitor.open_return_form()
    page.get_by_label("Cotton Logo T-Shirt").check()
    expect(page.get_by_label("Quantity")).to_have_value("1")
    visitor.submit_return()
    number = visitor.return_number()
    with page.expect_popup() as popup:
        visitor.label_control().click()
    expect(popup.value).to_have_url(re.compile(rf"/v1/account/returns/{number}/label$"))
    label = PdfReader(io.BytesIO(page.request.get(popup.value.url).body())).pages[0].extract_text()
    assert f"Return number: {number}" in label and "71002" in label

    visitor.open_contact_form()
    visitor.fill_contact_form(order="71001", email=TOTP_EMAIL, name="Tom Otp", message="Cancel")
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Your ticket #: T-\d{6}"))
    visitor.goto("cases")
    expect(page.get_by_role("heading", name="My Requests")).to_be_visible()
    expect(visitor.main).to_contain_text("71001")
    assert shop.inbox("v1")[0]["topic"] == "Cancel My Order"
    assert shop.inbox("us") == []  # regions keep their own data


def _fetch(client: Client, region: Region, route: str, **params: str) -> str:
    return client.get(region.url(route, **params)).text


# field -> alternatives from the phrases docs/shops.md lists, and where a person would read them.
WORDS: list[tuple[str, tuple[str, ...], str, dict[str, str]]] = [
    ("sign_in_link", ("Sign In", "Log In", "Login", "Sign in / Register"), "home", {}),
    ("email_label", ("Email", "Email Address", "E-mail"), "sign_in", {}),
    ("sign_in_submit", ("Sign In", "Log In", "Login", "Continue"), "sign_in", {}),
    ("sign_out", ("Sign Out", "Log Out", "Logout"), "account", {}),
    ("order_list_link", ("Order History", "My Orders", "Orders", "Order Status"), "account", {}),
    (
        "order_link_format",
        ("Order #{number}", "Order No. {number}", "{number}", "View order {number}"),
        "orders",
        {},
    ),
    ("status_label", ("Order Status", "Status"), "order", {"order": "MK-70003"}),
    (
        "tracking_label",
        ("Tracking", "Tracking Number", "Tracking #"),
        "order",
        {"order": "MK-70003"},
    ),
    ("help_page_link", ("Customer Service", "Customer Care", "Help"), "home", {}),
    ("contact_link", ("Contact Us", "Contact"), "help", {}),
    (
        "topic_label",
        ("Topic", "Subject", "Reason", "Reason for Contact", "How can we help?"),
        "contact",
        {},
    ),
    (
        "cancel_option",
        ("Cancel an Order", "Cancel My Order", "Order Cancellation"),
        "contact",
        {},
    ),
    (
        "contact_order_label",
        ("Order Number", "Order No.", "Order #", "Order ID", "Order Reference"),
        "contact",
        {},
    ),
    ("contact_email_label", ("Email", "Email Address"), "contact", {}),
    ("name_label", ("Name", "Full Name"), "contact", {}),
    (
        "message_label",
        ("Message", "Comments", "Details", "Your Message", "How can we help?"),
        "contact",
        {},
    ),
    ("contact_submit", ("Submit", "Send", "Send Message"), "contact", {}),
    ("support_page", ("Support Requests", "My Cases", "My Requests", "Messages"), "account", {}),
    (
        "return_entry",
        ("Start a Return", "Return Items", "Return Item", "Request a Return", "Return"),
        "order",
        {"order": "MK-70012"},
    ),
    (
        "return_submit",
        (
            "Continue",
            "Submit",
            "Submit Return",
            "Submit Return Request",
            "Request Return",
            "Confirm",
        ),
        "order_return",
        {"order": "MK-70012"},
    ),
    (
        "mail_method",
        ("Mail", "Ship", "Prepaid label", "Return by mail"),
        "order_return",
        {"order": "MK-70012"},
    ),
    (
        "cookie_accept",
        ("Accept", "Accept All", "Accept All Cookies", "I Agree", "Agree", "Got it", "OK"),
        "home",
        {},
    ),
]
CASES = [
    pytest.param(field, word, route, params, id=f"{field}={word}")
    for field, words, route, params in WORDS
    for word in words
]


@pytest.mark.parametrize(("field", "word", "route", "params"), CASES)
def test_every_contract_word_can_be_shown(
    shop: ShopServer, field: str, word: str, route: str, params: dict[str, str]
) -> None:
    changes: dict[str, object] = {field: word}
    if field == "name_label":
        changes["name_layout"] = "single"
    if field == "help_page_link":
        changes["contact_placement"] = "help_page"
    if field == "message_label" and word == "How can we help?":
        changes["topic_label"] = "Topic"
    region = replace(US, prefix="words", **changes)
    shop.add_region(region)
    client = Client(shop.url)
    if route in ("account", "orders", "order", "order_return"):
        client.sign_in(region)
    shown = word.format(number=region.display_number("70001")) if "{" in word else word
    assert f">{escape(shown)}<" in _fetch(client, region, route, **params) or (
        f'value="{escape(shown)}"' in _fetch(client, region, route, **params)
    )


@pytest.mark.parametrize(
    "word", ["Close", "×", "No thanks", "No, thanks", "Dismiss", "Maybe later"]
)
def test_every_promotion_close_name_can_be_shown(shop: ShopServer, word: str) -> None:
    region = replace(US, prefix="promo", promo_close=word, promo_close_text="×")
    shop.add_region(region)
    client = Client(shop.url)
    client.sign_in(region)
    html = client.get(region.url("orders")).text
    # A glyph button is named by aria-label; "×" itself is its own name.
    assert f'aria-label="{escape(word)}"' in html or f">{escape(word)}</button>" in html


def test_variants_need_a_fresh_slug_and_vanish_on_reset(shop: ShopServer) -> None:
    with pytest.raises(ValueError):
        shop.add_region(replace(UK, prefix="__control"))
    with pytest.raises(ValueError):
        shop.add_region(replace(UK, prefix="Not A Slug"))
    shop.add_region(replace(UK, prefix="uk2"))
    assert Client(shop.url).get("/uk2/").status == 200
    shop.reset()
    assert Client(shop.url).get("/uk2/").status == 404
