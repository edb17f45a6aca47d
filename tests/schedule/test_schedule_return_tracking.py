"""A return followed to its refund: the --ship-by reminder, and `list` while it is under way."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from agent.ledger import EndState
from agent.schedule_reports import Check, tracked_line
from agent.scheduler import WatchPlan
from fixtures.server import ShopServer
from ordercore.models import Action, Outcome
from tests.support.ledgers import open_ledger

from .conftest import Receiver, SchedulerFactory, SettingsFactory
from .helpers import AgentClock, on_worker


def test_a_parcel_not_scanned_by_ship_by_gets_one_reminder(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
    data_dir: Path,
) -> None:
    checks: list[Check] = []
    slept: list[float] = []

    def sleep(seconds: float) -> bool:
        slept.append(seconds)
        agent_clock.advance(seconds=seconds)
        shop.advance(minutes=seconds / 60)
        return len(checks) == 4  # Ctrl-C after the fourth check

    scheduler = scheduler_for(
        settings_for(notify=[receiver.url]), sleep=sleep, on_check=checks.append
    )
    plan = WatchPlan(every=timedelta(hours=1), ship_by=timedelta(hours=2))

    report = on_worker(lambda: scheduler.watch("70012", plan))

    # Delivered: returned at once; an hour on nothing; two hours on, the one reminder.
    returned, an_hour_on, two_hours_on, three_hours_on = checks
    assert returned.result is not None and returned.result.action is Action.RETURN_STARTED
    label = str(returned.result.label)
    assert "reminder" not in an_hour_on.message
    assert two_hours_on.message.endswith("A reminder was sent.")
    assert three_hours_on.message.endswith("The one reminder to send it was sent earlier.")
    assert (report.outcome, report.last.end_state) == (Outcome.WAITING, EndState.NONE)
    assert receiver.titles == [
        "Return label ready for order MK-70012",
        "Send back order MK-70012",
    ]
    reminder = str(receiver.payloads[1]["message"])
    assert f"The label is in {label}; the package has not been scanned yet" in reminder
    [started] = shop.returns("us")
    assert started["stage"] == "return_started"  # nobody scanned it: the shop agrees

    # `list` says where the return is, with its label and tracking number.
    with open_ledger(data_dir) as ledger:
        tracked = ledger.get(scheduler.key("70012"))
    assert tracked is not None and tracked.active
    assert tracked.return_tracking == started["tracking"]
    line = tracked_line(tracked)
    assert line.split()[:3] == ["70012", "return", "started"]
    assert f'Return under way ("Return Started"): label at {label}' in line
    assert f"return tracking {started['tracking']}" in line


def test_ship_by_never_sends_no_reminder_and_a_refund_ends_a_run(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
    data_dir: Path,
) -> None:
    scheduler = scheduler_for(settings_for(notify=[receiver.url]))
    scheduler.add("70012", WatchPlan(every=timedelta(hours=1), ship_by=None))
    started_at = agent_clock()
    first = on_worker(scheduler.run_pass)
    assert [c.outcome for c in first.checks] == [Outcome.WAITING]
    # Its label saved, the order is watched past --for (14d): 7d + 21d from the label.
    with open_ledger(data_dir) as ledger:
        [tracked] = ledger.list_tracked()
    assert tracked.until == started_at + timedelta(days=28)
    agent_clock.advance(days=20)
    shop.advance(hours=24 * 20)  # 20 days, never scanned: no reminder (--ship-by never)
    assert [c.outcome for c in on_worker(scheduler.run_pass).checks] == [Outcome.WAITING]
    [started] = shop.returns("us")
    shop.scan_return("us", str(started["return_number"]))
    shop.advance(hours=72)  # in transit, received and refunded between two passes
    agent_clock.advance(hours=1)
    last = on_worker(scheduler.run_pass)

    assert [c.end_state for c in last.checks] == [EndState.REFUNDED]
    assert last.exit_code == 0
    assert receiver.titles == [
        "Return label ready for order MK-70012",
        "Order MK-70012 refunded: $48.00",
    ]
    with open_ledger(data_dir) as ledger:
        [tracked] = ledger.list_tracked()
    assert (
        tracked_line(tracked)
        .split("  (")[0]
        .endswith(f"Done: returned and refunded $48.00 on {tracked.ended_at:%Y-%m-%d %H:%M} UTC.")
    )
