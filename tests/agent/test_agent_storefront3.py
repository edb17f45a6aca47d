"""The whole agent on the third storefront (``/st/``, Magento 2 markup), as issue #10 wants it.

What this shop asks of the agent, beyond the contract's bare words: the sign-in entry is an
icon-only link named "Sign in" by its aria-label, which becomes "Account" once signed in, and
"Sign Out" exists only in the account pages' navigation; the login page holds a register form
beside the sign-in form with the same "Email"/"Password" labels; "My Orders & Returns" leads
to a table whose order links are eye icons named "View order 70001"; an order's status is one
or two unlabelled badges next to "Order # 000070001" (shipment "Shipped" + order "Processing");
the Contact Us fields are named only by placeholder or aria-label; the return entry is "Return".
Two of its status words are outside the contract: "Being processed" and (beside "Delivered")
"Complete", which the shop's profile (``ST_PROFILE``) teaches.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from fixtures.regions import ST, ST_STATUS_WORDS
from fixtures.server import ShopServer
from tests.support.people import JANE, JANE_NAME

from .conftest import OrderAgent

# The site profile the third storefront needs (schema: docs/shops.md of the profiles work).
ST_PROFILE = """\
name = "Maison Kora (third storefront, Magento 2)"

[status]
"Being processed" = "processing"
"Complete" = "delivered"
"""


@pytest.fixture
def st_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "maison-kora-st.toml"
    path.write_text(ST_PROFILE, encoding="utf-8")
    monkeypatch.setenv("ORDER_AGENT_PROFILE", str(path))
    return path


def pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace(" ", "")


@pytest.mark.ui_sign_in  # its one sign-in goes through the form beside the register form
def test_a_processing_order_gets_its_cancellation_request(
    order_agent: OrderAgent, shop: ShopServer, st_profile: Path
) -> None:
    run = order_agent("cancel", "70001", "--json", region="st", name=JANE_NAME)

    assert run.code == 0, run.stderr
    result = run.json
    assert result["order"] == "000070001"
    assert (result["status"], result["raw_status"]) == ("processing", "Being processed")
    assert (result["action"], result["outcome"]) == ("cancellation_requested", "done")
    [request] = shop.inbox("st")
    assert result["reference"] == request["case"]
    assert (request["order"], request["topic"]) == ("70001", "Cancel My Order")
    assert (request["email"], request["name"]) == (JANE, JANE_NAME)
    assert "70001" in str(request["message"]) and JANE_NAME in str(request["message"])
    # One sign-in, through the sign-in form (the register form beside it never signs in).
    assert [(a["email"], a["ok"]) for a in shop.sign_in_attempts("st")] == [(JANE, True)]


def test_the_shoppers_name_is_read_from_the_accounts_greeting(
    order_agent: OrderAgent, shop: ShopServer, st_profile: Path
) -> None:
    run = order_agent("cancel", "70002", "--json", region="st")  # no ORDER_AGENT_NAME

    assert run.code == 0, run.stderr
    [request] = shop.inbox("st")
    assert request["name"] == JANE_NAME  # "Welcome, Jane Shopper!", not "Jane Jane"


def test_a_delivered_order_is_returned_with_its_label(
    order_agent: OrderAgent, shop: ShopServer, st_profile: Path
) -> None:
    run = order_agent("cancel", "70012", "--json", region="st")

    assert run.code == 0, run.stderr
    result = run.json
    assert (result["status"], result["action"]) == ("delivered", "return_started")
    assert "Delivered" in str(result["raw_status"])
    [started] = shop.returns("st")
    assert result["reference"] == started["return_number"]
    assert started["items"] == ["Charm Logo Keychain"]
    assert started["reasons"] == {"Charm Logo Keychain": "Other"}
    assert str(started["return_number"]) in pdf_text(Path(result["label"]))


@pytest.mark.parametrize(
    ("typed", "canonical", "badges"),
    [
        ("70002", "processing", ["Pending"]),
        ("#000070003", "shipped", ["Shipped", "Processing"]),
        ("70010", "shipped", ["Out for Delivery", "Processing"]),
        ("70004", "delivered", ["Delivered", "Complete"]),
        ("70005", "cancelled", ["Canceled"]),
        ("70006", "return_started", ["Return Requested"]),
        ("70007", "returned", ["Refunded"]),
    ],
)
def test_the_status_is_read_from_the_badges_by_the_order_heading(
    order_agent: OrderAgent, st_profile: Path, typed: str, canonical: str, badges: list[str]
) -> None:
    run = order_agent("status", typed, "--json", region="st")

    assert run.code == 0, run.stderr
    result = run.json
    assert result["order"] == f"0000{typed.lstrip('#').removeprefix('0000')}"
    assert result["status"] == canonical
    for word in badges:  # both badges of a shipped order are read, and combined
        assert word in str(result["raw_status"])


def test_a_status_word_no_profile_teaches_stops_and_says_the_profile_line(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    # "Being processed" is a phrase the agent knows by now; this shop words it its own way.
    shop.add_region(
        replace(ST, prefix="st-own", status_words={**ST_STATUS_WORDS, "processing": "In the works"})
    )
    run = order_agent("cancel", "70001", "--json", region="st-own", name=JANE_NAME)

    assert run.code == 3
    result = run.json
    assert (result["status"], result["raw_status"]) == ("unknown", "In the works")
    # The [status] line that would teach it, e.g. "In the works" = "processing".
    assert '"In the works" =' in run.message
    assert shop.inbox("st-own") == [] and shop.returns("st-own") == []
