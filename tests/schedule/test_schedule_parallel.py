"""``run`` on the due orders of one account in several tabs of one context, politely.

What the shop saw is the proof: its inbox (one request per order), the most requests
it was answering at once (``ShopServer.peak_in_flight``), and gatherings that hold
order pages until several tabs ask for theirs at the same time (overlap shown by
the requests themselves, never by a clock).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from playwright.sync_api import Page
from structlog.testing import capture_logs

from agent.ledger import EndState
from agent.schedule_reports import Check
from agent.scheduler import Scheduler, WatchPlan
from agent.settings import Settings
from agent.shop_browser import BrowserSession, open_browser
from fixtures.server import ShopServer
from ordercore.models import Action, Outcome

from .conftest import SchedulerFactory, SettingsFactory
from .helpers import JANE, AgentClock, on_worker, run_killing_the_browser

# Jane's two processing orders of the seed, and four more: after the first (it signs in
# or opens the session) five orders for four tabs, so that one always waits for a tab.
ORDERS = ("70001", "70002", *(f"8000{n}" for n in range(1, 5)))
# The first due order signs in on its own (as a one-shot would); the others go in tabs.
IN_TABS = "|".join(f"MK-{number}" for number in ORDERS[1:])
ORDER_PAGES_IN_TABS = rf"/orders/(?:{IN_TABS})$"
# Quick negative paths: the real retry path, in milliseconds.
QUICK = {"retry_wait_multiplier_s": 0.01, "retry_wait_max_s": 0.05}


def _track_batch(shop: ShopServer, scheduler: Scheduler) -> None:
    for number in ORDERS[2:]:
        shop.add_order("us", JANE, number, "Processing")
    for number in ORDERS:
        scheduler.add(number, WatchPlan(every=timedelta(hours=1)))


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_a_batch_goes_in_parallel_tabs_and_never_over_the_shops_limit(
    shop: ShopServer, settings_for: SettingsFactory, scheduler_for: SchedulerFactory
) -> None:
    # Four tabs, but the shop may have only two of our requests at once.
    scheduler = scheduler_for(settings_for(concurrency=4, shop_max_in_flight=2, **QUICK))
    _track_batch(shop, scheduler)
    two_tabs_at_once = shop.gather(ORDER_PAGES_IN_TABS, count=2)

    report = on_worker(scheduler.run_pass)

    assert [check.key.number for check in report.checks] == list(ORDERS)
    assert [c.result.action for c in report.checks if c.result] == [
        Action.CANCELLATION_REQUESTED
    ] * len(ORDERS)
    assert report.exit_code == 75  # every order now waits for the shop
    # One request per order in the shop's inbox, each under the case number the agent kept.
    inbox = shop.inbox("us")
    assert Counter(str(case["order"]) for case in inbox) == Counter(ORDERS)
    assert {c.result.reference for c in report.checks if c.result} == {
        str(case["case"]) for case in inbox
    }
    # The tabs really overlapped, and the shop never had more than two requests at once.
    assert two_tabs_at_once.met.is_set()
    assert 1 < shop.peak_in_flight <= 2
    # One browser, one context, one sign-in for the whole batch.
    assert scheduler.browser_launches == 1
    assert len(shop.sign_in_attempts("us")) == 1


def test_without_a_tight_limit_the_same_batch_has_more_in_flight(
    shop: ShopServer, settings_for: SettingsFactory, scheduler_for: SchedulerFactory
) -> None:
    # The proof that the limit above is what held the shop at two: with the default
    # (four, one per tab), three tabs have their order pages in the shop's hands at once.
    scheduler = scheduler_for(settings_for(concurrency=4, shop_max_in_flight=4, **QUICK))
    _track_batch(shop, scheduler)
    three_tabs_at_once = shop.gather(ORDER_PAGES_IN_TABS, count=3)

    report = on_worker(scheduler.run_pass)

    assert three_tabs_at_once.met.is_set()
    assert 2 < shop.peak_in_flight <= 4
    assert Counter(str(case["order"]) for case in shop.inbox("us")) == Counter(ORDERS)
    assert all(check.outcome is Outcome.WAITING for check in report.checks)


def test_one_tab_failing_leaves_the_other_orders_done(
    shop: ShopServer, settings_for: SettingsFactory, scheduler_for: SchedulerFactory
) -> None:
    scheduler = scheduler_for(settings_for(concurrency=4, **QUICK))
    _track_batch(shop, scheduler)
    broken = ORDERS[4]
    # That order's page is down for the whole pass: every retry of the tab gets a 503.
    shop.fail(rf"/orders/MK-{broken}$", "5xx", times=50)

    report = on_worker(scheduler.run_pass)

    by_order = {check.key.number: check for check in report.checks}
    assert sorted(by_order) == sorted(ORDERS)
    failed = by_order.pop(broken)
    assert failed.result is None and failed.error is not None
    assert failed.end_state is EndState.NONE and failed.next_check is not None  # tried later
    for check in by_order.values():
        assert check.result is not None
        assert check.result.action is Action.CANCELLATION_REQUESTED
    inbox = shop.inbox("us")
    assert Counter(str(case["order"]) for case in inbox) == Counter(list(by_order))
    assert scheduler.browser_launches == 1


def test_a_browser_dying_under_the_tabs_is_restarted_and_their_orders_checked_again(
    shop: ShopServer, settings_for: SettingsFactory, scheduler_for: SchedulerFactory
) -> None:
    scheduler = scheduler_for(settings_for(concurrency=2, **QUICK))
    for number in ORDERS[:3]:
        if number.startswith("8"):
            shop.add_order("us", JANE, number, "Processing")
        scheduler.add(number, WatchPlan(every=timedelta(hours=1)))
    held = ORDERS[2]
    # While the shop holds that tab's order page, the browser process dies; the shop
    # lets the page go once the browser is dead.
    slow_order_page = shop.fail(rf"/orders/MK-{held}$", "slow", delay=600)
    report, killed = run_killing_the_browser(slow_order_page, scheduler.run_pass)

    assert killed, "no browser was running when the order page was asked for"
    assert scheduler.browser_launches == 2
    by_order = {check.key.number: check for check in report.checks}
    assert sorted(by_order) == sorted(ORDERS[:3])
    # The held order never reached its submit: checked again in the new browser, sent once.
    again = by_order[held]
    assert again.result is not None and again.result.action is Action.CANCELLATION_REQUESTED
    # Whatever the other tab was doing when the browser died, nothing went twice.
    sent = Counter(str(case["order"]) for case in shop.inbox("us"))
    assert sent[held] == 1 and max(sent.values()) == 1
    for check in by_order.values():
        assert check.outcome is Outcome.WAITING, check.message


class TabCount:
    """The most tabs the agent's browser had open at once (an opener for the scheduler)."""

    def __init__(self) -> None:
        self.open: set[Page] = set()
        self.peak = 0
        self.opened = 0

    def _opened(self, page: Page) -> None:
        self.opened += 1
        self.open.add(page)
        self.peak = max(self.peak, len(self.open))
        page.on("close", self._closed)

    def _closed(self, page: Page) -> None:
        self.open.discard(page)

    @contextmanager
    def __call__(self, settings: Settings) -> Iterator[BrowserSession]:
        with open_browser(settings) as session:
            self._opened(session.page)
            session.context.on("page", self._opened)
            yield session


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_a_batch_has_no_more_tabs_than_its_concurrency_and_the_next_pass_signs_in_no_more(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
) -> None:
    # The account's own tab, idle while the tabs work, is the first order's tab: four
    # renderers at most, not five. Lending it takes nothing from the other orders' tabs.
    tabs = TabCount()
    # The order in the lent tab is done first: the shop holds the other three tabs' order
    # pages until then. The next order's tab comes after the account's own one closed.
    lent, held = ORDERS[1], ORDERS[2:5]
    held_pages = shop.fail(rf"/orders/MK-(?:{'|'.join(held)})$", "slow", times=3, delay=600)

    def release_once_lent_is_done(check: Check) -> None:
        if check.key.number == lent:
            held_pages.release()

    scheduler = scheduler_for(
        settings_for(concurrency=4, **QUICK),
        open_session=tabs,
        on_check=release_once_lent_is_done,
    )
    _track_batch(shop, scheduler)

    try:
        with capture_logs() as logs:
            report = on_worker(scheduler.run_pass)
    finally:
        held_pages.release()

    assert tabs.peak == 4
    # A tab per order, none for an order checked again: the account's tab at the start,
    # the first order's done in it, a new tab for each of the others but one (it is lent
    # the account's), one for the account after.
    assert tabs.opened == 1 + (len(ORDERS) - 2) + 1
    # Every order was done in its tab: none had to be checked again after the tabs.
    assert not [entry for entry in logs if entry["event"] == "browser stopped under the tabs"]
    assert [c.result.action for c in report.checks if c.result] == [
        Action.CANCELLATION_REQUESTED
    ] * len(ORDERS)
    assert Counter(str(case["order"]) for case in shop.inbox("us")) == Counter(ORDERS)
    # The next pass starts from the session this one saved: no sign-in.
    agent_clock.advance(hours=2)
    again = on_worker(scheduler.run_pass)
    assert len(again.checks) == len(ORDERS)
    assert len(shop.sign_in_attempts("us")) == 1
