"""Scheduled mode through the live chat (issue #13): the channel kept with the order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from agent.ledger import EndState, IntentKind
from agent.scheduler import WatchPlan
from fixtures.regions import US
from fixtures.server import ShopServer
from ordercore.models import Action, OrderStatus
from tests.support.ledgers import open_ledger

from .conftest import Receiver, SchedulerFactory, SettingsFactory
from .helpers import AgentClock, on_worker


def test_a_watched_order_is_cancelled_in_the_chat_and_notified_once(
    shop: ShopServer,
    receiver: Receiver,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    data_dir: Path,
) -> None:
    shop.add_region(replace(US, prefix="chat", chat="online"))
    scheduler = scheduler_for(settings_for(region="chat", notify=[receiver.url]))
    scheduler.add("70001", WatchPlan(every=timedelta(minutes=15)))
    # One check: the chat cancels it, the order page read again says so, the watch ends.
    [asked] = on_worker(scheduler.run_pass).checks
    assert asked.result is not None and asked.result.action is Action.CANCELLATION_REQUESTED
    assert asked.result.details["chat_outcome"] == "cancelled"
    assert asked.result.status is OrderStatus.CANCELLED
    assert receiver.titles == ["Order MK-70001 is cancelled"]
    agent_clock.advance(minutes=16)
    assert on_worker(scheduler.run_pass).checks == []  # nothing left to check
    with open_ledger(data_dir) as ledger:
        tracked = ledger.get(scheduler.key("70001"))
        kinds = [i.kind for i in ledger.intents(scheduler.key("70001"))]
    assert tracked is not None and tracked.end_state is EndState.CANCELLED
    assert kinds == [IntentKind.CHAT_REQUEST, IntentKind.CANCELLATION_REQUEST]
    assert len(shop.chats("chat")) == 1 and shop.inbox("chat") == []


def test_the_channel_given_to_add_is_kept_with_the_order(
    shop: ShopServer,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    data_dir: Path,
) -> None:
    shop.add_region(replace(US, prefix="chat", chat="online"))
    scheduler = scheduler_for(settings_for(region="chat"))
    scheduler.add("70001", WatchPlan(channel="form"))
    with open_ledger(data_dir) as ledger:
        tracked = ledger.get(scheduler.key("70001"))
    assert tracked is not None and tracked.options.channel == "form"
    [asked] = on_worker(scheduler.run_pass).checks
    assert asked.result is not None and asked.result.action is Action.CANCELLATION_REQUESTED
    assert len(shop.inbox("chat")) == 1
    assert shop.chat_requests() == []
