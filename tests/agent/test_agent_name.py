"""The shopper's name comes from the account, else ORDER_AGENT_NAME; never from the e-mail."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures.regions import UK, US
from fixtures.server import ShopServer
from flows.account_names import name_in_greeting, name_in_heading
from flows.vocabulary import DEFAULT_VOCABULARY

from .conftest import OrderAgent

DETAILS_ONLY = replace(US, prefix="name-details", name_display="details")
HEADING_ONLY = replace(US, prefix="name-heading", name_display="heading")
NAMELESS = replace(UK, prefix="name-none", name_display="none")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi, Jane", "Jane"),
        ("Welcome back, Jane Shopper", "Jane Shopper"),
        ("Hello Jane", "Jane"),
        ("Good evening, Mary Ann Smith!", "Mary Ann Smith"),
        ("Welcome, Zoë O'Neil-Brown", "Zoë O'Neil-Brown"),
        ("Hello, sign in", None),
        ("Hello, Sign in", None),
        ("Welcome, Guest", None),
        ("Hi there", None),
        ("Welcome back", None),
        ("Welcome to Maison Kora", None),
        ("Hi, 12345", None),
        ("Hello, Jane. You have 3 orders", None),
    ],
)
def test_a_name_is_read_from_greetings_only(text: str, name: str | None) -> None:
    assert name_in_greeting(text, DEFAULT_VOCABULARY.greetings) == name


def _sent_name(shop: ShopServer, region: str) -> str:
    [request] = shop.inbox(region)
    return " ".join(str(request["name"]).split())


def test_the_accounts_greeting_names_the_request_not_the_e_mail(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    # jane@example.com, no ORDER_AGENT_NAME: the order page says only "Hi, Jane";
    # the account page says "Welcome back, Jane Shopper".
    sent = order_agent("cancel", "70001", "--json", region="us")

    assert sent.code == 0, sent.stderr
    [request] = shop.inbox("us")
    assert str(request["name"]).split() == ["Jane", "Shopper"]
    assert "Thank you, Jane Shopper" in str(request["message"])


@pytest.mark.ui_sign_in  # the name is read where signing in lands: the account page
def test_the_account_details_fields_name_the_request(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    shop.add_region(DETAILS_ONLY)

    sent = order_agent("cancel", "70001", "--json", region="name-details", name="Someone Else")

    assert sent.code == 0, sent.stderr
    assert _sent_name(shop, "name-details") == "Jane Shopper"  # the account's own, first


def test_with_no_name_anywhere_a_submit_stops_and_says_which_variable_to_set(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    shop.add_region(NAMELESS)

    stopped = order_agent("cancel", "70001", "--json", region="name-none")

    assert stopped.code == 2
    assert stopped.said[0] == (
        "ORDER_AGENT_NAME is not set and the shop shows no name for this account "
        "(set ORDER_AGENT_NAME to the name to sign the request with; nothing was sent)"
    )
    assert shop.inbox("name-none") == []

    looked = order_agent("status", "70001", "--json", region="name-none")
    assert (looked.code, looked.json["status"]) == (0, "processing")
    # A dry run takes the real run's path up to the click: it stops the same way.
    dry = order_agent("cancel", "70001", "--dry-run", "--json", region="name-none")
    assert dry.code == 2, dry.stderr
    assert dry.said[0] == stopped.said[0]
    assert shop.inbox("name-none") == []

    sent = order_agent("cancel", "70001", "--json", region="name-none", name="Jane Q. Shopper")
    assert sent.code == 0, sent.stderr
    assert _sent_name(shop, "name-none") == "Jane Q. Shopper"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Pat Ever", "Pat Ever"),
        ("Jane Q. Shopper", "Jane Q. Shopper"),
        ("My Account", None),
        ("Address Book", None),
        ("Contact Information", None),
        ("Default Billing Address", None),
        ("Order History", None),
        ("Jane", None),  # one word: a first name says too little from a heading
    ],
)
def test_a_name_is_read_from_a_heading_that_is_only_a_name(text: str, name: str | None) -> None:
    assert name_in_heading(text, DEFAULT_VOCABULARY) == name


def test_an_account_page_that_shows_the_name_as_a_heading_names_the_request(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    # No greeting, no name fields: "Jane Shopper" as a heading of the account page.
    shop.add_region(HEADING_ONLY)

    dry = order_agent("cancel", "70001", "--dry-run", "--json", region="name-heading")
    assert dry.code == 0, dry.stderr
    sent = order_agent("cancel", "70001", "--json", region="name-heading")

    assert sent.code == 0, sent.stderr
    assert _sent_name(shop, "name-heading") == "Jane Shopper"
    assert "Thank you, Jane Shopper" in str(shop.inbox("name-heading")[0]["message"])
