"""`order-agent cancel` through the shop's live chat (issue #13), the form as its fallback.

Each test mounts a US variant with a chat widget (served from the chat vendor's own
origin) and runs the real CLI against it in a real browser.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent.ledger import LEDGER_FILENAME, IntentKind, IntentState, Ledger, OrderKey
from fixtures.regions import US
from fixtures.server import ShopServer
from ordercore.models import Goal
from tests.support.people import JANE, JANE_NAME

from .conftest import OrderAgent

CHAT = "chat"


def _chat_shop(shop: ShopServer, **knobs: Any) -> str:
    return shop.add_region(replace(US, prefix=CHAT, **{"chat": "online", **knobs}))


def _receipt(path: str) -> dict[str, Any]:
    receipt = json.loads(Path(path).read_text())
    assert isinstance(receipt, dict)
    return receipt


def _intents(shop: ShopServer, data_dir: Path, kind: IntentKind) -> list[Any]:
    with Ledger.open(data_dir) as ledger:
        key = OrderKey(shop.region_url(CHAT), JANE, "70001")
        return [i for i in ledger.intents(key) if i.kind is kind]


def test_the_chat_cancels_the_order_with_the_transcript_in_the_receipt(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
):
    _chat_shop(shop)
    run = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert run.code == 0, run.stderr
    result = run.json
    assert (result["action"], result["outcome"]) == ("cancellation_requested", "done")
    assert result["channel"] == "chat"
    assert result["chat_outcome"] == "cancelled"
    assert "live chat cancelled order" in result["message"]
    assert result["status"] == "cancelled"  # the order page, read again after the chat
    assert shop.order_status(CHAT, "70001")["canonical"] == "cancelled"
    assert shop.inbox(CHAT) == []  # nothing through the form
    receipt = _receipt(result["receipt"])
    [chat] = shop.chats(CHAT)
    assert receipt["channel"] == "chat" and receipt["chat_outcome"] == "cancelled"
    assert receipt["transcript"] == chat["transcript"]
    assert "has been cancelled" in receipt["transcript"]
    assert receipt["sent"]["message"] in receipt["transcript"]
    assert Path(receipt["screenshot"]).read_bytes().startswith(b"\x89PNG")
    [sent] = _intents(shop, data_dir, IntentKind.CHAT_REQUEST)
    assert sent.state is IntentState.SENT and sent.details["outcome"] == "cancelled"
    [on_file] = _intents(shop, data_dir, IntentKind.CANCELLATION_REQUEST)
    assert on_file.how == "live chat"

    again = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert again.code == 0, again.stderr
    assert again.json["action"] == "none" and len(shop.chats(CHAT)) == 1


def test_a_case_opened_in_the_chat_is_the_one_request_on_file(
    order_agent: OrderAgent, shop: ShopServer
):
    _chat_shop(shop, chat_outcome="case")
    run = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert run.code == 0, run.stderr
    [case] = shop.inbox(CHAT)
    assert run.json["reference"] == case["case"]
    assert "live chat: case" in run.json["message"]
    again = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert again.code == 0, again.stderr
    assert again.json["action"] == "none" and again.json["reference"] == case["case"]
    assert len(shop.inbox(CHAT)) == 1 and len(shop.chats(CHAT)) == 1


def test_a_chat_that_cannot_help_is_followed_by_the_form_once(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
):
    _chat_shop(shop, chat_outcome="nothing")
    run = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert run.code == 0, run.stderr
    [case] = shop.inbox(CHAT)
    assert run.json["reference"] == case["case"] and case["order"] == "70001"
    assert run.json.get("channel") != "chat"
    assert "live chat could not help" in run.json["chat"]
    assert "Contact Us form was used" in run.json["message"]
    [chat] = shop.chats(CHAT)
    assert chat["outcome"] == "nothing"
    [tried] = _intents(shop, data_dir, IntentKind.CHAT_REQUEST)
    assert tried.details["outcome"] == "nothing"

    again = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert again.code == 0, again.stderr
    assert len(shop.inbox(CHAT)) == 1 and len(shop.chats(CHAT)) == 1  # exactly one request


def test_channel_form_never_opens_the_chat(order_agent: OrderAgent, shop: ShopServer):
    _chat_shop(shop)
    run = order_agent("cancel", "70001", "--json", "--channel", "form", region=CHAT)
    assert run.code == 0, run.stderr
    assert len(shop.inbox(CHAT)) == 1
    assert shop.chat_requests() == [] and shop.chats(CHAT) == []


def test_the_channel_setting_and_an_away_chat_leave_the_form(
    order_agent: OrderAgent, shop: ShopServer, monkeypatch
):
    _chat_shop(shop, chat="offline")
    monkeypatch.setenv("ORDER_AGENT_CHANNEL", "auto")
    run = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert run.code == 0, run.stderr
    assert len(shop.inbox(CHAT)) == 1 and shop.chats(CHAT) == []
    assert "live chat is away" in run.json["chat"]


def test_channel_chat_on_a_shop_without_chat_sends_nothing(
    order_agent: OrderAgent, shop: ShopServer
):
    run = order_agent("cancel", "70001", "--json", "--channel", "chat", region="us")
    assert run.code == 3, run.stderr
    assert "shows no live chat" in run.stderr and "--channel form" in run.stderr
    assert shop.inbox("us") == []


def test_a_lost_chat_whose_case_the_shop_lists_is_adopted_not_asked_again(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
):
    url = _chat_shop(shop, chat_outcome="case")
    # An earlier run wrote its chat intent and died; the chat had opened a case.
    with Ledger.open(data_dir) as ledger:
        key = OrderKey(url, JANE, "70001")
        ledger.ensure_order(key, Goal.CANCEL)
        ledger.begin_intent(key, IntentKind.CHAT_REQUEST, {"channel": "chat"})
    shop.shop.state(CHAT).submit_case(
        order_number="70001",
        topic="Cancel an Order",
        email=JANE,
        name=JANE_NAME,
        message="please cancel",
        phone="",
        now=shop.shop.clock.now(),
    )
    [case] = shop.inbox(CHAT)
    run = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert run.code == 0, run.stderr
    assert run.json["action"] == "none" and run.json["reference"] == case["case"]
    assert shop.chats(CHAT) == [] and len(shop.inbox(CHAT)) == 1
    [settled] = _intents(shop, data_dir, IntentKind.CHAT_REQUEST)
    assert settled.state is IntentState.SENT and settled.reference == case["case"]


def test_a_lost_chat_that_left_no_trace_is_settled_and_the_chat_asked(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
):
    url = _chat_shop(shop)
    with Ledger.open(data_dir) as ledger:
        key = OrderKey(url, JANE, "70001")
        ledger.ensure_order(key, Goal.CANCEL)
        ledger.begin_intent(key, IntentKind.CHAT_REQUEST, {"channel": "chat"})
    run = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert run.code == 0, run.stderr
    assert run.json["chat_outcome"] == "cancelled"
    lost, sent = _intents(shop, data_dir, IntentKind.CHAT_REQUEST)
    assert lost.state is IntentState.NOT_SENT and sent.state is IntentState.SENT
    assert len(shop.chats(CHAT)) == 1


def test_a_dry_run_says_the_chat_comes_first_and_talks_to_nobody(
    order_agent: OrderAgent, shop: ShopServer
):
    _chat_shop(shop)
    run = order_agent("cancel", "70001", "--dry-run", "--json", region=CHAT, name=JANE_NAME)
    assert run.code == 0, run.stderr
    assert run.json["chat_first"] is True and "live chat first" in run.json["message"]
    assert shop.chats(CHAT) == [] and shop.inbox(CHAT) == []
    assert not [r for r in shop.chat_requests() if r.startswith("POST")]


def test_the_conversation_the_chat_shows_again_is_not_asked_twice(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
):
    # No Support Requests page: only the chat itself can tell that it was asked.
    _chat_shop(shop, chat_outcome="case", support_page=None)
    first = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert first.code == 0, first.stderr
    [case] = shop.inbox(CHAT)
    # The ledger is lost (the browser's session, and the chat's visitor id in it, stay).
    for path in data_dir.glob(f"{LEDGER_FILENAME}*"):
        path.unlink()
    again = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert again.code == 0, again.stderr
    assert again.json["action"] == "none" and again.json["reference"] == case["case"]
    assert "live chat" in again.json["message"]
    [chat] = shop.chats(CHAT)
    assert chat["transcript"].count("You: ") == 1 and len(shop.inbox(CHAT)) == 1


def test_the_form_is_sent_under_a_chat_that_could_not_help_on_the_same_page(
    order_agent: OrderAgent, shop: ShopServer
):
    _chat_shop(shop, chat_outcome="nothing")
    first = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert first.code == 0, first.stderr
    # This data dir knows the contact form's address now: the next cancellation loads it
    # beside the order, asks the chat there, and sends the form on that page (the chat,
    # which covers the page's corner, put away first).
    second = order_agent("cancel", "70002", "--json", region=CHAT, name=JANE_NAME)
    assert second.code == 0, second.stderr
    assert "could not help" in second.json["chat"]
    assert sorted(case["order"] for case in shop.inbox(CHAT)) == ["70001", "70002"]
    assert [chat["order"] for chat in shop.chats(CHAT)] == ["70001", "70002"]


def test_a_chat_that_could_not_help_is_not_asked_again_when_the_form_must_wait(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
):
    _chat_shop(shop, chat_outcome="nothing")
    # The chat could not help, then the contact form's page is down: nothing on file yet.
    shop.fail(rf"^/{CHAT}/contact-us$", "5xx", times=100, region=CHAT, method="GET")
    first = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert first.code == 75, first.stderr
    assert shop.inbox(CHAT) == [] and len(shop.chats(CHAT)) == 1

    shop.shop.faults.clear()
    again = order_agent("cancel", "70001", "--json", region=CHAT, name=JANE_NAME)
    assert again.code == 0, again.stderr
    # The form, at once: the chat that could not help is not asked a second time.
    assert len(shop.inbox(CHAT)) == 1 and len(shop.chats(CHAT)) == 1
    assert "could not help" in again.json["chat"]
