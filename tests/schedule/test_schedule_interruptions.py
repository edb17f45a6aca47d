"""Runs that are killed mid-submit, and runs that overlap: the shop hears each request once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.ledger import IntentKind, IntentState, OrderKey
from agent.schedule_reports import WatchReport
from agent.scheduler import CLAIMED_ELSEWHERE, WatchPlan
from fixtures.server import ShopServer
from ordercore.models import Outcome
from tests.support.ledgers import open_ledger
from tests.support.people import JANE

from .conftest import SchedulerFactory, SettingsFactory
from .helpers import AgentClock, agent_command, agent_env, on_worker

CONTACT_FORM = r"^/us/contact-us$"
SUBMIT_DELAY_S = 1.0
PROCESS_TIMEOUT_S = 180


def start_agent(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    # A session of its own, so that one signal reaches the agent, its driver and Chromium.
    with log.open("wb") as stderr:
        return subprocess.Popen(
            agent_command(*args),
            env=env,
            cwd=log.parent,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def kill_during_submit(shop: ShopServer, env: dict[str, str], log: Path, *args: str) -> None:
    """Start ``order-agent ARGS``, SIGKILL it while the shop is answering its submit slowly,
    then let the shop finish that request as a real one would."""
    submit = shop.fail(CONTACT_FORM, "slow", delay=SUBMIT_DELAY_S, method="POST")
    agent = start_agent(env, log, *args)
    try:
        assert submit.arrived.wait(PROCESS_TIMEOUT_S), log.read_text(errors="replace")
        os.killpg(agent.pid, signal.SIGKILL)
    finally:
        kill_group(agent)
    assert agent.returncode == -signal.SIGKILL
    assert submit.handler is not None
    submit.handler.join(timeout=30)


def test_cancel_killed_during_a_slow_submit_sends_the_request_once(
    shop: ShopServer, data_dir: Path, tmp_path: Path
) -> None:
    env = agent_env(shop.region_url("us"), data_dir)
    kill_during_submit(shop, env, tmp_path / "killed.log", "cancel", "70001", "--json")

    [case] = shop.inbox("us")  # the shop did get it; the agent never saw the answer
    key = OrderKey(shop.region_url("us"), JANE, "70001")
    with open_ledger(data_dir) as ledger:
        [open_intent] = ledger.open_intents(key)  # written ahead, before the click
        assert open_intent.state is IntentState.OPEN

    again = subprocess.run(
        agent_command("cancel", "70001", "--json"),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["reference"] == case["case"]
    assert "did reach the shop" in result["message"]
    assert len(shop.inbox("us")) == 1
    with open_ledger(data_dir) as ledger:
        [intent] = ledger.intents(key)
        assert (intent.state, intent.reference) == (IntentState.SENT, case["case"])
        assert intent.how == "support requests page"
        assert ledger.open_intents(key) == []


def test_a_scheduled_run_killed_mid_submit_is_reconciled_not_repeated(
    shop: ShopServer,
    settings_for: SettingsFactory,
    scheduler_for: SchedulerFactory,
    tmp_path: Path,
    ledger_url: str | None,
) -> None:
    # The agent's clock follows real time here: the killed run wrote its intent on it.
    clock = AgentClock(datetime.now(UTC))
    scheduler = scheduler_for(settings_for(), clock=clock)
    scheduler.add("70001", WatchPlan())
    env = agent_env(shop.region_url("us"), scheduler.settings.data_dir)
    kill_during_submit(shop, env, tmp_path / "killed.log", "run", "--json")
    [case] = shop.inbox("us")

    # Right after the kill the submit may still be in the shop's hands: wait, send nothing.
    # On a shared ledger the killed worker's claim says so first: nobody else may know it
    # died, so its order waits until the claim's lease runs out.
    clock.advance(minutes=1)
    [deferred] = on_worker(scheduler.run_pass).checks
    assert deferred.outcome is Outcome.WAITING
    if ledger_url is None:
        assert "still be in the shop's hands" in deferred.message
    else:
        assert deferred.error == CLAIMED_ELSEWHERE
        clock.advance(seconds=scheduler.settings.claim_lease_s)
    assert scheduler.browser_launches == 0

    clock.advance(minutes=10)
    [reconciled] = on_worker(scheduler.run_pass).checks
    assert reconciled.result is not None
    assert reconciled.result.reference == case["case"]
    assert "did reach the shop" in reconciled.message
    assert len(shop.inbox("us")) == 1
    with open_ledger(scheduler.settings.data_dir) as ledger:
        [intent] = ledger.intents(scheduler.key("70001"))
        assert (intent.kind, intent.state) == (IntentKind.CANCELLATION_REQUEST, IntentState.SENT)


@pytest.mark.ui_sign_in  # the sign-ins are counted
def test_a_second_run_or_watch_exits_at_once_while_one_is_working(
    shop: ShopServer, agent_clock: AgentClock, scheduler_for: SchedulerFactory, tmp_path: Path
) -> None:
    asleep, wake = threading.Event(), threading.Event()

    def sleep(seconds: float) -> bool:
        asleep.set()
        wake.wait(PROCESS_TIMEOUT_S)
        return True  # then stop the watch

    scheduler = scheduler_for(sleep=sleep)
    outcome: dict[str, WatchReport | BaseException] = {}

    def watch() -> None:
        try:
            outcome["report"] = scheduler.watch("70003", WatchPlan())
        except BaseException as exc:
            outcome["error"] = exc

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert asleep.wait(PROCESS_TIMEOUT_S), outcome
        env = agent_env(shop.region_url("us"), scheduler.settings.data_dir)
        for command in (("run", "--json"), ("watch", "70001", "--json")):
            second = subprocess.run(
                agent_command(*command),
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert second.returncode == 75, second.stderr
            assert "another order-agent run is using" in second.stderr
            error = json.loads(second.stdout)
            assert (error["outcome"], error["error"]) == ("waiting", "AlreadyRunning")
    finally:
        wake.set()
        watcher.join(PROCESS_TIMEOUT_S)

    report = outcome["report"]
    assert isinstance(report, WatchReport)
    assert (report.exit_code, report.checks) == (75, 1)
    assert "Watch stopped" in report.last.message
    assert shop.inbox("us") == []  # the second watch sent nothing
    assert len(shop.sign_in_attempts("us")) == 1
