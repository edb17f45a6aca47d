"""``run`` passes against the fixture shop: follow-ups, sessions, refusals, a browser crash."""

from __future__ import annotations

import os
import select
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agent.ledger import EndState, IntentKind, IntentState
from agent.scheduler import WatchPlan
from agent.shop_browser import open_browser
from agent.shopper_accounts import AccountSecrets, add_account
from agent.shopper_accounts import settings_for as account_settings
from fixtures.server import ShopServer
from ordercore.models import Action, OrderStatus, Outcome
from tests.support.ledgers import open_ledger
from tests.support.people import JANE, PASSWORD

from .conftest import Receiver, SchedulerFactory, SettingsFactory
from .helpers import (
    WORKER_TIMEOUT_S,
    AgentClock,
    browser_processes,
    kill,
    on_worker,
    run_killing_the_browser,
)

ORDER_PAGE_70001 = r"/orders/MK-70001$"


def test_one_follow_up_after_a_day_without_news(
    shop: ShopServer, agent_clock: AgentClock, scheduler_for: SchedulerFactory, data_dir: Path
) -> None:
    scheduler = scheduler_for()
    scheduler.add("70001", WatchPlan(every=timedelta(hours=1)))

    first = on_worker(scheduler.run_pass)
    [requested] = first.checks
    assert requested.result is not None
    assert requested.result.action is Action.CANCELLATION_REQUESTED
    assert first.exit_code == 75

    # The shop is slow to act (its clock stands still); the agent's day goes by.
    agent_clock.advance(hours=25)
    [followed] = on_worker(scheduler.run_pass).checks
    assert followed.outcome is Outcome.WAITING
    assert "follow-up was sent" in followed.message
    case, follow_up = shop.inbox("us")
    assert follow_up["order"] == "70001"
    assert f"following up on case {case['case']}" in str(follow_up["message"])

    # Another day without news: nothing more is sent.
    agent_clock.advance(hours=25)
    [again] = on_worker(scheduler.run_pass).checks
    assert "already sent" in again.message
    assert len(shop.inbox("us")) == 2
    with open_ledger(data_dir) as ledger:
        kinds = [(i.kind, i.state) for i in ledger.intents(scheduler.key("70001"))]
    assert kinds == [
        (IntentKind.CANCELLATION_REQUEST, IntentState.SENT),
        (IntentKind.FOLLOW_UP, IntentState.SENT),
    ]


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_one_sign_in_per_pass_and_again_when_the_session_expires(
    shop: ShopServer, agent_clock: AgentClock, scheduler_for: SchedulerFactory
) -> None:
    scheduler = scheduler_for()
    every = WatchPlan(every=timedelta(minutes=15))
    scheduler.add("70001", every)
    scheduler.add("70003", every)

    # Two orders of one account: one browser, one sign-in.
    first = on_worker(scheduler.run_pass)
    assert [c.result.status for c in first.checks if c.result] == [
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
    ]
    assert scheduler.browser_launches == 1
    assert len(shop.sign_in_attempts("us")) == 1

    # The shop ends the session in the middle of a check: sign in again, finish the check.
    agent_clock.advance(minutes=15)
    shop.fail(ORDER_PAGE_70001, "expire_session")
    third = on_worker(scheduler.run_pass)
    assert [c.outcome for c in third.checks] == [Outcome.WAITING, Outcome.WAITING]
    assert [c.result.status for c in third.checks if c.result] == [
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
    ]
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [True, True]

    # The saved session expired between passes: the first look finds it out.
    scheduler.forget("70003")
    agent_clock.advance(minutes=15)
    shop.fail(r"^/us/$", "expire_session")
    [fourth] = on_worker(scheduler.run_pass).checks
    assert fourth.error is None
    assert fourth.result is not None and fourth.result.status is OrderStatus.PROCESSING
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [True, True, True]
    assert len(shop.inbox("us")) == 1  # 70001's request, sent once across all passes


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_rejected_credentials_stop_the_orders_without_retrying(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    receiver: Receiver,
) -> None:
    wrong = scheduler_for(settings_for(password="not-the-password", notify=[receiver.url]))
    wrong.add("70001", WatchPlan())
    wrong.add("70002", WatchPlan())

    report = on_worker(wrong.run_pass)
    assert report.exit_code == 3
    assert [c.end_state for c in report.checks] == [EndState.NEEDS_HUMAN, EndState.NEEDS_HUMAN]
    assert [c.error for c in report.checks] == ["CredentialsRejected", "CredentialsRejected"]
    assert len(shop.sign_in_attempts("us")) == 1  # one attempt for the whole pass
    assert receiver.titles == ["Order 70001 needs you", "Order 70002 needs you"]
    assert "not-the-password" not in str(receiver.payloads)

    # Nothing is due any more; re-adding them does not try the same password again.
    agent_clock.advance(hours=1)
    assert on_worker(wrong.run_pass).checks == []
    wrong.add("70001", WatchPlan())
    [blocked] = on_worker(wrong.run_pass).checks
    assert blocked.outcome is Outcome.NEEDS_HUMAN
    assert "`order-agent init` again" in blocked.message
    assert len(shop.sign_in_attempts("us")) == 1
    assert wrong.browser_launches == 1  # not even a browser for known-bad credentials

    # New credentials: back to work, 70002 too without being added again.
    right = scheduler_for()
    right.add("70001", WatchPlan())
    working = on_worker(right.run_pass).checks
    assert [(c.key.number, c.result.action) for c in working if c.result] == [
        ("70001", Action.CANCELLATION_REQUESTED),
        ("70002", Action.CANCELLATION_REQUESTED),
    ]
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [False, True]


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_a_stored_accounts_refused_password_says_to_store_it_again(
    shop: ShopServer, settings_for: SettingsFactory, scheduler_for: SchedulerFactory
) -> None:
    """The advice names what fixes it: the stored account, not `init`'s settings."""
    settings = settings_for(secret_key=Fernet.generate_key().decode())
    assert settings.site_url
    stored = add_account(
        settings, "jane", settings.site_url, JANE, None, AccountSecrets("not-the-password")
    )
    wrong = scheduler_for(account_settings(settings, stored))
    wrong.add("70001", WatchPlan(), account="jane")
    wrong.add("70002", WatchPlan(), account="jane")

    refused, blocked = on_worker(wrong.run_pass).checks
    assert [refused.error, blocked.error] == ["CredentialsRejected"] * 2
    store_again = f"`order-agent accounts add jane --site {stored.site} --email {JANE}`"
    for check in (refused, blocked):  # refused by the shop, then not even tried
        assert store_again in check.message
        assert "order-agent init" not in check.message
    assert len(shop.sign_in_attempts("us")) == 1

    # Stored again with the right password: the next pass takes its orders up again.
    add_account(settings, "jane", stored.site, JANE, None, AccountSecrets(PASSWORD))
    resumed = on_worker(scheduler_for(settings).run_pass).checks
    assert sorted(c.key.number for c in resumed) == ["70001", "70002"]
    assert {c.result.action for c in resumed if c.result} == {Action.CANCELLATION_REQUESTED}


def test_a_browser_killed_between_two_steps_is_known_dead_before_any_news_of_it(
    settings_for: SettingsFactory,
) -> None:
    # Playwright's sync API takes in the news that the browser died only while a call is
    # waiting, so a step's error can come before it. Nothing waits here between the kill
    # and the question: the answer must not rest on news not yet taken in.
    def kill_then_ask() -> tuple[bool, bool]:
        earlier = browser_processes()
        with open_browser(settings_for()) as session:
            alive_before = session.gone()
            [browser] = browser_processes() - earlier
            exited = os.pidfd_open(browser)
            kill({browser})
            select.select([exited], [], [], WORKER_TIMEOUT_S)
            os.close(exited)
            return alive_before, session.gone()

    gone_before, gone_after = on_worker(kill_then_ask, own_browser=True)
    assert not gone_before
    assert gone_after


def test_a_crashed_browser_is_restarted_and_the_check_resumes(
    shop: ShopServer, scheduler_for: SchedulerFactory, data_dir: Path
) -> None:
    scheduler = scheduler_for()
    scheduler.add("70001", WatchPlan())
    # While the shop is answering the order page, the browser process dies. The shop holds
    # that answer far longer than the kill can take, and lets it go once the browser is dead.
    slow_order_page = shop.fail(ORDER_PAGE_70001, "slow", delay=600)
    report, killed = run_killing_the_browser(slow_order_page, scheduler.run_pass, wait_s=120)

    assert killed, "no browser was running when the order page was asked for"
    assert scheduler.browser_launches == 2
    [check] = report.checks
    assert check.result is not None
    assert check.result.action is Action.CANCELLATION_REQUESTED
    [case] = shop.inbox("us")
    assert check.result.reference == case["case"]
    with open_ledger(data_dir) as ledger:
        [intent] = ledger.intents(scheduler.key("70001"))
        assert intent.state is IntentState.SENT


def test_run_exits_0_once_every_order_has_ended_and_1_on_errors(
    shop: ShopServer,
    agent_clock: AgentClock,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
) -> None:
    us = scheduler_for()
    us.add("70005", WatchPlan())  # the shop already shows it cancelled
    done = on_worker(us.run_pass)
    assert [c.end_state for c in done.checks] == [EndState.CANCELLED]
    assert done.exit_code == 0

    # An order tracked with the UK store's settings cannot be worked with the US ones.
    scheduler_for(settings_for(region="uk")).add("70001", WatchPlan())
    failed = on_worker(us.run_pass)
    assert [c.outcome for c in failed.checks] == [Outcome.ERROR]
    assert failed.exit_code == 1
    assert shop.inbox("uk") == [] and shop.inbox("us") == []
