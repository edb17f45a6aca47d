"""A worker process's checks, in process: the scheduler's own claimed check of one order,
one Chromium kept across tasks and started afresh after ORDER_AGENT_WORKER_MAX_TASKS, an
order another worker holds skipped without a browser."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from agent.distributed.worker_browser import WorkerBrowser, WorkerScheduler
from agent.ledger import EndState, IntentState, OrderKey
from agent.scheduler import CLAIMED_ELSEWHERE, Scheduler, WatchPlan
from agent.settings import Settings
from fixtures.server import ShopServer
from ordercore.models import Action, Outcome
from tests.distributed.helpers import deployment_settings
from tests.support import ledgers
from tests.support.environment import QUICK_RETRY_SETTINGS
from tests.support.people import JANE
from tests.support.processes import browser_processes, kill
from tests.support.threads import on_worker

pytestmark = pytest.mark.distributed

ORDERS = ("82001", "82002")


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None, ledger_url: str | None) -> None:
    """The clean environment of tests/conftest.py, on each ledger backend."""


def _settings(shop: ShopServer, data_dir: Path, **overrides: object) -> Settings:
    return deployment_settings(
        shop, data_dir, headless=True, **{**QUICK_RETRY_SETTINGS, **overrides}
    )


def _track(shop: ShopServer, settings: Settings) -> list[OrderKey]:
    scheduler = Scheduler(settings)
    for number in ORDERS:
        shop.add_order("us", JANE, number, "Processing")
        scheduler.add(number, WatchPlan(every=timedelta(hours=1)))
    return [scheduler.key(number) for number in ORDERS]


def test_an_order_another_worker_holds_is_skipped_without_a_browser(
    shop: ShopServer, tmp_path: Path
) -> None:
    settings = _settings(shop, tmp_path / "data")
    key = _track(shop, settings)[0]
    with ledgers.open_ledger(settings.data_dir) as ledger:
        assert ledger.claim(key, "other-host:4242", timedelta(minutes=15))
    holder = WorkerBrowser(settings, limiter=None)
    try:
        check = holder.check(key)
    finally:
        holder.close()

    assert check is not None and check.error == CLAIMED_ELSEWHERE
    assert check.outcome is Outcome.WAITING
    assert holder.launches == 0
    assert shop.inbox("us") == []
    with ledgers.open_ledger(settings.data_dir) as ledger:
        assert not ledger.claim(key, "third-host:1", timedelta(minutes=15))  # still held


@pytest.mark.ledger_backends("sqlite")
def test_a_deployment_with_a_ledger_of_its_own_adopts_the_request_another_sent(
    shop: ShopServer, tmp_path: Path
) -> None:
    """Two deployments, each with its own ledger, watch the same order: the second one's
    worker finds the first one's request on the shop's Support Requests and adopts it."""
    first = _settings(shop, tmp_path / "first")
    second = _settings(shop, tmp_path / "second")
    first_key = _track(shop, first)[0]
    second_key = Scheduler(second).add(ORDERS[0], WatchPlan(every=timedelta(hours=1))).key

    def work() -> list[object]:
        checks = []
        for settings, key in ((first, first_key), (second, second_key)):
            holder = WorkerBrowser(settings, limiter=None)
            try:
                checks.append(holder.check(key))
            finally:
                holder.close()
        return checks

    sent, adopted = on_worker(work)

    [request] = shop.inbox("us")  # one request on the shop, from the first deployment
    assert sent.result.action is Action.CANCELLATION_REQUESTED  # type: ignore[union-attr]
    assert adopted.result.action is Action.NONE  # type: ignore[union-attr]
    assert adopted.result.reference == request["case"]  # type: ignore[union-attr]
    with ledgers.open_ledger(second.data_dir) as ledger:
        intents = ledger.intents(second_key)
    assert [(i.state, i.reference, i.how) for i in intents] == [
        (IntentState.SENT, request["case"], "support requests page")
    ]


@pytest.mark.ledger_backends("sqlite")
@pytest.mark.own_browser
@pytest.mark.parametrize(("max_tasks", "launches"), [(1, 2), (50, 1)])
def test_the_browser_is_kept_across_tasks_and_restarted_after_its_share(
    shop: ShopServer, tmp_path: Path, max_tasks: int, launches: int
) -> None:
    settings = _settings(shop, tmp_path / "data", worker_max_tasks=max_tasks)
    keys = _track(shop, settings)
    holder = WorkerBrowser(settings, limiter=None)

    def work() -> list[object]:
        try:
            return [holder.check(key) for key in keys]
        finally:
            holder.close()

    checks = on_worker(work)

    assert [c.result.action for c in checks if c and c.result] == [  # type: ignore[attr-defined]
        Action.CANCELLATION_REQUESTED
    ] * len(ORDERS)
    assert holder.launches == launches
    assert Counter(str(case["order"]) for case in shop.inbox("us")) == Counter(ORDERS)
    # Checked: not due for another hour, so a second delivery of the same task does nothing.
    again = WorkerBrowser(settings, limiter=None)
    try:
        assert again.check(keys[0]) is None
    finally:
        again.close()


def test_beat_ends_orders_past_their_end_date_and_sends_only_the_due_ones(
    shop: ShopServer, tmp_path: Path
) -> None:
    settings = _settings(shop, tmp_path / "data")
    scheduler = Scheduler(settings)
    over = scheduler.add(ORDERS[0], WatchPlan(duration=timedelta(0))).key  # ends right away
    due = scheduler.add(ORDERS[1], WatchPlan()).key

    with ledgers.open_ledger(settings.data_dir) as ledger:
        sent = WorkerScheduler(settings).due_orders(ledger)
        ended = ledger.get(over)

    assert [order.key for order in sent] == [due]
    assert ended is not None and ended.end_state is EndState.EXPIRED
    assert shop.inbox("us") == []


@pytest.mark.ledger_backends("sqlite")
@pytest.mark.own_browser
def test_a_browser_that_died_between_tasks_is_started_afresh(
    shop: ShopServer, tmp_path: Path
) -> None:
    settings = _settings(shop, tmp_path / "data")
    keys = _track(shop, settings)
    holder = WorkerBrowser(settings, limiter=None)

    def work() -> list[object]:
        earlier = browser_processes()  # the session's browsers: not this worker's to kill
        try:
            first = holder.check(keys[0])
            killed = browser_processes() - earlier
            kill(killed)  # the worker's Chromium dies while it waits for its next task
            return [first, holder.check(keys[1]), killed]
        finally:
            holder.close()

    first, second, killed = on_worker(work)

    assert killed
    assert [c.result.action for c in (first, second)] == [  # type: ignore[union-attr]
        Action.CANCELLATION_REQUESTED
    ] * 2
    assert holder.launches == 2
    assert Counter(str(case["order"]) for case in shop.inbox("us")) == Counter(ORDERS)


def test_an_order_checked_by_another_worker_while_this_one_waited_is_read_afresh(
    shop: ShopServer, tmp_path: Path
) -> None:
    """A worker reads the order as due, then waits for the shop's turn; meanwhile another
    worker checks it (its next check an hour away, a return label saved). What was read
    before the wait is not acted on: the order is read again under the claim, and skipped.
    (Acted on, a return label another worker had saved went unseen and a received return
    ended the watch before its refund, in the scale-out test.)"""
    settings = _settings(shop, tmp_path / "data")
    key = _track(shop, settings)[0]
    holder = WorkerBrowser(settings, limiter=None)
    try:
        ledger = holder.ledger()
        read_before_the_wait = holder.scheduler.due_order(ledger, key)
        assert read_before_the_wait is not None
        ledger.record_return(key, label=str(tmp_path / "label.pdf"))  # the other worker's
        ledger.schedule_next(key, holder.scheduler.clock() + timedelta(hours=1))
        check = holder.scheduler.check_order(
            ledger, holder.account(None, settings), read_before_the_wait
        )
    finally:
        holder.close()

    assert check.error == CLAIMED_ELSEWHERE and check.outcome is Outcome.WAITING
    assert holder.launches == 0
    assert shop.sign_in_attempts("us") == [] and shop.inbox("us") == []
