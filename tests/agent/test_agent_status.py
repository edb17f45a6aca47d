"""`order-agent status ORDER`: every canonical status of the contract, in both regions."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.output import CORE_KEYS
from fixtures.regions import US
from fixtures.server import ShopServer
from tests.support.people import PHONES

from .conftest import OrderAgent

# Every canonical status, in both regions and the variants (tests/support/storefronts.py)
# for the contract's other words; order numbers typed the ways people type them
# (with or without "#" and the shop's "MK-" prefix).
STATUSES = [
    ("us", "#MK-70001", "MK-70001", "processing", "Processing"),
    ("uk", "#70003", "70003", "shipped", "Dispatched"),
    ("uk", "70004", "70004", "delivered", "Delivered"),
    ("us", "mk-70005", "MK-70005", "cancelled", "Canceled"),
    ("va", "70006", "70006", "return_started", "Return Initiated"),
    ("vb", "KR-70006", "KR-70006", "return_started", "Return in Progress"),
    ("uk", "Order #70007", "70007", "returned", "Return Received"),
    ("va", "70007", "70007", "returned", "Return Complete"),
    ("vb", "#70007", "KR-70007", "returned", "Returned"),
]


@pytest.mark.parametrize(("region", "typed", "shown", "canonical", "words"), STATUSES)
def test_status_reports_the_canonical_status_and_the_shops_words(
    order_agent: OrderAgent, region: str, typed: str, shown: str, canonical: str, words: str
):
    run = order_agent("status", typed, "--json", region=region)

    assert run.code == 0, run.stderr
    result = run.json
    assert list(result)[: len(CORE_KEYS)] == list(CORE_KEYS)
    assert result["order"] == shown
    assert (result["status"], result["raw_status"]) == (canonical, words)
    assert (result["action"], result["outcome"]) == ("none", "done")
    assert result["reference"] is None and result["label"] is None
    assert result["items"], "every seeded order has items"
    assert run.said == []


def test_status_lists_items_prices_final_sale_and_tracking(
    order_agent: OrderAgent,
):
    run = order_agent("status", "70004", "--json")
    result = run.json
    assert run.code == 0, run.message

    items = {item["name"]: item for item in result["items"]}
    assert {name: item["final_sale"] for name, item in items.items()} == {
        "Sloan Quilted Leather Shoulder Bag": False,
        "Logo Cashmere Scarf": False,
        "Runway Chronograph Watch": True,
    }
    assert all(item["price"].startswith("$") for item in items.values())
    assert result["tracking"] == US.tracking_format.format(number="70004")


def test_a_person_reads_status_words_items_and_tracking_number(order_agent: OrderAgent):
    run = order_agent("status", "70010", "-v")

    assert run.code == 0, run.stderr
    assert 'shipped ("Out for Delivery")' in run.stdout
    assert US.tracking_format.format(number="70010") in run.stdout
    assert "Bradshaw Smartwatch ($395.00)" in run.stdout
    # -v shows each step as it happens, on stderr, before the result on stdout.
    steps = [line for line in run.stderr.splitlines() if not line.startswith("{")]
    assert any("Signed in" in line for line in steps)
    assert any("Found order" in line for line in steps)


def test_an_unknown_status_word_needs_a_person_with_evidence_and_phone(
    order_agent: OrderAgent, tmp_path: Path
):
    run = order_agent("status", "70011", "--json")

    assert run.code == 3
    result = run.json
    assert (result["outcome"], result["action"]) == ("needs_human", "none")
    assert result["order"] == "70011"
    assert "On Hold" in result["message"]
    assert (result["status"], result["raw_status"]) == ("unknown", "On Hold")
    # The message names the profile lines that would teach the shop's words.
    assert result["message"].endswith('[status]\n"On Hold" = "processing"')
    assert result["phone"] == PHONES["us"]
    assert Path(result["evidence"]).read_bytes().startswith(b"\x89PNG")
    assert any("On Hold" in line for line in run.said)
    assert f"customer service: {PHONES['us']}" in run.said
    # The exact profile line that would teach it, and where it goes.
    assert any(
        line.endswith(
            "to teach it, add to "
            f"{tmp_path / 'config' / 'order-agent' / 'profiles' / '127.0.0.1.toml'}: "
            '[status] "On Hold" = "<one of processing, shipped, delivered, cancelled, '
            'return_started, returned, refunded>"'
        )
        for line in run.said
    ), run.said


def test_status_after_a_request_says_it_was_requested_not_to_cancel_again(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    sent = order_agent("cancel", "70001", "--json", name="Jane Shopper")
    assert sent.code == 0, sent.stderr

    looked = order_agent("status", "70001", "--json")

    assert looked.code == 0, looked.stderr
    message = looked.json["message"]
    assert f"Its cancellation was requested (case {sent.json['reference']})" in message
    assert "order-agent cancel" not in message
