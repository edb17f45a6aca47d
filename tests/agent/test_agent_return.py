"""`order-agent return ORDER`: chosen items, every returnable item, and returns the site refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from fixtures.regions import UK, US
from fixtures.server import ShopServer
from tests.support.people import PHONES

from .conftest import OrderAgent

RETURNABLE_70004 = {"Sloan Quilted Leather Shoulder Bag", "Logo Cashmere Scarf"}


def test_only_the_items_asked_for_are_returned(order_agent: OrderAgent, shop: ShopServer):
    run = order_agent("return", "70004", "--item", "logo cashmere  scarf", "--json")

    assert run.code == 0, run.stderr
    [started] = shop.returns("us")
    assert started["items"] == ["Logo Cashmere Scarf"]
    assert run.json["reference"] == started["return_number"]
    assert "Logo Cashmere Scarf" in run.json["message"]
    text = "".join(page.extract_text() for page in PdfReader(run.json["label"]).pages)
    assert str(started["return_number"]) in text.replace(" ", "")


def test_every_returnable_item_is_returned_and_final_sale_is_left(
    order_agent: OrderAgent, shop: ShopServer
):
    run = order_agent("return", "70004", "--json", region="uk")

    assert run.code == 0, run.stderr
    [started] = shop.returns("uk")
    assert set(started["items"]) == RETURNABLE_70004  # type: ignore[arg-type]
    assert started["method"] == "mail"
    assert Path(run.json["label"]).name.startswith("return-label-")


def test_a_return_dry_run_fills_the_form_and_submits_nothing(
    order_agent: OrderAgent, shop: ShopServer
):
    run = order_agent("return", "70004", "--dry-run", "--json")

    assert run.code == 0, run.stderr
    result = run.json
    assert (result["action"], result["reference"], result["label"]) == ("none", None, None)
    assert set(result["items"]) == RETURNABLE_70004
    assert Path(result["screenshot"]).read_bytes().startswith(b"\x89PNG")
    assert shop.returns("us") == [] and shop.label_downloads("us") == []


@pytest.mark.parametrize("region", ["us", "uk"])
def test_an_outlet_return_refused_by_the_site_passes_on_its_words_and_phone(
    order_agent: OrderAgent, shop: ShopServer, region: str
):
    shop_region = {"us": US, "uk": UK}[region]
    run = order_agent("cancel", "70009", "--json", region=region)

    assert run.code == 3
    result = run.json
    assert (result["outcome"], result["error"]) == ("needs_human", "ReturnRefused")
    assert shop_region.outlet_refusal.format(phone=PHONES[region]) in result["message"]
    assert result["phone"] == PHONES[region]
    assert f"customer service: {PHONES[region]}" in run.said
    assert shop.returns(region) == []


def test_a_final_sale_item_asked_for_by_name_is_refused(order_agent: OrderAgent, shop: ShopServer):
    run = order_agent("return", "70004", "--item", "Runway Chronograph Watch", "--json")

    assert run.code == 3
    assert "Runway Chronograph Watch" in run.json["message"]
    assert run.json["phone"] == PHONES["us"]
    assert shop.returns("us") == []


def test_a_processing_order_cannot_be_returned_and_says_to_cancel(
    order_agent: OrderAgent, shop: ShopServer
):
    run = order_agent("return", "70002", "--json")

    assert run.code == 3
    # What happened, then the one next step (the hint), and no customer-service call.
    assert run.json["message"] == "order MK-70002 has not shipped yet, so it cannot be returned"
    assert run.json["hint"] == "`order-agent cancel 70002` asks the shop to cancel it instead"
    assert "phone" not in run.json
    assert shop.inbox("us") == [] and shop.returns("us") == []


def test_the_reason_given_is_the_one_chosen_on_the_return_form(
    order_agent: OrderAgent, shop: ShopServer
):
    run = order_agent("return", "70012", "--reason", "Wrong size", "--json")

    assert run.code == 0, run.stderr
    [started] = shop.returns("us")
    assert list(started["reasons"].values()) == ["Wrong size"]  # type: ignore[union-attr]
