"""Shops laid out differently (docs/shops.md, "Layouts"): each class of layout met on real
platforms, as a fixture variant, through a whole command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import flows.locating
from fixtures.regions import US
from fixtures.server import ShopServer
from tests.support.people import JANE_NAME
from tests.support.storefronts import OPENCART

from .conftest import OrderAgent


@pytest.fixture
def expired_looks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every look (``flows.locating.wait_visible``) that waited its whole time for nothing."""
    expired: list[str] = []
    real = flows.locating.expect

    def counting(actual: Any, *args: Any, **kwargs: Any) -> Any:
        assertions = real(actual, *args, **kwargs)

        class Counted:
            def __getattr__(self, name: str) -> Any:
                check = getattr(assertions, name)

                def run(*a: Any, **k: Any) -> Any:
                    try:
                        return check(*a, **k)
                    except AssertionError:
                        expired.append(f"{name} {actual}")
                        raise

                return run

        return Counted()

    monkeypatch.setattr(flows.locating, "expect", counting)
    yield expired


@pytest.mark.ui_sign_in
def test_a_root_with_no_height_costs_no_look_in_a_whole_cancellation(
    order_agent: OrderAgent, shop: ShopServer, expired_looks: list[str]
):
    # The same shop twice, its pages' <html>/<body> with no height the second time: the
    # agent waits for nothing more there (no look ends on the root's visibility).
    shop.add_region(replace(US, prefix="rooted", promo_dialog=False))
    shop.add_region(replace(US, prefix="rootless", promo_dialog=False, zero_height_root=True))

    looks = {}
    for prefix in ("rooted", "rootless"):
        expired_looks.clear()
        run = order_agent("cancel", "70001", "--json", region=prefix, name=JANE_NAME)
        assert run.code == 0, run.stderr
        assert run.json["action"] == "cancellation_requested"
        looks[prefix] = list(expired_looks)
    assert len(shop.inbox("rootless")) == 1
    assert len(looks["rootless"]) == len(looks["rooted"]), looks


@pytest.fixture
def opencart(shop: ShopServer) -> str:
    shop.add_region(OPENCART)
    return OPENCART.prefix


@pytest.mark.ui_sign_in
def test_a_third_platforms_layout_status_dry_run_and_one_request(
    order_agent: OrderAgent, shop: ShopServer, opencart: str
):
    # OpenCart's stock layout: the order list's "View" icons, the status only in the order's
    # history table, a contact form of name, e-mail and enquiry that answers with no number.
    status = order_agent("status", "70003", "--json", region=opencart)
    assert status.code == 0, status.stderr
    assert (status.json["status"], status.json["raw_status"]) == ("shipped", "Shipped")
    assert status.json["status_place"] == "order history, latest entry"

    dry = order_agent("cancel", "70001", "--dry-run", "--json", region=opencart, name=JANE_NAME)
    assert dry.code == 0, dry.stderr
    assert shop.inbox(opencart) == []

    sent = order_agent("cancel", "70001", "--json", region=opencart, name=JANE_NAME)
    assert sent.code == 0, sent.stderr
    result = sent.json
    assert (result["action"], result["reference"]) == ("cancellation_requested", None)
    assert "successfully sent" in result["message"]
    [case] = shop.inbox(opencart)
    # No order field: the order number and the ask are in the message itself.
    assert "70001" in str(case["message"]) and "cancel" in str(case["message"]).lower()
    assert case["order"] == "70001"
    receipt = json.loads(Path(result["receipt"]).read_text())
    assert "successfully sent" in receipt["confirmation"]
    assert Path(receipt["screenshot"]).read_bytes().startswith(b"\x89PNG")

    again = order_agent("cancel", "70001", "--json", region=opencart, name=JANE_NAME)
    assert again.code == 0, again.stderr
    assert len(shop.inbox(opencart)) == 1


def test_a_delivered_order_on_a_shop_without_online_returns_is_told_with_its_proof(
    order_agent: OrderAgent, shop: ShopServer
):
    shop.add_region(replace(US, prefix="no-returns", returns_offered=False, promo_dialog=False))

    status = order_agent("status", "70004", "--json", region="no-returns")
    assert status.code == 0, status.stderr
    assert "no way to start a return online" in status.json["message"]
    assert "order-agent return" not in status.json["message"]

    for command in ("return", "cancel"):
        run = order_agent(command, "70004", "--json", region="no-returns", name=JANE_NAME)
        assert run.code == 3, run.stderr
        assert "offers no way to start a return online" in run.json["message"]
        assert "status is" not in run.json["message"]
        assert Path(run.json["evidence"]).read_bytes().startswith(b"\x89PNG")
    assert shop.returns("no-returns") == []


def test_a_return_that_is_a_request_is_done_with_its_proof_and_never_sent_twice(
    order_agent: OrderAgent, shop: ShopServer, opencart: str
):
    # No return number, no label: the shop mails it. The answer's words and a screenshot
    # are the proof; the next run asks nothing again.
    first = order_agent("return", "70004", "--json", region=opencart)

    assert first.code == 0, first.stderr
    result = first.json
    assert (result["action"], result["label"], result["return_kind"]) == (
        "return_started",
        None,
        "request",
    )
    assert "the shop sends the prepaid label" in result["message"]
    receipt = json.loads(Path(result["receipt"]).read_text())
    assert "relevant department" in receipt["confirmation"]
    assert Path(receipt["screenshot"]).read_bytes().startswith(b"\x89PNG")
    asked = len(shop.returns(opencart))
    assert asked == 2  # its two returnable items, each its own request

    status = order_agent("status", "70004", "--json", region=opencart)
    assert "return was requested" in status.json["message"]
    again = order_agent("return", "70004", "--json", region=opencart)
    assert again.code == 0, again.stderr
    assert again.json["action"] == "none"
    assert len(shop.returns(opencart)) == asked
