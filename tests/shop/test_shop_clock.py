"""The warehouse clock: cancellations handled after an hour, shipping after 6 h, delivery 48 h."""

from __future__ import annotations

from playwright.sync_api import expect

from fixtures.clock import SHOP_EPOCH, WarehouseClock
from fixtures.regions import UK, US
from fixtures.server import ShopServer

from .shop_helpers import Client, Visitor


def test_cancellation_of_a_processing_order_is_done_after_an_hour(
    shop: ShopServer, client: Client
) -> None:
    client.contact(US, "MK-70001")
    shop.advance(minutes=59)
    assert shop.order_status("us", "70001")["canonical"] == "processing"
    [case] = shop.inbox("us")
    assert (case["status"], case["reply"]) == ("Open", None)
    shop.advance(minutes=1)
    assert shop.order_status("us", "70001") == {
        "key": "cancelled",
        "canonical": "cancelled",
        "word": "Canceled",
    }
    [case] = shop.inbox("us")
    assert case["status"] == "Closed"
    assert "MK-70001 has been cancelled" in str(case["reply"])
    # A cancelled order never ships.
    shop.advance(hours=100)
    assert shop.order_status("us", "70001")["canonical"] == "cancelled"


def test_cancellation_of_a_shipped_order_is_declined(shop: ShopServer, client: Client) -> None:
    client.contact(UK, "70001")
    shop.set_status("uk", "70001", "Dispatched")  # the warehouse was faster
    shop.advance(minutes=60)
    assert shop.order_status("uk", "70001")["word"] == "Dispatched"
    [case] = shop.inbox("uk")
    assert "already shipped and can no longer be cancelled" in str(case["reply"])


def test_the_reply_shows_on_support_requests(us: Visitor, shop: ShopServer) -> None:
    Client(shop.url).contact(US, "70002")
    shop.advance(minutes=60)
    us.dismiss_interruptions()
    us.sign_in_directly()
    us.goto("cases")
    row = us.page.get_by_role("row").filter(has_text="MK-70002")
    expect(row).to_contain_text("Closed")
    expect(row).to_contain_text("Your order MK-70002 has been cancelled.")
    us.goto_order("70002")
    expect(us.main).to_contain_text("Canceled")


def test_processing_orders_ship_after_six_hours_and_arrive_two_days_later(
    shop: ShopServer,
) -> None:
    shop.advance(minutes=6 * 60 - 1)
    assert shop.order_status("us", "70002")["canonical"] == "processing"
    shop.advance(minutes=1)
    assert shop.order_status("us", "70002")["word"] == "Shipped"
    assert shop.order_status("uk", "70002")["word"] == "Dispatched"
    assert shop.order_status("us", "70011")["word"] == "On Hold"  # not the warehouse's business
    shop.advance(hours=48)
    assert shop.order_status("us", "70002")["word"] == "Delivered"
    assert shop.order_status("us", "70003")["word"] == "Delivered"  # seed shipment arrived too


def test_set_status_restarts_the_warehouse_timers(shop: ShopServer) -> None:
    shop.advance(hours=5)
    shop.set_status("us", "70005", "Processing")
    shop.advance(hours=5)
    assert shop.order_status("us", "70005")["canonical"] == "processing"
    shop.advance(hours=1)
    assert shop.order_status("us", "70005")["canonical"] == "shipped"


def test_reset_puts_the_clock_back(shop: ShopServer) -> None:
    shop.advance(hours=7)
    shop.reset()
    assert shop.order_status("us", "70001")["canonical"] == "processing"
    assert shop.shop.clock.now() == SHOP_EPOCH


def test_a_running_clock_moves_on_its_own() -> None:
    clock = WarehouseClock(speed=1_000_000.0)
    first = clock.now()
    assert clock.now() > first > SHOP_EPOCH
    assert WarehouseClock(speed=0.0).now() == SHOP_EPOCH
