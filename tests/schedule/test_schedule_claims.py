"""Order claims in ``run`` passes: an order another worker holds is skipped, not doubled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agent.output import StepPrinter
from agent.runner import run
from agent.scheduler import CLAIMED_ELSEWHERE, WatchPlan
from fixtures.server import ShopServer
from ordercore.errors import AlreadyRunning
from ordercore.models import Action, CommandOptions, OrderStatus, Outcome
from tests.support.ledgers import open_ledger

from .conftest import SchedulerFactory
from .helpers import AgentClock, on_worker

LEASE = timedelta(minutes=15)


@pytest.mark.ledger_backends("postgresql")
def test_an_order_another_worker_holds_is_skipped_until_it_gives_it_back(
    shop: ShopServer, agent_clock: AgentClock, scheduler_for: SchedulerFactory, data_dir: Path
) -> None:
    scheduler = scheduler_for()
    every = WatchPlan(every=timedelta(minutes=15))
    scheduler.add("70001", every)
    scheduler.add("70003", every)
    held, free = scheduler.key("70001"), scheduler.key("70003")
    with open_ledger(data_dir, clock=agent_clock) as other_worker:
        assert other_worker.claim(held, "other-host:4242", LEASE)

        skipped, checked = on_worker(scheduler.run_pass).checks
        assert (skipped.key, skipped.outcome, skipped.error) == (
            held,
            Outcome.WAITING,
            CLAIMED_ELSEWHERE,
        )
        assert "another worker" in skipped.message
        assert checked.result is not None and checked.result.status is OrderStatus.SHIPPED
        assert [case["order"] for case in shop.inbox("us")] == []  # nothing sent for 70001
        # The pass gave back what it took, and left the other worker's claim alone.
        assert other_worker.claim(free, "third-host:7", LEASE)
        assert not other_worker.claim(held, "third-host:7", LEASE)

        assert other_worker.release(held, "other-host:4242")
    [requested] = [c for c in on_worker(scheduler.run_pass).checks if c.key == held]
    assert requested.result is not None
    assert requested.result.action is Action.CANCELLATION_REQUESTED
    assert [case["order"] for case in shop.inbox("us")] == ["70001"]


@pytest.mark.ledger_backends("sqlite")
def test_a_claim_left_in_the_data_dirs_file_by_a_dead_run_is_taken_over(
    shop: ShopServer, agent_clock: AgentClock, scheduler_for: SchedulerFactory, data_dir: Path
) -> None:
    # One process at a time works a data dir (its lock): a claim found in its SQLite
    # ledger can only be a run's that died, and the order is not left waiting for its lease.
    scheduler = scheduler_for()
    scheduler.add("70001", WatchPlan(every=timedelta(minutes=15)))
    key = scheduler.key("70001")
    with open_ledger(data_dir, clock=agent_clock) as ledger:
        assert ledger.claim(key, "killed-run:4242", LEASE)

    [check] = on_worker(scheduler.run_pass).checks
    assert check.result is not None
    assert check.result.action is Action.CANCELLATION_REQUESTED
    assert [case["order"] for case in shop.inbox("us")] == ["70001"]
    with open_ledger(data_dir, clock=agent_clock) as ledger:
        assert ledger.claim(key, "next-run:1", LEASE)  # given back after the check


@pytest.mark.ui_sign_in  # the sign-ins are counted
@pytest.mark.ledger_backends("postgresql")
def test_a_one_shot_cancel_of_an_order_a_worker_holds_stops_before_the_browser(
    shop: ShopServer, agent_clock: AgentClock, scheduler_for: SchedulerFactory, data_dir: Path
) -> None:
    scheduler = scheduler_for()
    scheduler.add("70001", WatchPlan(every=timedelta(minutes=15)))
    key = scheduler.key("70001")
    with open_ledger(data_dir) as other_worker:  # the one-shot's clock is the real one
        assert other_worker.claim(key, "other-host:4242", LEASE)
    with pytest.raises(AlreadyRunning, match="being worked on by another worker"):
        on_worker(
            lambda: run(
                "cancel", "70001", CommandOptions(), scheduler.settings, StepPrinter(enabled=False)
            )
        )
    assert shop.sign_in_attempts("us") == []  # stopped before any browser work
    assert shop.inbox("us") == []
    with open_ledger(data_dir) as ledger:
        assert not ledger.claim(key, "third-host:7", LEASE)  # still the other worker's
