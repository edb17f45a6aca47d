"""Helpers for the scheduled-mode tests: the agent's clock, a worker thread, processes."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from fixtures.faults import Fault
from tests.support.environment import agent_environment
from tests.support.people import JANE, PASSWORD
from tests.support.processes import browser_processes, kill
from tests.support.threads import WORKER_TIMEOUT_S, on_worker

T = TypeVar("T")

# Used by the schedule tests from here.
__all__ = ["WORKER_TIMEOUT_S", "browser_processes", "kill", "on_worker"]


REPO = Path(__file__).resolve().parents[2]
# Well after the shop's own epoch: the two clocks are unrelated on purpose.
AGENT_EPOCH = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


class AgentClock:
    """The agent's clock: moves only when a test moves it."""

    def __init__(self, start: datetime = AGENT_EPOCH) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **span: float) -> datetime:
        self.now += timedelta(**span)
        return self.now


def agent_env(site_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an ``order-agent`` subprocess: Jane's account, this data dir."""
    env = agent_environment()
    env.update(
        {
            "ORDER_AGENT_SITE_URL": site_url,
            "ORDER_AGENT_EMAIL": JANE,
            "ORDER_AGENT_PASSWORD": PASSWORD,
            "ORDER_AGENT_DATA_DIR": str(data_dir),
            "ORDER_AGENT_LOG_FORMAT": "json",
            # The repository first; what the test process had after it (a probe of
            # tests.support.timing, when the suite is measured).
            "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH")))),
            **extra,
        }
    )
    return env


def agent_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "agent", *args]


def run_killing_the_browser(
    held_page: Fault, run: Callable[[], T], *, wait_s: float = 300
) -> tuple[T, set[int]]:
    """``run()`` on a worker thread; the browser dies while the shop holds ``held_page``.

    ``held_page`` is a "slow" fault holding its answer far longer than the kill can take;
    the shop lets it go once the browser is dead. Returns what ``run`` returned and the
    browser processes killed (empty: no browser was running when the page was asked for).
    """
    earlier_browsers = browser_processes()
    killed: set[int] = set()

    def crash_the_browser() -> None:
        if held_page.arrived.wait(wait_s):
            killed.update(browser_processes() - earlier_browsers)
            kill(killed)
        held_page.release()

    crasher = threading.Thread(target=crash_the_browser)
    crasher.start()
    try:
        outcome = on_worker(run, own_browser=True)  # the browser it kills is its own
    finally:
        held_page.arrived.set()
        held_page.release()
        crasher.join(timeout=10)
    return outcome, killed
