"""The live chat widget (issue #13), in a real browser, on every variant of the fixture's.

The widget's frame is served by the chat vendor's own server (another loopback host),
so every test here goes through a cross-origin iframe.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Page

from fixtures.regions import US
from fixtures.server import ShopServer
from flows import limits
from flows.chatting import ChatOutcome, ChatWidget, refuse_secret_in_frame
from flows.locating import optional_ms
from flows.signing_in import origin_of
from ordercore.errors import UnsafeSignIn
from tests.support.people import JANE, PASSWORD

from .shopper import OpenSite

MESSAGE = "Hello, please cancel my order MK-70001 before it ships. Thank you, Jane Shopper"


@pytest.fixture(autouse=True)
def _short_chat_wait() -> Iterator[None]:
    """A bot that never answers is given up on after 30 s (the default is a minute).

    A guard, not a speed check: on a busy machine (the suite in three processes on two
    cores) the bot's first line has taken more than 8 s to show.
    """
    before = limits.current()
    limits.use(replace(before, chat_wait_ms=30_000))
    yield
    limits.use(before)


def _chat_shop(shop: ShopServer, **knobs: object) -> str:
    """Mount a US variant with the chat ``knobs``; its prefix."""
    shop.add_region(replace(US, prefix="chat", **{"chat": "online", **knobs}))
    return "chat"


def _widget(open_site: OpenSite, shop: ShopServer, page: Page, order: str = "70001") -> ChatWidget:
    site = open_site("chat")
    site.open_order(order)  # where the agent is when it asks: the order's own page
    return ChatWidget(page, shop.region_url("chat"), site.words, secrets=(PASSWORD,))


def _ask(widget: ChatWidget, order: str = "MK-70001"):
    return widget.request_cancellation(
        order_number=order, name="Jane Shopper", email=JANE, message=MESSAGE
    )


def test_the_chat_cancels_a_processing_order_in_a_frame_of_another_origin(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop)
    widget = _widget(open_site, shop, page)
    assert widget.offered(optional_ms())
    result = _ask(widget)
    assert result.outcome is ChatOutcome.CANCELLED and result.useful
    assert "has been cancelled" in result.said and not result.resumed
    assert shop.order_status("chat", "70001")["canonical"] == "cancelled"
    [chat] = shop.chats("chat")
    assert (chat["name"], chat["email"], chat["order"]) == ("Jane Shopper", JANE, "70001")
    assert chat["topic"] == "Cancel an order" and chat["outcome"] == "cancelled"
    assert MESSAGE in chat["transcript"] and MESSAGE in result.transcript
    # The frame is the vendor's, not the shop's: and it never saw the shop's cookies.
    assert origin_of(result.frame_url) == origin_of(shop.chat_url)
    assert origin_of(result.frame_url) != origin_of(shop.url)
    assert shop.chat_cookies() and not any("kora" in cookie for cookie in shop.chat_cookies())
    assert PASSWORD not in chat["transcript"]


def test_a_case_opened_in_the_chat_is_kept_and_listed_like_a_form_case(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_outcome="case")
    widget = _widget(open_site, shop, page)
    result = _ask(widget)
    [case] = shop.inbox("chat")
    assert result.outcome is ChatOutcome.CASE and result.reference == case["case"]
    assert case["order"] == "70001" and case["message"] == MESSAGE
    assert shop.order_status("chat", "70001")["canonical"] == "processing"  # not yet


def test_a_person_answers_after_the_bot_hands_over(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_outcome="person", chat_person_delay_ms=1_500)
    result = _ask(_widget(open_site, shop, page))
    assert result.outcome is ChatOutcome.CANCELLED
    assert "connect you with a member of our team" in result.transcript
    assert result.said.startswith("Maya (Customer Care)")


def test_a_bot_that_cannot_help_is_nothing_useful(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_outcome="nothing")
    result = _ask(_widget(open_site, shop, page))
    assert result.outcome is ChatOutcome.NOTHING and not result.useful
    assert "can't help" in result.said
    assert shop.inbox("chat") == []
    assert shop.order_status("chat", "70001")["canonical"] == "processing"


def test_an_order_that_has_shipped_is_not_cancelled_by_the_chat(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop)
    result = _ask(_widget(open_site, shop, page, order="70003"), order="MK-70003")
    assert result.outcome is ChatOutcome.NOTHING
    assert "can no longer be cancelled" in result.said


def test_an_offline_chat_says_it_is_away_and_takes_no_conversation(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat="offline")
    result = _ask(_widget(open_site, shop, page))
    assert result.outcome is ChatOutcome.AWAY
    assert shop.chats("chat") == []


def test_a_business_hours_chat_is_away_in_the_evening_on_the_warehouse_clock(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat="business_hours", chat_hours=(9, 17))
    shop.advance(hours=9)  # Monday 18:00 on the warehouse clock
    assert _ask(_widget(open_site, shop, page)).outcome is ChatOutcome.AWAY
    shop.advance(hours=15, minutes=30)  # Tuesday 09:30: open again
    shop.set_status("chat", "70001", "Processing")  # (it shipped overnight otherwise)
    page.reload()
    assert _ask(ChatWidget(page, shop.region_url("chat"))).outcome is ChatOutcome.CANCELLED


def test_a_widget_that_shows_up_after_load_is_waited_for(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_delay_ms=1_200)
    widget = _widget(open_site, shop, page)
    assert widget.offered(limits.current().look_ms)
    assert _ask(widget).outcome is ChatOutcome.CANCELLED


def test_a_pre_chat_form_whose_fields_come_after_its_start_button_is_filled_whole(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_fields_delay_ms=4_000)  # within a look
    widget = _widget(open_site, shop, page)
    assert widget.offered(limits.current().look_ms)
    assert _ask(widget).outcome is ChatOutcome.CANCELLED
    [chat] = shop.chats("chat")
    assert (chat["name"], chat["email"], chat["order"]) == ("Jane Shopper", JANE, "70001")


def test_a_bubble_named_only_by_its_aria_label_is_the_launcher(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_launcher="", chat_launcher_label="Need help? Chat")
    assert _ask(_widget(open_site, shop, page)).outcome is ChatOutcome.CANCELLED


def test_a_shop_without_chat_offers_none_and_its_vendor_hears_nothing(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    site = open_site("us")
    site.open_order("70001")
    widget = ChatWidget(page, shop.region_url("us"))
    assert not widget.offered(optional_ms())
    assert shop.chat_requests() == []


def test_the_conversation_shown_again_on_reopening_is_read_and_nothing_is_sent(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_outcome="case")
    first = _ask(_widget(open_site, shop, page))
    page.reload()  # a dropped chat: the same visitor opens the widget again
    again = ChatWidget(page, shop.region_url("chat"))
    earlier = again.earlier_conversation("MK-70001")
    assert earlier is not None and earlier.resumed
    assert (earlier.outcome, earlier.reference) == (ChatOutcome.CASE, first.reference)
    # Asking again reads the same conversation: no second message, no second case.
    assert _ask(again).resumed
    [chat] = shop.chats("chat")
    assert chat["transcript"].count("You: ") == 1 and len(shop.inbox("chat")) == 1


def test_a_new_chat_has_no_earlier_conversation(open_site: OpenSite, shop: ShopServer, page: Page):
    _chat_shop(shop)
    assert _widget(open_site, shop, page).earlier_conversation("MK-70001") is None
    assert shop.chats("chat") == []


def test_a_secret_is_never_typed_into_the_chat_frame(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop)
    widget = _widget(open_site, shop, page)
    with pytest.raises(UnsafeSignIn, match="nothing was typed"):
        widget.request_cancellation(
            order_number="MK-70001",
            name="Jane Shopper",
            email=JANE,
            message=f"my password is {PASSWORD}",
        )
    for chat in shop.chats("chat"):
        assert PASSWORD not in chat["transcript"]
    assert shop.order_status("chat", "70001")["canonical"] == "processing"


def test_the_guard_lets_the_shops_own_frames_and_non_secrets_through():
    site = "https://shop.example/"
    refuse_secret_in_frame("https://shop.example/chat", site, "hunter2", ["hunter2"])
    refuse_secret_in_frame("https://chat.vendor.example/w", site, "order 70001", ["hunter2"])
    with pytest.raises(UnsafeSignIn):
        refuse_secret_in_frame("https://chat.vendor.example/w", site, "x hunter2 y", ["hunter2"])


def test_a_minimised_chat_covers_nothing_and_opens_again(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_outcome="nothing")
    widget = _widget(open_site, shop, page)
    _ask(widget)
    assert widget.frame_element().count() == 1
    widget.minimise()
    assert widget.frame_element().count() == 0
    earlier = widget.earlier_conversation("70001")  # opened again: the same one
    assert earlier is not None and earlier.outcome is ChatOutcome.NOTHING


def test_a_conversation_about_another_order_is_left_for_a_new_one(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    _chat_shop(shop, chat_outcome="case")
    first = _ask(_widget(open_site, shop, page))
    page.reload()
    again = ChatWidget(page, shop.region_url("chat"))
    assert again.earlier_conversation("MK-70002") is None  # it is about 70001
    second = _ask(again, order="MK-70002")
    assert second.outcome is ChatOutcome.CASE and not second.resumed
    assert second.reference != first.reference
    assert [chat["order"] for chat in shop.chats("chat")] == ["70001", "70002"]
    assert sorted(case["order"] for case in shop.inbox("chat")) == ["70001", "70002"]


def test_a_launcher_click_that_a_promotion_took_is_made_again_once_it_is_closed(
    open_site: OpenSite, shop: ShopServer, page: Page
):
    # The promotion shows as the button goes down on the order page: the launcher never
    # gets the click, and no chat window opens until it is clicked again.
    _chat_shop(shop, promo_on_press=True, promo_pages=("order",))
    widget = _widget(open_site, shop, page)
    assert widget.offered(optional_ms())
    assert _ask(widget).outcome is ChatOutcome.CANCELLED
    assert page.get_by_role("dialog", name="Get 15% off").count() == 0
