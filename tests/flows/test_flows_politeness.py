"""A bound on requests in flight to the shop across the tabs of a context (``flows.politeness``),
in a real Chromium against the fixture shop, measured by the shop itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from fixtures.server import ShopServer
from flows.politeness import ShopPoliteness, origin_pattern
from flows.together import Done, run_together

PAGES = ("customer-service", "contact-us", "pages/shipping", "account/login", "")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def _visit_all(context: BrowserContext, shop: ShopServer, limit: int) -> list[object]:
    tabs = [context.new_page() for _ in PAGES]

    def visit(tab: Page, path: str) -> int:
        answer = tab.goto(shop.region_url("us") + path)
        assert answer is not None
        return answer.status

    jobs = [
        lambda tab=tab, path=path: visit(tab, path) for tab, path in zip(tabs, PAGES, strict=True)
    ]
    return list(run_together(context, jobs, limit=limit))


def test_tabs_that_would_overlap_are_let_through_one_at_a_time(
    context: BrowserContext, shop: ShopServer
) -> None:
    # Without the gate, the shop holds the first two page requests until both are there.
    unbounded = shop.gather(r"^/us/", count=2, timeout=10)
    assert _visit_all(context, shop, limit=len(PAGES)) == [Done(200)] * len(PAGES)
    assert unbounded.met.is_set() and shop.peak_in_flight >= 2

    shop.reset()
    gate = ShopPoliteness(
        context, shop.region_url("us"), max_in_flight=1, per_second=1000
    ).install()
    assert _visit_all(context, shop, limit=len(PAGES)) == [Done(200)] * len(PAGES)
    assert shop.peak_in_flight == 1
    assert gate.peak == 1 and gate.waited > 0  # the tabs did ask at once
    assert gate.in_flight == 0  # every slot came back


def test_a_redirect_keeps_its_slot_until_the_page_it_leads_to_is_in(
    context: BrowserContext, shop: ShopServer
) -> None:
    # Signed out, the order list redirects to the sign-in page: two requests, one slot.
    gate = ShopPoliteness(
        context, shop.region_url("us"), max_in_flight=1, per_second=1000
    ).install()
    tabs = [context.new_page() for _ in range(3)]
    orders = shop.page_url("us", "orders")

    def visit(tab: Page) -> str:
        tab.goto(orders)
        return tab.url

    outcomes = run_together(context, [lambda tab=tab: visit(tab) for tab in tabs], limit=3)
    assert all(isinstance(o, Done) and "/login" in str(o.value) for o in outcomes)
    assert shop.peak_in_flight == 1
    assert gate.in_flight == 0


def test_requests_per_second_are_bounded_without_sleeping(
    context: BrowserContext, shop: ShopServer
) -> None:
    gate = ShopPoliteness(context, shop.region_url("us"), max_in_flight=8, per_second=2).install()
    assert _visit_all(context, shop, limit=len(PAGES))[:1] == [Done(200)]
    # Five pages at two a second: some had to wait for the window to move on.
    assert gate.waited >= len(PAGES) - 2
    assert len(shop.requests()) == len(PAGES)
    assert gate.in_flight == 0


def test_other_origins_are_not_held(context: BrowserContext, shop: ShopServer) -> None:
    assert origin_pattern(shop.region_url("us")).match(shop.url + "/uk/")
    assert not origin_pattern(shop.region_url("us")).match("http://127.0.0.2:1/us/")
    assert not origin_pattern("http://127.0.0.1:80/").match("http://127.0.0.1:8000/")
