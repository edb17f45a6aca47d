"""``python -m bench.timeline``: where one ``order-agent cancel`` spends its time, call by call.

Starts the fixture shop, then runs ``order-agent cancel`` twice in one data dir
(fresh, then second run) with every Playwright call timed and attributed to the
project line that made it, and prints, for each run: the calls that took at
least ``--min-ms``, in order, and the total per calling line. With ``--batch N``
it times one ``order-agent run`` of N tracked orders instead (added with
``--no-check``, not timed); the tabs' calls overlap, so read counts there more
than durations.

A diagnostic for people, not a measurement: it patches Playwright's private
``SyncBase._sync`` (every sync API call goes through it), so a Playwright upgrade
may break it, and the timing adds a little to every call.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUTPUT_ENV = "BENCH_TIMELINE_OUTPUT"
MIN_MS_ENV = "BENCH_TIMELINE_MIN_MS"
PAST_ENV = "BENCH_TIMELINE_PAST"
PROJECT_FOLDERS = ("agent/", "flows/", "bench/handwritten.py")


@dataclass(frozen=True)
class Call:
    start_s: float
    duration_s: float
    name: str
    caller: str


def _project_caller() -> str:
    """The innermost project line on the stack (past the files of ``--past``): what the
    agent was doing."""
    past = tuple(filter(None, os.environ.get(PAST_ENV, "").split(",")))
    for frame in reversed(traceback.extract_stack(limit=60)):
        relative = frame.filename.removeprefix(f"{REPO}/")
        if relative in past:
            continue
        if relative != frame.filename and relative.startswith(PROJECT_FOLDERS):
            return f"{relative}:{frame.lineno} {frame.name}"
    return ""


def _instrument(calls: list[Call], origin: float) -> None:
    from playwright._impl import _sync_base
    from playwright.sync_api import _context_manager

    original_sync = _sync_base.SyncBase._sync

    def timed_sync(self: Any, coroutine: Any) -> Any:
        caller, started = _project_caller(), time.perf_counter()
        try:
            return original_sync(self, coroutine)
        finally:
            name = getattr(coroutine, "__qualname__", type(coroutine).__name__)
            calls.append(Call(started - origin, time.perf_counter() - started, name, caller))

    def timed(method: Callable[..., Any], name: str) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args)
            finally:
                calls.append(Call(started - origin, time.perf_counter() - started, name, ""))

        return wrapper

    manager = _context_manager.PlaywrightContextManager
    _sync_base.SyncBase._sync = timed_sync  # type: ignore[method-assign]
    manager.__enter__ = timed(manager.__enter__, "start the Playwright driver")  # type: ignore[method-assign]
    manager.__exit__ = timed(manager.__exit__, "stop the Playwright driver")  # type: ignore[method-assign]


def _report(calls: Sequence[Call], total_s: float, min_ms: float) -> str:
    lines = [f"total {total_s:.3f} s, {len(calls)} Playwright calls"]
    lines.append(f"-- calls of {min_ms:g} ms or more, in order: start s, took s, call, from")
    for call in calls:
        if call.duration_s * 1000 >= min_ms:
            lines.append(
                f"{call.start_s:7.3f} {call.duration_s:6.3f}  {call.name:<44} {call.caller}"
            )
    by_line: dict[str, list[float]] = collections.defaultdict(list)
    for call in calls:
        by_line[call.caller or call.name].append(call.duration_s)
    lines.append("-- per calling line: total s, calls, line")
    ranked = sorted(by_line.items(), key=lambda item: -sum(item[1]))
    for where, durations in ranked[:25]:
        lines.append(f"{sum(durations):6.3f} {len(durations):4d}x  {where}")
    return "\n".join(lines)


def child(argv: Sequence[str]) -> int:
    """Inside the measured process: instrument, run ``order-agent ARGV``, write the report."""
    origin = time.perf_counter()
    calls: list[Call] = []
    _instrument(calls, origin)
    imported = time.perf_counter()
    from agent.cli import main

    calls.append(Call(imported - origin, time.perf_counter() - imported, "import agent.cli", ""))
    try:
        return main(list(argv))
    finally:
        report = _report(calls, time.perf_counter() - origin, float(os.environ[MIN_MS_ENV]))
        Path(os.environ[OUTPUT_ENV]).write_text(report + "\n")


def parent(min_ms: float, batch: int, past: str = "") -> int:
    from bench.commands import EMAIL, REGION, BrowserWrapper, agent_environment
    from fixtures.server import ShopServer

    with (
        tempfile.TemporaryDirectory(prefix="order-agent-timeline-") as folder,
        ShopServer(port=0, clock_speed=0.0) as shop,
    ):
        scratch = Path(folder)
        browser = BrowserWrapper.create(scratch / "browser")
        (scratch / "no-secrets").mkdir()
        env = agent_environment(
            browser, shop.region_url(REGION), scratch / "data", scratch / "no-secrets"
        )
        env.update({"PYTHONPATH": str(REPO), MIN_MS_ENV: str(min_ms), PAST_ENV: past})
        runs: list[tuple[str, list[str], set[int]]] = []
        if batch:
            numbers = [str(90001 + index) for index in range(batch)]
            for number in numbers:
                shop.add_order(REGION, EMAIL, number, "Processing")
                subprocess.run(
                    [sys.executable, "-m", "agent", "add", number, "--no-check"],
                    env=env,
                    cwd=scratch,
                    capture_output=True,
                    check=True,
                )
            runs.append((f"run, {batch} tracked orders", ["run", "--json"], {0, 75}))
        else:
            for title, number in (("fresh data dir", "90001"), ("second run", "90002")):
                shop.add_order(REGION, EMAIL, number, "Processing")
                runs.append((f"cancel, {title}", ["cancel", number, "--json"], {0}))
        for index, (title, arguments, succeeded) in enumerate(runs):
            env[OUTPUT_ENV] = str(scratch / f"timeline-{index}.txt")
            command = [sys.executable, "-m", "bench.timeline", "--child", *arguments]
            started = time.perf_counter()
            finished = subprocess.run(command, env=env, cwd=scratch, capture_output=True, text=True)
            wall = time.perf_counter() - started
            print(f"=== order-agent {title}: {wall:.2f} s wall, exit {finished.returncode}")
            print(Path(env[OUTPUT_ENV]).read_text())
            if finished.returncode not in succeeded:
                print(finished.stderr[-2000:], file=sys.stderr)
                return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--child"]:
        return child(arguments[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.timeline", description=__doc__)
    parser.add_argument("--min-ms", type=float, default=40.0, help="show calls this long (40)")
    parser.add_argument(
        "--batch", type=int, default=0, help="time one `run` of this many tracked orders instead"
    )
    parser.add_argument(
        "--past",
        default="",
        metavar="FILES",
        help="attribute a call to the first line outside these files (comma-separated, "
        "e.g. flows/locating.py): who asked the helper",
    )
    options = parser.parse_args(arguments)
    return parent(options.min_ms, options.batch, options.past)


if __name__ == "__main__":
    raise SystemExit(main())
