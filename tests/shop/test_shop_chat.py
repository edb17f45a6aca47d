"""The fixture's live chat vendor over plain HTTP (issue #13): no browser needed here."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from fixtures.chat import is_online
from fixtures.regions import US
from fixtures.server import ShopServer
from tests.support.people import JANE

from .shop_helpers import Client


def _post(chat: Client, path: str, body: dict[str, str]) -> list[dict[str, object]]:
    answer = chat.request("POST", path, body=json.dumps(body).encode(), content_type="x/json")
    assert answer.status == 200, answer.text
    lines = json.loads(answer.text)["lines"]
    assert isinstance(lines, list)
    return lines


def test_only_a_region_with_chat_shows_a_launcher_and_has_a_widget(shop: ShopServer) -> None:
    shop.add_region(replace(US, prefix="chat", chat="online"))
    client, chat = Client(shop.url), Client(shop.chat_url)
    page = client.get("/chat/").text
    assert "Chat with us" in page and f"{shop.chat_url}/chat/widget" in page
    assert "Chat with us" not in client.get("/us/").text
    assert chat.get("/chat/widget?visitor=v1").status == 200
    assert chat.get("/us/widget").status == 404


def test_a_conversation_is_kept_shown_again_and_forgotten_on_reset(shop: ShopServer) -> None:
    shop.add_region(replace(US, prefix="chat", chat="online", chat_outcome="case"))
    chat = Client(shop.chat_url)
    start = {"visitor": "v1", "name": "Jane Shopper", "email": JANE, "order": "MK-70001"}
    [greeting] = _post(chat, "/chat/api/start", start)
    assert "I can see order MK-70001" in str(greeting["text"])
    [answer] = _post(chat, "/chat/api/send", {"visitor": "v1", "text": "Please cancel it"})
    [case] = shop.inbox("chat")
    assert case["case"] in str(answer["text"]) and case["message"] == "Please cancel it"
    shown = json.loads(chat.get("/chat/api/conversation?visitor=v1").text)["lines"]
    assert [line["speaker"] for line in shown] == [
        "Kora (virtual assistant)",
        "You",
        shown[2]["speaker"],
    ]
    # The same e-mail and order from another browser: the conversation again, no new one.
    again = _post(chat, "/chat/api/start", {**start, "visitor": "v2"})
    assert [line["text"] for line in again] == [line["text"] for line in shown]
    assert len(shop.chats("chat")) == 1
    control = Client(shop.url)
    listed = json.loads(control.get("/__control/chats?region=chat").text)
    assert listed[0]["outcome"] == "case" and listed[0]["case"] == case["case"]
    shop.reset()
    shop.add_region(replace(US, prefix="chat", chat="online"))
    assert shop.chats("chat") == [] and shop.chat_requests() == []


def test_an_away_chat_takes_no_conversation(shop: ShopServer) -> None:
    shop.add_region(replace(US, prefix="chat", chat="offline"))
    chat = Client(shop.chat_url)
    assert "away right now" in chat.get("/chat/widget?visitor=v1").text
    answer = chat.request("POST", "/chat/api/start", body=b'{"visitor": "v1"}')
    assert answer.status == 404 and shop.chats("chat") == []


def test_business_hours_are_weekdays_from_opening_to_closing_time() -> None:
    hours = replace(US, chat="business_hours", chat_hours=(9, 17))
    monday = datetime(2025, 3, 3)
    assert is_online(hours, monday.replace(hour=9))
    assert is_online(hours, monday.replace(hour=16, minute=59))
    assert not is_online(hours, monday.replace(hour=17))
    assert not is_online(hours, monday.replace(hour=8, minute=59))
    assert not is_online(hours, datetime(2025, 3, 8, 12))  # a Saturday
    assert is_online(replace(US, chat="online"), datetime(2025, 3, 8, 3))
    assert not is_online(replace(US, chat="offline"), monday.replace(hour=12))


def test_the_chat_vendor_is_another_host_than_the_shop(shop: ShopServer) -> None:
    assert shop.chat_url.split("//")[1].split(":")[0] != shop.url.split("//")[1].split(":")[0]
