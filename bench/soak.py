"""The soak: many agent runs against a hostile shop, with the CPU busy, then a report.

    make soak                                    # = python -m bench.soak --runs 200
    python -m bench.soak --runs 20 --workers 2   # quicker
    python -m bench.soak --seeds 1017,1042       # replay the runs of these seeds

Every run gets a **fresh shop state** (``reset()``), a **fresh chaos seed**
(``fixtures.chaos``: overlays, latency, one failed GET, an expired session,
hydration), a **fresh order** and a **fresh data dir**. The scenario and the
region (US or UK) come from the seed too, so a seed replays a run exactly as far
as the shop is concerned. Two busy-loop CPU hogs run for the whole soak (started
here, ended by their pids in a ``finally``).

Scenarios and what counts as the *expected* end of each (anything else is
*unexpected* and listed with its seed and evidence):

* ``status``: ``order-agent status N --json`` on a processing order: exit 0 and
  the JSON says ``processing``;
* ``cancel_request``: ``order-agent cancel N --json`` on a processing order:
  exit 0, ``cancellation_requested``, and exactly one case for N in the shop's inbox;
* ``cancel_return``: ``order-agent cancel N --json`` on a delivered order: exit 0,
  ``return_started`` with a label, exactly one return for N on the shop;
* status traps: about half the runs' order pages carry one
  (``fixtures.status_traps.soak_trap``, drawn from the seed): the status in another
  place (a badge, a tracker, a history table, a late fill) among legends, other orders,
  promises and filters. The run is judged as its scenario, and a status said that is
  not the order's counts as a *wrong status* (reported, never expected); a tracker with
  no current step must end in exit 3 with nothing sent.
* layouts: about half the runs without a trap take a layout of another platform
  (``fixtures.structures.soak_structure``: the order list, the status's place, the
  contact form, the return kind, the items, the page root); a return that is a request
  ends with one request per item and no label.
* ``scheduled``: ``order-agent add N`` then passes of ``order-agent run --json``
  (the shop's clock moved 90 minutes between passes, so the shop handles the
  request, and the order made due again, as the timer would after ``--every``):
  every pass exits 0 or 75, and within :data:`MAX_PASSES` passes one exits 0 with
  the order ended ``cancelled`` and exactly one case in the inbox.

For the one-shot scenarios, exit 75 ("try again later") is accepted only when the
run's injected GET failure (503 or dropped connection) really fired, and only if
running the same command again, in the same data dir, then ends as expected with
no duplicate: a person told "try again later" who does so is served. Exit 3
("a person has to step in") and exit 1 are never expected under chaos: nothing
the chaos does needs a person. A run killed for outlasting
:data:`RUN_TIMEOUT_S` is unexpected.

Duplicates are counted from the shop's own records (inbox cases with a
cancellation topic, returns) per order, whatever the agent said.

The report (counts by scenario and exit, unexpected runs with seed, chaos plan,
fired events and evidence, duplicates, p50/p95 wall time per command) is written
to ``bench/results/soak.md`` and ``bench/results/soak.json`` and printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.commands import EMAIL, NAME, PASSWORD, agent_executable
from fixtures.server import ShopServer
from fixtures.status_traps import Trap, soak_trap
from fixtures.structures import Structure, soak_structure

SCENARIOS = ("status", "cancel_request", "cancel_return", "scheduled")
REGIONS = ("us", "uk")
DEFAULT_RUNS = 200
DEFAULT_SEED_BASE = 1000
MAX_PASSES = 6
RETURNED_ITEMS = ("Canvas Weekender Bag", "Leather Card Case")  # the cancel_return order's
RUN_TIMEOUT_S = 240.0
SHOP_HANDLES_REQUEST_MIN = 90  # the warehouse answers a cancellation request after 60 min
# How far the soak moves the agent's pending-submit marks back between passes, so a
# pass sees an unresolved submit as old enough to look into (the scheduler waits 5 min).
TIME_PASSES_BETWEEN_PASSES = timedelta(minutes=10)
RESULTS = Path(__file__).resolve().with_name("results")
EXIT_NAMES = {0: "done", 1: "error", 2: "usage", 3: "needs a human", 75: "try again later"}
HOG_CODE = "while True:\n    pass\n"


# -- one command -----------------------------------------------------------------------------
@dataclass
class CommandRun:
    argv: list[str]
    exit_code: int  # -9: killed after RUN_TIMEOUT_S
    wall_s: float
    stdout: str
    stderr: str

    @property
    def json(self) -> dict[str, object]:
        """The last JSON object the command printed on stdout ({} if none)."""
        for line in reversed(self.stdout.strip().splitlines()):
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    return value
        return {}

    def evidence(self) -> str:
        """What a person reads first: the JSON line, then the last error lines of the log."""
        lines = [line for line in self.stderr.strip().splitlines() if line.strip()]
        errors = [line for line in lines if '"error"' in line or '"warning"' in line] or lines
        stdout = self.stdout.strip().splitlines()
        shown = [f"exit {self.exit_code} after {self.wall_s:.1f}s: {' '.join(self.argv[-3:])}"]
        if stdout:
            shown.append(f"stdout: {stdout[-1][:1500]}")
        shown.extend(f"stderr: {line[:400]}" for line in errors[-3:])
        return "\n".join(shown)


def run_command(argv: Sequence[str], env: dict[str, str], cwd: Path) -> CommandRun:
    """Run one agent command to its end (or kill its whole process group at the time-out)."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        process = subprocess.Popen(
            list(argv), env=env, cwd=cwd, stdout=out, stderr=err, start_new_session=True
        )
        try:
            code = process.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = -9
        finally:
            # Anything the agent left behind in its session (a browser) goes with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return CommandRun(list(argv), code, wall, stdout, stderr[-20_000:])


# -- one soak run ----------------------------------------------------------------------------
@dataclass
class SoakRun:
    seed: int
    scenario: str
    region: str
    order: str
    commands: list[CommandRun] = field(default_factory=list)
    expected: bool = False
    why: str = ""
    duplicates: int = 0
    chaos: dict[str, object] = field(default_factory=dict)
    # The status trap its order page carried (fixtures.status_traps), if any; whether the
    # agent said a status that was not the order's, and whether it acted on one.
    trap: Trap | None = None
    structure: Structure | None = None  # fixtures.structures: the shop's layout, if drawn
    wrong_status: bool = False
    acted_on_wrong_status: bool = False

    @property
    def exit_code(self) -> int:
        """The exit of the run's last command (for ``scheduled``: its last pass)."""
        return self.commands[-1].exit_code if self.commands else -1

    @property
    def retried(self) -> bool:
        """A one-shot that said "try again later" and was run again."""
        return self.scenario != "scheduled" and len(self.commands) > 1

    @property
    def exits(self) -> list[int]:
        return [command.exit_code for command in self.commands]

    def summary(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "scenario": self.scenario,
            "region": self.region,
            "order": self.order,
            "exits": self.exits,
            "expected": self.expected,
            "why": self.why,
            "duplicates": self.duplicates,
            "trap": _trap_words(self.trap),
            "structure": self.structure.name if self.structure else None,
            "wrong_status": self.wrong_status,
            "acted_on_wrong_status": self.acted_on_wrong_status,
            "wall_s": [round(command.wall_s, 2) for command in self.commands],
            "chaos": self.chaos.get("description"),
            "chaos_events": self.chaos.get("events"),
            "evidence": [command.evidence() for command in self.commands if command.exit_code]
            if not self.expected or self.retried
            else [],
        }


def plan_for(seed: int) -> tuple[str, str]:
    """The scenario and region of a seed (drawn apart from the shop's chaos plan)."""
    rng = random.Random(f"soak-{seed}")
    return rng.choice(SCENARIOS), rng.choice(REGIONS)


def agent_env(site_url: str, data_dir: Path, secrets_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDER_AGENT_")}
    env.update(
        {
            "ORDER_AGENT_SITE_URL": site_url,
            "ORDER_AGENT_EMAIL": EMAIL,
            "ORDER_AGENT_PASSWORD": PASSWORD,
            "ORDER_AGENT_NAME": NAME,
            "ORDER_AGENT_DATA_DIR": str(data_dir),
            "ORDER_AGENT_SECRETS_DIR": str(secrets_dir),
            "ORDER_AGENT_LOG_FORMAT": "json",
            "ORDER_AGENT_LOG_LEVEL": "info",
        }
    )
    return env


class Soak:
    """Runs seeds on one shop of its own (one per worker); each run starts from a reset."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.shop = ShopServer(control=False, clock_speed=0.0).start()

    def close(self) -> None:
        self.shop.stop()

    def run(self, seed: int) -> SoakRun:
        scenario, region = plan_for(seed)
        order = str(80_000 + seed % 10_000)
        canonical = "delivered" if scenario == "cancel_return" else "processing"
        trap = soak_trap(seed, region, canonical, may_stop=scenario != "scheduled")
        structure = soak_structure(seed, region) if trap is None else None
        self.shop.reset()
        if trap is not None:
            # The same store, its order page laid out with status words around its own.
            self.shop.add_region(trap.region())
            region = trap.prefix
        elif structure is not None:
            # The same store laid out as another platform lays it out.
            laid_out = structure.region(prefix=f"laid-out-{seed}")
            self.shop.add_region(laid_out)
            region = laid_out.prefix
        if scenario == "cancel_return":
            items = [{"name": name} for name in RETURNED_ITEMS]
            self.shop.add_order(region, EMAIL, order, "delivered", items=items)
        else:
            self.shop.add_order(region, EMAIL, order, "processing")
        self.shop.set_chaos(seed)
        run = SoakRun(
            seed=seed,
            scenario=scenario,
            region=region,
            order=order,
            trap=trap,
            structure=structure,
        )
        folder = Path(tempfile.mkdtemp(prefix=f"seed-{seed}-", dir=self.work))
        secrets_dir = folder / "no-secrets"
        secrets_dir.mkdir()
        env = agent_env(self.shop.region_url(region), folder / "data", secrets_dir)
        try:
            if scenario == "scheduled":
                self._scheduled(run, env, folder)
            else:
                self._one_shot(run, env, folder)
        finally:
            run.chaos = self.shop.chaos_report() or {}
            run.duplicates = self._duplicates(run)
            if run.duplicates and run.expected:
                run.expected = False
                run.why = f"{run.duplicates} duplicate submission(s) on the shop"
        return run

    # -- scenarios ---------------------------------------------------------------------------
    def _one_shot(self, run: SoakRun, env: dict[str, str], cwd: Path) -> None:
        verb = "status" if run.scenario == "status" else "cancel"
        argv = [*agent_executable(), verb, run.order, "--json"]
        first = run_command(argv, env, cwd)
        run.commands.append(first)
        ok, why = self._judge_one_shot(run, first)
        if ok:
            run.expected, run.why = True, "done"
            return
        fired = self._injected_failure_fired()
        if first.exit_code == 75 and fired:
            again = run_command(argv, env, cwd)
            run.commands.append(again)
            ok, why_again = self._judge_one_shot(run, again)
            run.expected = ok
            run.why = (
                "75 after an injected failure, then done on the second try"
                if ok
                else f"75 after an injected failure, and the second try: {why_again}"
            )
            return
        run.why = why

    def _judge_one_shot(self, run: SoakRun, command: CommandRun) -> tuple[bool, str]:
        if command.exit_code == -9:
            return False, f"killed after {RUN_TIMEOUT_S:.0f}s"
        said = command.json.get("status") if command.json else None
        right = "delivered" if run.scenario == "cancel_return" else "processing"
        if run.trap is not None and run.trap.stops:
            # The page does not say which step is current: the agent must stop, send nothing.
            sent = len(self._cases(run)) + len(self._returns(run))
            if said not in (None, "unknown"):
                run.wrong_status = True
                run.acted_on_wrong_status = sent > 0
            ok = command.exit_code == 3 and said == "unknown" and sent == 0
            return ok, "stopped (exit 3), nothing sent" if ok else (
                f"exit {command.exit_code}, status {said!r}, {sent} sent: the page says none"
            )
        if said not in (None, "unknown", right):
            run.wrong_status = True
            run.acted_on_wrong_status = command.json.get("action") not in (None, "none")
            return False, f"status {said!r}, the order is {right}"
        if command.exit_code != 0:
            return False, f"exit {command.exit_code} ({EXIT_NAMES.get(command.exit_code, '?')})"
        result = command.json
        if run.scenario == "status":
            if result.get("status") != "processing":
                return False, f"status {result.get('status')!r}, the shop says processing"
            return True, "done"
        if run.scenario == "cancel_request":
            cases = self._cases(run)
            if result.get("action") != "cancellation_requested" or len(cases) != 1:
                return False, f"action {result.get('action')!r}, {len(cases)} case(s) on the shop"
            return True, "done"
        returns = self._returns(run)
        if run.structure is not None and run.structure.return_kind == "request":
            # A request per returnable item, answered with no number and no label.
            asked = sorted(str(item) for r in returns for item in r.get("items") or [])
            if result.get("action") != "return_started" or result.get("label"):
                return False, f"action {result.get('action')!r}, label {result.get('label')!r}"
            if asked != sorted(RETURNED_ITEMS):
                return False, f"requested {asked}, the order has {sorted(RETURNED_ITEMS)}"
            return True, "done"
        if result.get("action") not in ("return_started", "label_downloaded") or not result.get(
            "label"
        ):
            return False, f"action {result.get('action')!r}, label {result.get('label')!r}"
        if len(returns) != 1:
            return False, f"{len(returns)} return(s) on the shop"
        return True, "done"

    def _scheduled(self, run: SoakRun, env: dict[str, str], cwd: Path) -> None:
        # Tracking only (no look-up): the scheduled passes are what the soak measures.
        add = run_command([*agent_executable(), "add", run.order, "--no-check", "--json"], env, cwd)
        if add.exit_code != 0:
            run.commands.append(add)
            run.why = f"add: exit {add.exit_code}"
            return
        data_dir = Path(env["ORDER_AGENT_DATA_DIR"])
        for number in range(1, MAX_PASSES + 1):
            if number > 1:
                self.shop.advance(minutes=SHOP_HANDLES_REQUEST_MIN)
                _let_time_pass(data_dir)
            command = run_command([*agent_executable(), "run", "--json"], env, cwd)
            run.commands.append(command)
            if command.exit_code not in (0, 75):
                run.why = f"pass {number}: exit {command.exit_code}"
                return
            if command.exit_code == 0:
                status = self.shop.order_status(run.region, run.order)["canonical"]
                end = _end_state(data_dir, run.order)
                cases = self._cases(run)
                run.expected = end == "cancelled" and status == "cancelled" and len(cases) == 1
                run.why = (
                    f"done after {number} pass(es)"
                    if run.expected
                    else f"pass {number}: ended {end!r}, shop says {status}, {len(cases)} case(s)"
                )
                return
        run.why = f"still waiting after {MAX_PASSES} passes"

    # -- what the shop saw -------------------------------------------------------------------
    def _cases(self, run: SoakRun) -> list[dict[str, object]]:
        return [
            case
            for case in self.shop.inbox(run.region)
            if str(case.get("order") or "").endswith(run.order)
        ]

    def _returns(self, run: SoakRun) -> list[dict[str, object]]:
        return [
            record
            for record in self.shop.returns(run.region)
            if str(record.get("order") or "").endswith(run.order)
        ]

    def _duplicates(self, run: SoakRun) -> int:
        # An item returned twice is a duplicate (a request-kind return asks once per item).
        items = Counter(str(item) for r in self._returns(run) for item in r.get("items") or [])
        returned_twice = sum(count - 1 for count in items.values())
        if run.structure is None or run.structure.return_kind != "request":
            returned_twice = max(len(self._returns(run)) - 1, 0)
        return max(len(self._cases(run)) - 1, 0) + returned_twice

    def _injected_failure_fired(self) -> bool:
        report = self.shop.chaos_report() or {}
        events = report.get("events") or []
        return any(
            str(event.get("what", "")).startswith(("5xx on GET", "drop on GET"))
            for event in events  # type: ignore[union-attr]
        )


def _trap_words(trap: Trap | None) -> str | None:
    if trap is None:
        return None
    late = f", filled in {trap.late_ms} ms late" if trap.late_ms else ""
    return f"{trap.place} among {', '.join(trap.decoys) or 'nothing'}{late}"


def _let_time_pass(data_dir: Path) -> None:
    """Between passes, what the wait for the next timer would do: the order is due, and
    a submit still marked pending looks as old as it would after ``--every``.

    The soak cannot wait real minutes; it moves the ledger's marks instead (its own
    SQLite file, while no agent is running).
    """
    path = data_dir / "ledger.sqlite3"
    now = datetime.now(UTC)
    shift = TIME_PASSES_BETWEEN_PASSES.total_seconds()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "UPDATE orders SET next_due_at = ? "
            "WHERE end_state = 'none' AND next_due_at IS NOT NULL",
            (now.isoformat(),),
        )
        rows = conn.execute(
            "SELECT id, started_at FROM intents WHERE state IN ('open', 'uncertain')"
        ).fetchall()
        for intent_id, started_at in rows:
            earlier = datetime.fromisoformat(started_at) - timedelta(seconds=shift)
            conn.execute(
                "UPDATE intents SET started_at = ? WHERE id = ?", (earlier.isoformat(), intent_id)
            )


def _end_state(data_dir: Path, order: str) -> str | None:
    with contextlib.closing(sqlite3.connect(data_dir / "ledger.sqlite3")) as conn:
        row = conn.execute(
            "SELECT end_state FROM orders WHERE number LIKE ? ORDER BY id DESC", (f"%{order}",)
        ).fetchone()
    return row[0] if row else None


# -- CPU hogs --------------------------------------------------------------------------------
@contextlib.contextmanager
def cpu_hogs(count: int) -> Iterator[list[int]]:
    """``count`` busy loops for as long as the block runs; each killed by its pid after."""
    hogs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            hogs.append(subprocess.Popen([sys.executable, "-c", HOG_CODE]))
        yield [hog.pid for hog in hogs]
    finally:
        for hog in hogs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(hog.pid, signal.SIGKILL)
            hog.wait()


# -- the whole soak --------------------------------------------------------------------------
@dataclass
class SoakReport:
    runs: list[SoakRun]
    wall_s: float
    hogs: int
    workers: int
    started_at: str
    hog_pids: list[int] = field(default_factory=list)

    @property
    def unexpected(self) -> list[SoakRun]:
        return [run for run in self.runs if not run.expected]

    @property
    def duplicates(self) -> int:
        return sum(run.duplicates for run in self.runs)

    @property
    def trapped(self) -> list[SoakRun]:
        return [run for run in self.runs if run.trap is not None]

    @property
    def wrong_statuses(self) -> int:
        return sum(run.wrong_status for run in self.runs)

    @property
    def actions_on_wrong_status(self) -> int:
        return sum(run.acted_on_wrong_status for run in self.runs)

    def exits_by_kind(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for run in self.runs:
            for code in run.exits:
                counts[f"{run.scenario} exit {code} ({EXIT_NAMES.get(code, 'killed')})"] += 1
        return dict(sorted(counts.items()))

    def times(self) -> dict[str, dict[str, float]]:
        by_kind: dict[str, list[float]] = {}
        for run in self.runs:
            for command in run.commands:
                verb = command.argv[len(agent_executable())]
                by_kind.setdefault(f"{verb} ({run.scenario})", []).append(command.wall_s)
        return {
            verb: {
                "n": len(walls),
                "p50_s": _percentile(walls, 50),
                "p95_s": _percentile(walls, 95),
            }
            for verb, walls in sorted(by_kind.items())
        }

    def to_json(self) -> dict[str, object]:
        return {
            "started_at": self.started_at,
            "runs": len(self.runs),
            "unexpected": len(self.unexpected),
            "duplicates": self.duplicates,
            "status_traps": len(self.trapped),
            "wrong_statuses": self.wrong_statuses,
            "actions_on_wrong_status": self.actions_on_wrong_status,
            "wall_s": round(self.wall_s, 1),
            "cpu_hogs": self.hogs,
            "cpu_hog_pids": self.hog_pids,
            "workers": self.workers,
            "scenarios": dict(Counter(run.scenario for run in self.runs)),
            "exits_by_kind": self.exits_by_kind(),
            "times": self.times(),
            "each": [run.summary() for run in self.runs],
        }

    def markdown(self) -> str:
        lines = [
            f"# Soak report ({self.started_at})",
            "",
            f"{len(self.runs)} runs, {self.workers} worker(s), {self.hogs} CPU hogs, "
            f"{os.cpu_count()} CPUs, {self.wall_s / 60:.1f} min. "
            f"**Unexpected: {len(self.unexpected)}. Duplicate submissions: {self.duplicates}.**",
            "",
            f"Status traps on {len(self.trapped)} of the order pages: "
            f"**wrong statuses {self.wrong_statuses}, actions on a wrong status "
            f"{self.actions_on_wrong_status}.**",
            "",
            "| scenario | runs | expected |",
            "|---|---|---|",
        ]
        for scenario in SCENARIOS:
            mine = [run for run in self.runs if run.scenario == scenario]
            if mine:
                expected = sum(run.expected for run in mine)
                lines.append(f"| {scenario} | {len(mine)} | {expected} |")
        lines += ["", "| exits by kind (every command) | count |", "|---|---|"]
        lines += [f"| {kind} | {count} |" for kind, count in self.exits_by_kind().items()]
        lines += ["", "| command | n | p50 s | p95 s |", "|---|---|---|---|"]
        lines += [
            f"| {verb} | {t['n']:.0f} | {t['p50_s']:.1f} | {t['p95_s']:.1f} |"
            for verb, t in self.times().items()
        ]
        lines += ["", "## Accepted 'try again later' (exit 75, then done on the second try)", ""]
        retried = [run for run in self.runs if run.expected and run.retried]
        if not retried:
            lines.append("None.")
        for run in retried:
            first = run.commands[0]
            lines.append(
                f"- seed {run.seed} {run.scenario}/{run.region}: "
                f"{first.json.get('message') or first.evidence().splitlines()[-1]} "
                f"(fired: {[event.get('what') for event in run.chaos.get('events') or []]})"  # type: ignore[union-attr]
            )
        lines += ["", "## Unexpected runs", ""]
        if not self.unexpected:
            lines.append("None.")
        for run in self.unexpected:
            lines += [
                f"### seed {run.seed}: {run.scenario} ({run.region}), order {run.order}: {run.why}",
                "",
                f"- exits: {run.exits}; duplicates: {run.duplicates}",
                f"- {run.chaos.get('description', 'no chaos report')}",
                f"- fired: {[event.get('what') for event in run.chaos.get('events') or []]}",  # type: ignore[union-attr]
                f"- replay: `python -m bench.soak --seeds {run.seed}`",
                "",
                "```",
                *(command.evidence() for command in run.commands),
                "```",
                "",
            ]
        return "\n".join(lines) + "\n"


def _percentile(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 2)


def run_soak(
    seeds: Sequence[int],
    *,
    workers: int = 1,
    hogs: int = 2,
    on_run: object = None,
) -> SoakReport:
    """Run every seed (on ``workers`` shops at once) under ``hogs`` CPU hogs."""
    started = time.perf_counter()
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    pending = list(seeds)
    results: dict[int, SoakRun] = {}
    lock = threading.Lock()

    def worker(work: Path) -> None:
        soak = Soak(work)
        try:
            while True:
                with lock:
                    if not pending:
                        return
                    seed = pending.pop(0)
                run = soak.run(seed)
                with lock:
                    results[seed] = run
                    if callable(on_run):
                        on_run(run, len(results), len(seeds))
        finally:
            soak.close()

    with (
        tempfile.TemporaryDirectory(prefix="order-agent-soak-") as work,
        cpu_hogs(hogs) as hog_pids,
    ):
        threads = [
            threading.Thread(target=worker, args=(Path(work),), name=f"soak-{index}")
            for index in range(max(1, workers))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    runs = [results[seed] for seed in seeds if seed in results]
    return SoakReport(
        runs, time.perf_counter() - started, hogs, max(1, workers), started_at, hog_pids
    )


def _progress(run: SoakRun, done: int, total: int) -> None:
    mark = "ok" if run.expected else "UNEXPECTED"
    print(
        f"[{done}/{total}] seed {run.seed} {run.scenario}/{run.region}: exits {run.exits} {mark}"
        + ("" if run.expected else f" ({run.why}; {run.chaos.get('description')})"),
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description="Agent runs against the chaos shop with two CPU hogs, then a report "
        "(exits by kind, unexpected runs with seeds, duplicates, p50/p95).",
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="how many runs (200)")
    parser.add_argument(
        "--seed-base", type=int, default=DEFAULT_SEED_BASE, help="first seed (1000)"
    )
    parser.add_argument("--seeds", help="comma-separated seeds to replay instead of --runs")
    parser.add_argument("--workers", type=int, default=2, help="runs at once (2)")
    parser.add_argument("--hogs", type=int, default=2, help="busy-loop CPU hogs (2)")
    parser.add_argument(
        "--report", type=Path, default=RESULTS / "soak.md", help="where to write the report"
    )
    args = parser.parse_args(argv)
    if args.seeds:
        seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    else:
        seeds = list(range(args.seed_base, args.seed_base + args.runs))
    report = run_soak(seeds, workers=args.workers, hogs=args.hogs, on_run=_progress)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report.markdown())
    args.report.with_suffix(".json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    print(report.markdown())
    print(f"report: {args.report} (and {args.report.with_suffix('.json').name})")
    return 0 if not report.unexpected and not report.duplicates else 1


if __name__ == "__main__":
    raise SystemExit(main())
