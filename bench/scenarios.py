"""One measured run of each kind, checked against the shop: a fast wrong run counts for nothing.

* ``script``: the hand-written script cancels a fresh processing order;
* ``agent_fresh``: ``order-agent cancel`` with an empty data dir;
* ``agent_second``: ``order-agent cancel`` of another fresh order, in the data dir
  a fresh run left (saved session, remembered URLs);
* ``floor``: ``bench/floor.py`` cancels a fresh order with a saved session and only
  the page loads the job needs (order page, contact form, submit);
* ``batch``: ``order-agent add`` of N fresh orders (not timed), then ``order-agent run``;
* ``script_batch`` / ``floor_batch``: the script (signed in once) and the floor, N orders
  in one browser, one after the other;
* ``idle``: ``order-agent run`` in a data dir whose orders are all not yet due.

Every browser run goes through ``bench.probe`` (Playwright calls, phases) and the
shop's request log (``bench.shoplog``): its ``breakdown``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.breakdown import breakdown, read_probe
from bench.commands import (
    AGENT,
    EMAIL,
    REGION,
    BrowserWrapper,
    OrderNumbers,
    add_argv,
    agent_environment,
    agent_executable,
    base_environment,
    cancel_args,
    duties_args,
    floor_args,
    handwritten_args,
    probed,
    run_args,
    run_argv,
)
from bench.processes import SAMPLE_INTERVAL_S, Measurement, measure
from bench.shoplog import ShopLog
from fixtures.server import ShopServer

ONE_SHOT_TIMEOUT_S = 300.0
BATCH_TIMEOUT_S = 1800.0
EXIT_OK = 0
EXIT_TRY_LATER = 75


@dataclass(frozen=True)
class Run:
    """A measurement, how many browsers it launched, and what was wrong with it (if anything)."""

    kind: str
    measurement: Measurement
    browsers_launched: int
    orders: int = 1
    problem: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    breakdown: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            **self.measurement.summary(),
            "browsers_launched": self.browsers_launched,
            "orders": self.orders,
            "problem": self.problem,
            **self.extra,
            "breakdown": self.breakdown,
        }


def _json_object(stdout: str) -> dict[str, Any] | None:
    """The command's one JSON object (the last non-empty line of stdout)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        value = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _describe_failure(measurement: Measurement, why: str) -> str:
    tail = measurement.stderr_tail.strip().splitlines()[-1:] or [""]
    return f"{why} (exit {measurement.exit_code}; stderr: {tail[0][:300]})"


class Bench:
    """The shop, its request log, the wrapped browser and a scratch folder."""

    def __init__(
        self,
        shop: ShopServer,
        scratch: Path,
        shop_log: ShopLog,
        interval_s: float = SAMPLE_INTERVAL_S,
    ):
        self.shop = shop
        self.scratch = scratch
        self.shop_log = shop_log
        self.interval_s = interval_s
        self.site_url = shop.region_url(REGION)
        self.browser = BrowserWrapper.create(scratch / "browser")
        self.numbers = OrderNumbers()
        self.secrets_dir = scratch / "no-secrets"
        self.secrets_dir.mkdir(exist_ok=True)
        self.reports = scratch / "probe"
        self.reports.mkdir(exist_ok=True)
        self._floor_session: Path | None = None

    # -- set-up --------------------------------------------------------------------------
    def new_round(self) -> None:
        """The shop as seeded: every round meets the same account, not one grown by the last.

        The agent reads the shop's list of open requests, row by row, before sending
        one: on a shop keeping every earlier round's cases its calls grow round after
        round. Shop sessions go too, so the floor signs in again.
        """
        self.shop.reset()
        self._floor_session = None

    def new_order(self) -> str:
        number = self.numbers.take()
        self.shop.add_order(REGION, EMAIL, number, "Processing")
        return number

    def new_data_dir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="data-", dir=self.scratch))

    def floor_session(self) -> Path:
        """The floor's saved session: signed in once, by the floor script, not measured."""
        if self._floor_session is None:
            storage = self.scratch / "floor-session.json"
            # measure() also stops and reaps whatever the sign-in left running.
            signed_in = measure(
                [sys.executable, *floor_args(self.site_url, storage, [])],
                env=base_environment(self.browser),
                cwd=self.scratch / "cwd",
                label="floor-sign-in",
                timeout_s=ONE_SHOT_TIMEOUT_S,
            )
            if signed_in.exit_code != EXIT_OK or not storage.is_file():
                raise RuntimeError(_describe_failure(signed_in, "the floor could not sign in"))
            self._floor_session = storage
        return self._floor_session

    def _case_of(self, number: str) -> str | None:
        cases = [case for case in self.shop.inbox(REGION) if case["order"] == number]
        return str(cases[0]["case"]) if len(cases) == 1 else None

    def _measure(
        self, kind: str, argv: list[str], env: dict[str, str], timeout_s: float
    ) -> tuple[Measurement, int]:
        before = self.browser.launches()
        measurement = measure(
            argv,
            env=env,
            cwd=self.scratch / "cwd",
            label=kind,
            timeout_s=timeout_s,
            interval_s=self.interval_s,
        )
        return measurement, self.browser.launches() - before

    def _probed(
        self, kind: str, target: str, arguments: list[str], env: dict[str, str], timeout_s: float
    ) -> tuple[Measurement, int, dict[str, Any]]:
        """Measure ``target`` under bench.probe; its breakdown with the shop's requests."""
        report = self.reports / f"{kind}.json"
        report.unlink(missing_ok=True)
        mark = self.shop_log.mark()
        measurement, launches = self._measure(
            kind, probed(report, target, arguments), env, timeout_s
        )
        parts = breakdown(measurement, read_probe(report), self.shop_log.since(mark))
        return measurement, launches, parts

    # -- the runs ------------------------------------------------------------------------
    def _scripted(self, kind: str, arguments: list[str], numbers: list[str], who: str) -> Run:
        measurement, launches, parts = self._probed(
            kind, arguments[0], arguments[1:], base_environment(self.browser), BATCH_TIMEOUT_S
        )
        answer = _json_object(measurement.stdout) or {}
        answers = answer.get("orders") if len(numbers) > 1 else [answer]
        references = [item.get("reference") for item in answers or [] if isinstance(item, dict)]
        problem = None
        if measurement.exit_code != EXIT_OK or references != [self._case_of(n) for n in numbers]:
            problem = _describe_failure(measurement, f"{who} did not file the cancellations")
        return Run(kind, measurement, launches, len(numbers), problem, breakdown=parts)

    def script(self, size: int = 1) -> Run:
        """The hand-written script: one order, or ``size`` orders signed in once."""
        numbers = [self.new_order() for _ in range(size)]
        kind = "script" if size == 1 else "script_batch"
        return self._scripted(kind, handwritten_args(self.site_url, numbers), numbers, "the script")

    def floor(self, size: int = 1) -> Run:
        """The floor: saved session, order page, contact form, submit (per order)."""
        storage = self.floor_session()
        numbers = [self.new_order() for _ in range(size)]
        kind = "floor" if size == 1 else "floor_batch"
        arguments = floor_args(self.site_url, storage, numbers)
        return self._scripted(kind, arguments, numbers, "the floor")

    def duties(self, saved_session: bool) -> Run:
        """The floor with the agent's duties: a first run (from the home page) or a second
        one (the floor's saved session)."""
        storage = self.floor_session() if saved_session else None
        number = self.new_order()
        kind = "duties_second" if saved_session else "duties_fresh"
        arguments = duties_args(self.site_url, storage, number)
        return self._scripted(kind, arguments, [number], "the floor with duties")

    def agent_cancel(self, kind: str, data_dir: Path) -> Run:
        number = self.new_order()
        env = agent_environment(self.browser, self.site_url, data_dir, self.secrets_dir)
        measurement, launches, parts = self._probed(
            kind, AGENT, cancel_args(number), env, ONE_SHOT_TIMEOUT_S
        )
        answer = _json_object(measurement.stdout) or {}
        problem = None
        filed = answer.get("action") == "cancellation_requested"
        if measurement.exit_code != EXIT_OK or not filed:
            problem = _describe_failure(measurement, "the agent did not request the cancellation")
        elif answer.get("reference") != self._case_of(number):
            problem = f"the agent's case {answer.get('reference')} is not the shop's for {number}"
        return Run(kind, measurement, launches, problem=problem, breakdown=parts)

    def track(self, data_dir: Path, size: int) -> tuple[list[str], float]:
        """``order-agent add`` for ``size`` fresh orders; their numbers and the slowest add."""
        env = agent_environment(self.browser, self.site_url, data_dir, self.secrets_dir)
        numbers = [self.new_order() for _ in range(size)]
        slowest = 0.0
        for number in numbers:
            added = measure(
                add_argv(number), env=env, cwd=self.scratch / "cwd", label="add", timeout_s=60
            )
            if added.exit_code != EXIT_OK:
                raise RuntimeError(_describe_failure(added, f"order-agent add {number} failed"))
            slowest = max(slowest, added.wall_s)
        return numbers, slowest

    def batch(self, data_dir: Path, size: int) -> Run:
        numbers, slowest_add = self.track(data_dir, size)
        env = agent_environment(self.browser, self.site_url, data_dir, self.secrets_dir)
        measurement, launches, parts = self._probed(
            "batch", AGENT, run_args(), env, BATCH_TIMEOUT_S
        )
        answer = _json_object(measurement.stdout) or {}
        checked = answer.get("orders") or []
        requested = [o for o in checked if o.get("action") == "cancellation_requested"]
        filed = [number for number in numbers if self._case_of(number) is not None]
        problem = None
        if measurement.exit_code not in (EXIT_OK, EXIT_TRY_LATER):
            problem = _describe_failure(measurement, "order-agent run failed")
        elif len(requested) != size or len(filed) != size:
            problem = _describe_failure(
                measurement,
                f"order-agent run requested {len(requested)} and the shop got {len(filed)} "
                f"cancellations, not {size}",
            )
        extra = {"slowest_add_s": round(slowest_add, 4)}
        return Run("batch", measurement, launches, size, problem, extra=extra, breakdown=parts)

    def idle(self, data_dir: Path) -> Run:
        env = agent_environment(self.browser, self.site_url, data_dir, self.secrets_dir)
        mark = self.shop_log.mark()
        measurement, launches = self._measure("idle", run_argv(), env, ONE_SHOT_TIMEOUT_S)
        answer = _json_object(measurement.stdout)
        problem = None
        if measurement.exit_code not in (EXIT_OK, EXIT_TRY_LATER) or answer is None:
            problem = _describe_failure(measurement, "order-agent run (idle) failed")
        elif answer.get("orders"):
            problem = f"order-agent run checked {len(answer['orders'])} orders: something was due"
        parts = breakdown(measurement, None, self.shop_log.since(mark))
        return Run("idle", measurement, launches, orders=0, problem=problem, breakdown=parts)


def scheduled_commands_available() -> bool:
    """Whether this order-agent has ``add`` and ``run`` (scheduled mode) yet."""
    for command in ("add", "run"):
        finished = subprocess.run(
            [*agent_executable(), command, "--help"], capture_output=True, check=False
        )
        if finished.returncode != 0:
            return False
    return True
