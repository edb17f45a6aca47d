"""Hiccups are findings, retried on later passes; only a finding that holds ends an order.

Against the fixture shop with its fault switches; the agent's clock and the warehouse
clock are moved by the tests, never waited for.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from agent.ledger import EndState, IntentKind, Ledger, OrderKey
from agent.schedule_policy import (
    FINDING_FIRST_RETRY,
    FINDING_GIVE_UP_PASSES,
    FINDING_GIVE_UP_SPAN,
    finding_retry_after,
)
from agent.schedule_reports import Check, tracked_line
from agent.scheduler import Scheduler, WatchPlan
from fixtures.server import ShopServer
from ordercore.models import Action, Goal, OrderStatus, Outcome
from tests.support.ledgers import open_ledger
from tests.support.people import JANE

from .conftest import Receiver, SchedulerFactory, SettingsFactory
from .helpers import WORKER_TIMEOUT_S, AgentClock, agent_command, agent_env, on_worker

ORDER_PAGE_70001 = r"/orders/MK-70001$"
HOME_PAGE = r"^/us/$"
# Short browser time-outs, so that a stalled page costs seconds, not minutes.
QUICK = {"timeout_ms": 2_000, "navigation_timeout_ms": 2_000}
STALL_S = 3.0  # longer than both time-outs above


@contextmanager
def faults_for_one_pass(shop: ShopServer) -> Iterator[None]:
    """Faults switched on by the caller hold for every request of one pass, then go."""
    try:
        yield
    finally:
        with shop.shop.lock:
            shop.shop.faults.clear()


def one_pass(scheduler: Scheduler) -> Check:
    [check] = on_worker(scheduler.run_pass).checks
    return check


def test_the_backoff_and_the_give_up_rule_are_named_and_documented() -> None:
    assert (3, timedelta(hours=1)) == (FINDING_GIVE_UP_PASSES, FINDING_GIVE_UP_SPAN)
    assert [finding_retry_after(n) for n in (1, 2, 3, 4, 5, 9)] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    readme = (Path(__file__).resolve().parents[2] / "docs" / "scheduled.md").read_text()
    assert "3 passes" in readme and "at least an hour" in readme


def test_a_stall_an_unknown_page_and_a_time_out_on_three_passes_still_end_cancelled(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
    data_dir: Path,
) -> None:
    scheduler = scheduler_for(settings_for(notify=[receiver.url], **QUICK))
    scheduler.add("70001", WatchPlan(every=timedelta(minutes=15)))

    requested = one_pass(scheduler)
    assert requested.result is not None
    assert requested.result.action is Action.CANCELLATION_REQUESTED
    [case] = shop.inbox("us")

    # Pass 2: the order page stalls, past the navigation time-out, on every attempt.
    agent_clock.advance(minutes=15)
    with faults_for_one_pass(shop):
        shop.fail(ORDER_PAGE_70001, "slow", times=50, delay=STALL_S)
        stalled = one_pass(scheduler)
    assert (stalled.outcome, stalled.end_state) == (Outcome.WAITING, EndState.NONE)
    assert stalled.error is not None

    # Pass 3: the order page is some other page, without an order status on it.
    assert stalled.next_check is not None
    agent_clock.now = stalled.next_check
    with faults_for_one_pass(shop):
        shop.fail(ORDER_PAGE_70001, "html", times=50)
        unknown = one_pass(scheduler)
    assert (unknown.outcome, unknown.end_state) == (Outcome.WAITING, EndState.NONE)
    assert unknown.error == "SiteNotUnderstood"
    assert unknown.next_check == agent_clock() + FINDING_FIRST_RETRY  # backoff, not --every
    [listed] = scheduler.tracked()
    assert listed.finding is not None and listed.finding.kind == "SiteNotUnderstood"
    assert "pending finding (1 pass)" in tracked_line(listed)

    # Pass 4: the home page, where every pass checks its saved session, times out.
    agent_clock.now = unknown.next_check
    with faults_for_one_pass(shop):
        shop.fail(HOME_PAGE, "slow", times=50, delay=STALL_S)
        timed_out = one_pass(scheduler)
    assert (timed_out.outcome, timed_out.end_state) == (Outcome.WAITING, EndState.NONE)
    assert timed_out.error is not None

    # The shop acts on the request; the next pass sees the order cancelled.
    shop.advance(minutes=61)
    assert timed_out.next_check is not None
    agent_clock.now = timed_out.next_check
    done = one_pass(scheduler)
    assert done.end_state is EndState.CANCELLED
    assert done.result is not None and done.result.status is OrderStatus.CANCELLED

    assert shop.inbox("us")[0]["case"] == case["case"] and len(shop.inbox("us")) == 1
    assert not any("needs you" in title for title in receiver.titles)
    with open_ledger(data_dir) as ledger:
        ended = ledger.get(scheduler.key("70001"))
        assert ended is not None and ended.finding is None
        assert ledger.count_sent(scheduler.key("70001"), IntentKind.CANCELLATION_REQUEST) == 1


def test_the_same_finding_on_three_passes_over_an_hour_needs_a_human_told_once(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
) -> None:
    scheduler = scheduler_for(settings_for(notify=[receiver.url]))
    scheduler.add("70011", WatchPlan(every=timedelta(minutes=15)))  # "On Hold": unknown
    started = agent_clock()

    # Three passes in a row find it, but within a quarter of an hour: maybe a hiccup.
    for passes in (1, 2, 3):
        check = one_pass(scheduler)
        assert (check.outcome, check.end_state) == (Outcome.WAITING, EndState.NONE), passes
        assert check.error == "UnknownStatus"
        assert check.next_check == agent_clock() + finding_retry_after(passes)
        assert f"found on {passes} pass" in check.message
        agent_clock.now = check.next_check
    [listed] = scheduler.tracked()
    assert listed.finding is not None and listed.finding.count == 3
    assert "pending finding (3 passes)" in tracked_line(listed)
    assert receiver.titles == []

    # The next pass an hour after the first: the same finding again ends the order.
    agent_clock.now = started + FINDING_GIVE_UP_SPAN
    ended = one_pass(scheduler)
    assert (ended.outcome, ended.end_state) == (Outcome.NEEDS_HUMAN, EndState.NEEDS_HUMAN)
    assert "On Hold" in ended.message
    assert receiver.titles == ["Order 70011 needs you"]

    agent_clock.advance(hours=2)
    assert on_worker(scheduler.run_pass).checks == []  # nothing due; told once
    assert receiver.titles == ["Order 70011 needs you"]


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_an_order_parked_on_a_refused_password_resumes_once_the_password_changes(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
) -> None:
    wrong = scheduler_for(settings_for(password="not-the-password", notify=[receiver.url]))
    wrong.add("70001", WatchPlan(every=timedelta(minutes=15)))
    parked = one_pass(wrong)
    assert (parked.end_state, parked.error) == (EndState.NEEDS_HUMAN, "CredentialsRejected")
    assert receiver.titles == ["Order 70001 needs you"]

    # Same credentials: the order stays parked, and the shop is not asked again.
    agent_clock.advance(hours=1)
    assert on_worker(wrong.run_pass).checks == []
    assert len(shop.sign_in_attempts("us")) == 1

    # Another password, refused too: tried once, and that is news to the shopper.
    agent_clock.advance(minutes=5)
    still_wrong = scheduler_for(settings_for(password="still-wrong", notify=[receiver.url]))
    again = one_pass(still_wrong)
    assert (again.end_state, again.error) == (EndState.NEEDS_HUMAN, "CredentialsRejected")
    assert receiver.titles == ["Order 70001 needs you", "Order 70001 needs you"]

    # The password is corrected in the configuration: no `add` needed.
    agent_clock.advance(minutes=5)
    right = scheduler_for(settings_for(notify=[receiver.url]))
    resumed = one_pass(right)
    assert resumed.result is not None
    assert resumed.result.action is Action.CANCELLATION_REQUESTED
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [False, False, True]
    [tracked] = right.tracked()
    assert tracked.active and tracked.parked_fingerprint is None
    assert len(shop.inbox("us")) == 1


# Two deployments with ledgers of their own: two SQLite files (one shared PostgreSQL
# ledger would make it one deployment).
@pytest.mark.ledger_backends("sqlite")
def test_two_data_dirs_one_order_one_request_on_the_shop(
    shop: ShopServer,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    tmp_path: Path,
) -> None:
    first = scheduler_for(settings_for(data_dir=tmp_path / "a"))
    second = scheduler_for(settings_for(data_dir=tmp_path / "b"))
    first.add("70001", WatchPlan())
    second.add("70001", WatchPlan())

    sent = one_pass(first)
    assert sent.result is not None and sent.result.action is Action.CANCELLATION_REQUESTED
    [case] = shop.inbox("us")

    adopted = one_pass(second)
    assert adopted.result is not None
    assert (adopted.result.action, adopted.result.reference) == (Action.NONE, case["case"])
    assert "already lists an open cancellation request" in adopted.result.message
    assert shop.inbox("us") == [case]
    with Ledger.open(tmp_path / "b") as ledger:
        intent = ledger.has_sent(second.key("70001"), IntentKind.CANCELLATION_REQUEST)
        assert intent is not None and intent.reference == case["case"]


def test_a_timer_run_resumes_a_parked_order_once_the_password_changed(
    shop: ShopServer, tmp_path: Path
) -> None:
    # The ledger of a machine where the shop refused an older password.
    data_dir = tmp_path / "data"
    site = shop.region_url("us")
    key = OrderKey(site, JANE, "70001")
    with open_ledger(data_dir) as ledger:
        ledger.track(key, Goal.CANCEL, every=timedelta(minutes=15))
        refused = ledger.credentials_fingerprint(JANE, "an-older-password")
        ledger.block_credentials(site, JANE, refused, "the password is incorrect")
        ledger.finish(key, EndState.NEEDS_HUMAN, "password refused", parked_on=refused)

    # `order-agent run` as cron starts it (nothing due: the idle path must not hide it).
    done = subprocess.run(
        agent_command("run", "--json"),
        env=agent_env(site, data_dir),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        check=False,
    )

    assert done.returncode == 75, done.stderr
    [order] = json.loads(done.stdout)["orders"]
    assert (order["order"], order["action"]) == ("MK-70001", "cancellation_requested")
    assert len(shop.inbox("us")) == 1
    with open_ledger(data_dir) as ledger:
        tracked = ledger.get(key)
        assert tracked is not None and tracked.active and tracked.parked_fingerprint is None
