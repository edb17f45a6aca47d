"""The paraphrase variant: every contract phrase inside a longer name, picked by a seed.

The seed is one per test run (``--paraphrase-seed`` or ``ORDER_AGENT_PARAPHRASE_SEED``, else
from the time); the report header and every failing test's report say which it was.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

import pytest
from playwright.sync_api import Page, expect

from fixtures.paraphrase import WRAPPINGS, Paraphrase, paraphrase
from fixtures.regions import UK, US
from fixtures.server import ShopServer

from .shop_helpers import TOTP_EMAIL, Client, Visitor

# Region field -> the phrases docs/shops.md lists for it.
CONTRACT: dict[str, tuple[str, ...]] = {
    "sign_in_link": ("Sign In", "Log In", "Login", "Sign in / Register"),
    "email_label": ("Email", "Email Address", "E-mail"),
    "password_label": ("Password",),
    "sign_in_submit": ("Sign In", "Log In", "Login", "Continue"),
    "code_label": ("Verification Code", "Security Code", "One-time code", "Authentication code"),
    "code_submit": ("Verify", "Continue", "Submit"),
    "sign_out": ("Sign Out", "Log Out", "Logout"),
    "order_list_link": ("Order History", "My Orders", "Orders", "Order Status"),
    "order_link_format": ("{number}",),
    "status_label": ("Order Status", "Status"),
    "tracking_label": ("Tracking", "Tracking Number", "Tracking #"),
    "contact_link": ("Contact Us", "Contact"),
    "help_page_link": ("Customer Service", "Customer Care", "Help"),
    "topic_label": ("Topic", "Subject", "Reason", "Reason for Contact", "How can we help?"),
    "cancel_option": ("cancel",),  # "an option containing cancel"
    "contact_order_label": ("Order Number", "Order No.", "Order #", "Order ID", "Order Reference"),
    "contact_email_label": ("Email", "Email Address"),
    "name_label": ("Name", "Full Name"),
    "first_name_label": ("First Name",),
    "last_name_label": ("Last Name",),
    "message_label": ("Message", "Comments", "Details", "Your Message", "How can we help?"),
    "contact_submit": ("Submit", "Send", "Send Message"),
    "support_page": ("Support Requests", "My Cases", "My Requests", "Messages"),
    "return_entry": ("Start a Return", "Return Items", "Return Item", "Request a Return", "Return"),
    "return_submit": (
        "Continue",
        "Submit",
        "Submit Return",
        "Submit Return Request",
        "Request Return",
        "Confirm",
    ),
    "review_confirm": ("Confirm", "Confirm Return"),
    "mail_method": ("Mail", "Ship", "Prepaid label", "Return by mail"),
    "label_link": ("Print Return Label", "Download Return Label", "Print Label", "Download Label"),
}


def words(text: str) -> str:
    """Lower case, punctuation to spaces (keeping "#" and "{}"), one space between words."""
    return " ".join(re.sub(r"[^\w#{}]+", " ", text.casefold()).split())


def holds_phrase(name: str, phrase: str) -> bool:
    if phrase in ("cancel", "{number}"):  # an option containing "cancel"; the order's number
        return phrase in name.casefold()
    return f" {words(phrase)} " in f" {words(name)} "


@pytest.mark.parametrize("field", sorted(WRAPPINGS))
def test_every_wrapping_holds_a_contract_phrase_as_whole_words(field: str) -> None:
    for name in WRAPPINGS[field]:
        assert any(holds_phrase(name, phrase) for phrase in CONTRACT[field]), name
        assert name.casefold() not in {p.casefold() for p in CONTRACT[field]}, "not a wrapping"


def test_the_same_seed_builds_the_same_shop_and_seeds_reach_every_wrapping() -> None:
    assert paraphrase(US, 1234) == paraphrase(US, 1234)
    chosen: dict[str, set[str]] = {field: set() for field in WRAPPINGS}
    for seed in range(200):
        for field, name in paraphrase(US, seed).names.items():
            chosen[field].add(name)
    assert chosen == {field: set(options) for field, options in WRAPPINGS.items()}


def test_a_base_without_a_support_page_keeps_none() -> None:
    variant = paraphrase(replace(UK, support_page=None), 7, prefix="para-uk")
    assert variant.region.support_page is None and "support_page" not in variant.names
    assert variant.region.prefix == "para-uk" and variant.region.paths == UK.paths


# Field -> (route, params, signed in as) where the base US store shows that name.
WHERE: dict[str, tuple[str, dict[str, str], str | None]] = {
    "sign_in_link": ("home", {}, None),
    "email_label": ("sign_in", {}, None),
    "password_label": ("sign_in", {}, None),
    "sign_in_submit": ("sign_in", {}, None),
    "code_label": ("two_step", {}, "totp"),
    "code_submit": ("two_step", {}, "totp"),
    "sign_out": ("account", {}, "jane"),
    "order_list_link": ("account", {}, "jane"),
    "order_link_format": ("orders", {}, "jane"),
    "status_label": ("order", {"order": "MK-70003"}, "jane"),
    "tracking_label": ("order", {"order": "MK-70003"}, "jane"),
    "contact_link": ("home", {}, None),
    "topic_label": ("contact", {}, None),
    "cancel_option": ("contact", {}, None),
    "contact_order_label": ("contact", {}, None),
    "contact_email_label": ("contact", {}, None),
    "first_name_label": ("contact", {}, None),
    "last_name_label": ("contact", {}, None),
    "message_label": ("contact", {}, None),
    "contact_submit": ("contact", {}, None),
    "support_page": ("account", {}, "jane"),
    "return_entry": ("order", {"order": "MK-70012"}, "jane"),
    "return_submit": ("order_return", {"order": "MK-70012"}, "jane"),
    "mail_method": ("order_return", {"order": "MK-70012"}, "jane"),
    "label_link": ("order", {"order": "MK-70006"}, "jane"),
}


def test_the_paraphrased_shop_shows_every_wrapped_name(
    shop: ShopServer, paraphrased: Paraphrase
) -> None:
    region = paraphrased.region
    pages: dict[tuple[str, str, str | None], str] = {}
    for field, (route, params, who) in WHERE.items():
        key = (route, repr(params), who)
        if key not in pages:
            client = Client(shop.url)
            if who == "jane":
                client.sign_in(region)
            elif who == "totp":
                client.sign_in(region, TOTP_EMAIL)
            pages[key] = client.get(region.url(route, **params)).text
        name = paraphrased.names[field]
        if field == "order_link_format":
            name = region.order_link_name("70001")
        assert f">{escape(name)}<" in pages[key] or f'value="{escape(name)}"' in pages[key], (
            f"{field}: {name!r} not on {route}"
        )
    # The shown words really changed: no bare contract name is left for the link to sign in.
    assert f">{US.sign_in_link}<" not in pages[("home", "{}", None)]


def test_a_person_finds_their_way_through_the_paraphrased_shop(
    page: Page, shop: ShopServer, paraphrased: Paraphrase
) -> None:
    region = paraphrased.region
    visitor = Visitor(page, shop, region.prefix).dismiss_interruptions()
    visitor.sign_in()
    visitor.open_order_list()
    expect(page.get_by_role("heading", name=region.order_list_heading, level=1)).to_be_visible()
    visitor.open_order("70001")
    status = page.get_by_role("definition").filter(has_text="Processing")
    expect(page.get_by_role("term").filter(has_text=region.status_label)).to_be_visible()
    expect(status).to_be_visible()

    visitor.goto_order("70012")
    visitor.open_return_form()
    visitor.choose_return_item("Charm Logo Keychain")
    visitor.submit_return()
    number = visitor.return_number()
    expect(visitor.label_control()).to_be_visible()
    assert shop.returns(region.prefix)[0]["return_number"] == number

    visitor.open_contact_form()
    visitor.fill_contact_form(order="70001", message="Please cancel this order.")
    expect(page.get_by_role("status")).to_contain_text("Your case number is CS-")
    [case] = shop.inbox(region.prefix)
    assert case["topic"] == region.cancel_option
    visitor.goto("cases")
    expect(page.get_by_role("heading", name=region.support_page or "", level=1)).to_be_visible()
