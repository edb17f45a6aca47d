"""Proof is kept per shop and account, as the ledger keys orders: two shops' orders 70001
never share a folder, `history` finds an order by any spelling of its number, and the
folders of earlier releases are moved into place, receipt by receipt."""

from __future__ import annotations

import json
from pathlib import Path

from agent.receipts import ProofStore, account_folder_name, shop_folder_name
from fixtures.server import ShopServer
from ordercore.models import Action
from tests.support.people import JANE, JANE_NAME

from .conftest import OrderAgent


def _files(history: dict) -> set[str]:
    return {
        Path(proof["path"]).name
        for entry in history["entries"]
        for proof in entry.get("proofs", [])
    }


def test_two_shops_orders_70001_keep_their_own_proof(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
) -> None:
    us = order_agent("cancel", "70001", "--json", region="us", name=JANE_NAME)
    uk = order_agent("cancel", "70001", "--json", region="uk", name=JANE_NAME)
    assert us.code == 0 and uk.code == 0, (us.stderr, uk.stderr)
    us_receipt, uk_receipt = Path(us.json["receipt"]), Path(uk.json["receipt"])
    assert us_receipt.parent != uk_receipt.parent

    shown = order_agent("history", "70001", "--json")
    assert shown.code == 0, shown.stderr
    histories = {h["site"]: h for h in shown.json["orders"]}
    us_history = histories[shop.region_url("us").rstrip("/")]
    uk_history = histories[shop.region_url("uk").rstrip("/")]
    assert us_receipt.name in _files(us_history) and uk_receipt.name not in _files(us_history)
    assert uk_receipt.name in _files(uk_history) and us_receipt.name not in _files(uk_history)
    assert us_history["cases"] == [shop.inbox("us")[0]["case"]]
    assert uk_history["cases"] == [shop.inbox("uk")[0]["case"]]


def test_history_finds_an_order_by_the_number_as_the_shop_shows_it(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    # The third storefront shows 70002 as "000070002".
    sent = order_agent("cancel", "70002", "--json", region="st", name=JANE_NAME)
    assert sent.code == 0, sent.stderr
    assert sent.json["order"] == "000070002"

    for spelling in ("000070002", "#70002", "70002"):
        shown = order_agent("history", spelling, "--json")
        assert shown.code == 0, (spelling, shown.stderr)
        [history] = shown.json["orders"]
        assert history["cases"] == [shop.inbox("st")[0]["case"]]


def test_the_folders_of_earlier_releases_are_moved_to_their_shop_and_account(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
) -> None:
    # An earlier release kept both shops' 70001 in orders/70001/ and orders/MK-70001/.
    legacy = ProofStore(data_dir)
    uk_site, us_site = shop.region_url("uk"), shop.region_url("us")
    uk_shot = legacy.save_screenshot("70001", "cancellation-confirmation", b"\\x89PNG uk")
    legacy.save_receipt(
        "70001",
        Action.CANCELLATION_REQUESTED,
        {"Email": JANE},
        "REF-11111",
        {"screenshot": str(uk_shot)},
        site_url=uk_site,
    )
    legacy.save_receipt(
        "MK-70001", Action.CANCELLATION_REQUESTED, {"Email": JANE}, "CS-111111", site_url=us_site
    )

    looked = order_agent("status", "70001", "--json", region="us")
    assert looked.code == 0, looked.stderr

    assert not (data_dir / "orders" / "MK-70001").exists()
    assert not (data_dir / "orders" / "70001").exists()
    account = account_folder_name(JANE)
    us_folder = data_dir / "orders" / shop_folder_name(us_site) / account / "70001"
    uk_folder = data_dir / "orders" / shop_folder_name(uk_site) / account / "70001"
    references = {
        folder: [json.loads(p.read_text())["reference"] for p in folder.glob("*.json")]
        for folder in (us_folder, uk_folder)
    }
    assert references == {us_folder: ["CS-111111"], uk_folder: ["REF-11111"]}
    assert (uk_folder / uk_shot.name).is_file()  # its screenshot went with it
    assert not (us_folder / uk_shot.name).exists()
