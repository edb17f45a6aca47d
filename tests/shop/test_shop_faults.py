"""Faults on a path regex: 503s, slow answers, dropped connections, expired sessions, bot checks."""

from __future__ import annotations

import http.client
import re
import threading

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from fixtures.regions import UK, US
from fixtures.server import ShopServer

from .shop_helpers import Answer, Client, Visitor


def test_5xx_answers_503_the_given_number_of_times(shop: ShopServer, client: Client) -> None:
    shop.fail(r"/contact-us$", "5xx", times=2)
    first, second, third = (client.get(US.url("contact")) for _ in range(3))
    assert (first.status, second.status, third.status) == (503, 503, 200)
    assert first.headers["retry-after"] == "1"
    assert "temporarily unavailable" in first.text
    assert client.get(UK.url("contact")).status == 200  # other paths are untouched


def test_5xx_in_the_browser(us: Visitor, shop: ShopServer) -> None:
    us.dismiss_interruptions()
    us.sign_in_directly()
    shop.fail(r"/account/orders$", "5xx")
    response = us.page.goto(us.shop.page_url("us", "orders"))
    assert response is not None and response.status == 503
    expect(us.page.get_by_role("heading", name="We'll be right back")).to_be_visible()
    us.page.reload()
    expect(us.page.get_by_role("heading", name="Order History")).to_be_visible()


def test_slow_answers_are_held_until_released_then_served(shop: ShopServer, client: Client) -> None:
    # A delay no test run reaches: the answer comes when the test releases it, not on a timer.
    slow = shop.fail(r"/pages/shipping", "slow", delay=600)
    answers: list[Answer] = []
    asking = threading.Thread(
        target=lambda: answers.append(client.get(US.url("info", slug="shipping")))
    )
    asking.start()
    assert slow.arrived.wait(60), "the request never reached the shop"
    assert answers == []  # the shop holds it
    slow.release()
    asking.join(60)
    [answer] = answers
    assert answer.status == 200 and "Shipping Information" in answer.text
    assert shop.shop.faults.pending() == []  # used up: the next one is served at once
    assert client.get(US.url("info", slug="shipping")).status == 200


def test_a_short_slow_fault_serves_the_page_after_its_delay(
    shop: ShopServer, client: Client
) -> None:
    shop.fail(r"/pages/shipping", "slow", delay=0.01)
    answer = client.get(US.url("info", slug="shipping"))
    assert answer.status == 200 and "Shipping Information" in answer.text


def test_drop_closes_the_connection_without_an_answer(
    shop: ShopServer, us: Visitor, client: Client
) -> None:
    shop.fail(r"^/us/$", "drop", times=3)
    with pytest.raises(http.client.RemoteDisconnected):
        client.get(US.url("home"))
    # Chromium may quietly retry a request that got no answer (on a reused connection it
    # does): one or two drops make one error, whichever it did this time.
    with pytest.raises(PlaywrightError, match="ERR_EMPTY_RESPONSE"):
        us.home()
    left = [fault.times for fault in shop.shop.faults.pending()]
    assert left in ([], [1])
    shop.shop.faults.clear()
    us.page.wait_for_url("chrome-error://chromewebdata/")  # let the error page settle first
    us.home()
    expect(us.page.get_by_role("heading", name="Maison Kora")).to_be_visible()


def test_expired_session_sends_the_next_page_to_sign_in(visitor: Visitor, shop: ShopServer) -> None:
    visitor.dismiss_interruptions()
    visitor.sign_in_directly()
    shop.fail("orders", "expire_session", region=visitor.prefix)
    visitor.open_order_list()
    region = visitor.region
    expect(visitor.page.get_by_label(region.password_label)).to_be_visible()
    # Signing in again lands on the page that was asked for.
    visitor.submit_credentials("jane@example.com")
    expect(visitor.page.get_by_role("heading", name=region.order_list_heading)).to_be_visible()


def test_bot_check_fault_replaces_one_page(us: Visitor, shop: ShopServer) -> None:
    us.dismiss_interruptions()
    us.sign_in_directly()
    shop.fail(r"/orders/MK-70001$", "bot_check")
    response = us.page.goto(us.shop.url + US.order_url("70001"))
    assert response is not None and response.status == 403
    expect(us.page.get_by_role("alert")).to_contain_text("Please verify you are human")
    us.page.reload()
    expect(us.page.get_by_role("heading", name="Order #MK-70001")).to_be_visible()


def test_faults_match_path_and_query_and_can_be_limited_to_a_region(
    shop: ShopServer, client: Client
) -> None:
    client.sign_in(UK)
    shop.fail(r"ref=70003", "5xx", region="uk")
    shop.fail(r"ref=70003", "5xx", region="us")  # never matches: wrong region
    assert client.get(UK.order_url("70001")).status == 200
    assert client.get(UK.order_url("70003")).status == 503
    assert client.get(UK.order_url("70003")).status == 200
    assert [f.region for f in shop.shop.faults.pending()] == ["us"]


def test_unknown_fault_kinds_are_refused(shop: ShopServer) -> None:
    with pytest.raises(ValueError, match=re.escape("unknown fault kind 'teapot'")):
        shop.fail("/", "teapot")
    with pytest.raises(ValueError):
        shop.fail("/", "5xx", times=0)


def test_reset_clears_faults(shop: ShopServer, client: Client) -> None:
    shop.fail(".", "5xx", times=100)
    shop.reset()
    assert client.get(US.url("home")).status == 200
