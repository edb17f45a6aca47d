"""``watch`` against the fixture shop: the agent's clock and the warehouse clock, both driven."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from agent.ledger import EndState, IntentKind, IntentState
from agent.schedule_reports import Check
from agent.scheduler import WatchPlan
from fixtures.server import ShopServer
from ordercore.models import Action, OrderStatus, Outcome
from tests.support.ledgers import open_ledger

from .conftest import Receiver, SchedulerFactory, SettingsFactory
from .helpers import AgentClock, on_worker

Sleep = Callable[[float], bool]


def driven_sleep(
    agent_clock: AgentClock, shop: ShopServer, shop_minutes: list[float], slept: list[float]
) -> Sleep:
    """A watch's sleep: the agent's clock moves by what it asked, the shop's by the script."""

    def sleep(seconds: float) -> bool:
        slept.append(seconds)
        agent_clock.advance(seconds=seconds)
        shop.advance(minutes=shop_minutes.pop(0) if shop_minutes else seconds / 60)
        return False

    return sleep


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_watch_from_processing_to_cancelled(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
    data_dir: Path,
) -> None:
    slept: list[float] = []
    checks: list[Check] = []
    scheduler = scheduler_for(
        settings_for(notify=[receiver.url]),
        sleep=driven_sleep(agent_clock, shop, [], slept),
        on_check=checks.append,
    )
    started = agent_clock()

    report = on_worker(lambda: scheduler.watch("70001", WatchPlan(every=timedelta(hours=1))))

    # First look: processing, so the request goes out; an hour later the shop has cancelled it.
    first, second = checks
    assert first.result is not None and first.result.action is Action.CANCELLATION_REQUESTED
    assert first.outcome is Outcome.WAITING
    assert first.next_check == started + timedelta(hours=1)
    assert slept == [3600.0]
    assert second.result is not None and second.result.status is OrderStatus.CANCELLED
    assert (report.exit_code, report.checks, report.last.end_state) == (0, 2, EndState.CANCELLED)

    [case] = shop.inbox("us")
    assert (case["order"], case["status"]) == ("70001", "Closed")
    assert first.result.reference == case["case"]
    assert shop.order_status("us", "70001")["canonical"] == "cancelled"
    with open_ledger(data_dir) as ledger:
        tracked = ledger.get(scheduler.key("70001"))
        assert tracked is not None and tracked.end_state is EndState.CANCELLED
        [intent] = ledger.intents(tracked.key)
        assert (intent.state, intent.reference) == (IntentState.SENT, case["case"])

    # Each change reached the notification target, once.
    assert receiver.titles == [
        "Cancellation requested for order MK-70001",
        "Order MK-70001 is cancelled",
    ]
    assert case["case"] in str(receiver.payloads[0]["message"])
    assert "correct-horse" not in str(receiver.payloads)
    # One sign-in for the whole watch: the second check reused the saved session.
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [True]


def test_watch_from_processing_through_the_return_to_the_refund(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
    data_dir: Path,
) -> None:
    # The order ships at 6h shop time; asked at 5h30, the shop cannot cancel it in time.
    shop.advance(hours=5.5)
    checks: list[Check] = []
    slept: list[float] = []

    def scan_the_parcel_an_hour_later() -> None:
        [started] = shop.returns("us")
        shop.scan_return("us", str(started["return_number"]))
        shop.advance(minutes=60)

    # Between checks: an hour (shipped, request declined), two days (delivered, so the
    # return and its label), an hour with the parcel still at home, then it is scanned, two
    # days to reach the warehouse, a day to be refunded.
    between = [
        lambda: shop.advance(minutes=60),
        lambda: shop.advance(hours=48),
        lambda: shop.advance(minutes=60),
        scan_the_parcel_an_hour_later,
        lambda: shop.advance(hours=48),
        lambda: shop.advance(hours=24),
    ]

    def sleep(seconds: float) -> bool:
        slept.append(seconds)
        agent_clock.advance(seconds=seconds)
        between.pop(0)()
        return False

    scheduler = scheduler_for(
        settings_for(notify=[receiver.url]), sleep=sleep, on_check=checks.append
    )

    report = on_worker(lambda: scheduler.watch("70001", WatchPlan(every=timedelta(hours=1))))

    requested, shipped, returned, not_scanned, in_transit, received, refunded = checks
    assert requested.result is not None
    assert requested.result.action is Action.CANCELLATION_REQUESTED
    assert shipped.result is not None and shipped.result.status is OrderStatus.SHIPPED
    assert shipped.outcome is Outcome.WAITING
    assert "waiting for delivery" in shipped.message
    assert returned.result is not None and returned.result.action is Action.RETURN_STARTED
    # The label saved is no end any more: the return is followed until the refund.
    assert (returned.outcome, returned.end_state) == (Outcome.WAITING, EndState.NONE)
    label = Path(str(returned.result.label))
    assert label.is_file() and label.read_bytes().startswith(b"%PDF")
    assert label.stat().st_mode & 0o077 == 0
    assert "waiting for the carrier to scan the parcel" in not_scanned.message
    assert str(label) in not_scanned.message
    assert "on its way back" in in_transit.message
    assert "waiting for the refund" in received.message
    assert refunded.result is not None and refunded.result.status is OrderStatus.REFUNDED
    assert (report.exit_code, report.checks, report.last.end_state) == (0, 7, EndState.REFUNDED)
    assert slept == [3600.0] * 6

    [case] = shop.inbox("us")
    assert "already shipped" in str(case["reply"])
    [started_return] = shop.returns("us")
    assert returned.result.reference == started_return["return_number"]
    assert started_return["stage"] == "refunded"
    amount = f"${float(str(started_return['refund_amount'])):,.2f}"
    tracking = str(started_return["tracking"])
    assert refunded.result.details["refund"] == amount
    with open_ledger(data_dir) as ledger:
        key = scheduler.key("70001")
        assert [(i.kind, i.state) for i in ledger.intents(key)] == [
            (IntentKind.CANCELLATION_REQUEST, IntentState.SENT),
            (IntentKind.RETURN_REQUEST, IntentState.SENT),
        ]
        tracked = ledger.get(key)
        assert tracked is not None
        assert (tracked.end_state, tracked.end_message) == (
            EndState.REFUNDED,
            f"refunded {amount}",
        )
        assert (tracked.return_label, tracked.return_tracking, tracked.refund) == (
            str(label),
            tracking,
            amount,
        )
    # Each step reached the notification target exactly once, in order.
    assert receiver.titles == [
        "Cancellation requested for order MK-70001",
        "Order MK-70001 shipped before it could be cancelled",
        "Return label ready for order MK-70001",
        "Return on its way for order MK-70001",
        "Return received for order MK-70001",
        f"Order MK-70001 refunded: {amount}",
    ]
    assert tracking in str(receiver.payloads[3]["message"])
    assert "correct-horse" not in str(receiver.payloads)
