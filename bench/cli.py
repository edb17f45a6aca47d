"""``python -m bench``: start the fixture shop, measure every part, print and save the verdicts.

Runs alternate: in each round the hand-written script goes first in even
rounds and last in odd ones, and every part is measured in every round, so a
machine that slows down (or speeds up) mid-benchmark shifts both sides of each
ratio alike. The first ``--warmup`` round(s) fill the page cache (Chromium,
Python modules) and are thrown away.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.browser import find_browser
from bench.processes import SAMPLE_INTERVAL_S, become_subreaper
from bench.report import (
    KINDS,
    describe,
    evaluate,
    targets_as_json,
    update_readme,
    write_json,
    write_markdown,
)
from bench.scenarios import Bench, Run, scheduled_commands_available
from bench.shoplog import logging_requests
from fixtures.server import ShopServer

PARTS = ("oneshot", "batch", "idle")
BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_JSON = BENCH_DIR / "results" / "latest.json"
DEFAULT_MARKDOWN = BENCH_DIR / "results" / "latest.md"
# Both show the latest results between the same two markers.
READMES = (BENCH_DIR / "README.md", BENCH_DIR.parent / "docs" / "performance.md")
NOT_AVAILABLE = "not available yet: this order-agent has no `add`/`run`"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (default 5; 3: quick)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds thrown away first (1)")
    parser.add_argument("--batch-size", type=int, default=20, help="orders in the batch (20)")
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the results go")
    parser.add_argument(
        "--markdown",
        type=Path,
        default=DEFAULT_MARKDOWN,
        help="where the tables go (default bench/results/latest.md)",
    )
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="after measuring, write the tables into docs/performance.md and bench/README.md",
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="measure nothing: rewrite the READMEs' tables from --markdown",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target FAILs")
    parser.add_argument(
        "--interval", type=float, default=SAMPLE_INTERVAL_S, help="memory sampling period, s"
    )
    args = parser.parse_args(argv)
    args.parts = tuple(part.strip() for part in args.parts.split(",") if part.strip())
    unknown = set(args.parts) - set(PARTS)
    if unknown or not args.parts:
        parser.error(f"--parts takes {', '.join(PARTS)}; not {', '.join(sorted(unknown))}")
    if args.runs < 1 or args.warmup < 0 or args.batch_size < 1 or args.interval <= 0:
        parser.error("--runs and --batch-size must be at least 1, --warmup at least 0")
    return args


def _progress(run: Run) -> Run:
    numbers, parts = run.measurement, run.breakdown
    state = f"INVALID: {run.problem}" if run.problem else "ok"
    calls = parts.get("playwright_calls", "–")
    print(
        f"  {run.kind:<13} {numbers.wall_s:7.2f} s wall {numbers.cpu_s:7.2f} s CPU "
        f"{numbers.peak_rss_mb:6.0f} MB RSS  browsers {run.browsers_launched}  "
        f"loads {parts.get('documents', '–')}  calls {calls}  {state}",
        file=sys.stderr,
        flush=True,
    )
    return run


def _one_shots(bench: Bench, flip: bool) -> list[Run]:
    def agent() -> list[Run]:
        data_dir = bench.new_data_dir()
        fresh = _progress(bench.agent_cancel("agent_fresh", data_dir))
        return [fresh, _progress(bench.agent_cancel("agent_second", data_dir))]

    def scripts() -> list[Run]:
        return [
            _progress(bench.script()),
            _progress(bench.floor()),
            _progress(bench.duties(saved_session=False)),
            _progress(bench.duties(saved_session=True)),
        ]

    steps: list[Callable[[], list[Run]]] = [agent, scripts] if flip else [scripts, agent]
    return [run for step in steps for run in step()]


def _batches(bench: Bench, data_dir: Path, batch_size: int, flip: bool) -> list[Run]:
    # Each batch starts from the seeded shop: whoever went first would otherwise leave
    # the next one 20 more open requests to read (see Bench.new_round).
    def agent() -> list[Run]:
        bench.new_round()
        return [_progress(bench.batch(data_dir, batch_size))]

    def script() -> Run:
        bench.new_round()
        return _progress(bench.script(batch_size))

    def floor() -> Run:
        bench.new_round()
        return _progress(bench.floor(batch_size))

    def scripts() -> list[Run]:
        return [script(), floor()]

    steps: list[Callable[[], list[Run]]] = [agent, scripts] if flip else [scripts, agent]
    return [run for step in steps for run in step()]


def _scheduled(
    bench: Bench, parts: Sequence[str], batch_size: int, idle_runs: int, flip: bool
) -> list[Run]:
    data_dir = bench.new_data_dir()
    runs: list[Run] = []
    if "batch" in parts:
        # Afterwards its orders wait for the shop, not due for a while: what a timer
        # firing every few minutes finds. Without it, the idle run gets an empty data dir.
        runs += _batches(bench, data_dir, batch_size, flip)
    if "idle" in parts:
        runs += [_progress(bench.idle(data_dir)) for _ in range(idle_runs)]
    return runs


def measure_all(bench: Bench, args: argparse.Namespace, scheduled: bool) -> dict[str, list[Run]]:
    by_kind: dict[str, list[Run]] = {kind: [] for kind in KINDS}
    for round_number in range(-args.warmup, args.runs):
        warming = round_number < 0
        print(f"{'warm-up' if warming else 'round'} {abs(round_number)}", file=sys.stderr)
        bench.new_round()
        runs: list[Run] = []
        if "oneshot" in args.parts or warming:
            runs += _one_shots(bench, flip=round_number % 2 == 1)
        if scheduled and not warming and {"batch", "idle"} & set(args.parts):
            flip = round_number % 2 == 1
            runs += _scheduled(bench, args.parts, args.batch_size, idle_runs=1, flip=flip)
        if not warming:
            for run in runs:
                by_kind[run.kind].append(run)
    return {kind: runs for kind, runs in by_kind.items() if runs}


def results_of(
    by_kind: dict[str, list[Run]],
    args: argparse.Namespace,
    skipped: dict[str, str],
    load_before: tuple[float, float, float],
) -> dict[str, Any]:
    groups = {kind: describe(runs) for kind, runs in by_kind.items()}
    targets = evaluate(groups, args.batch_size, skipped)
    return {
        "schema": 2,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(value, 2) for value in load_before],
            "load_after": [round(value, 2) for value in os.getloadavg()],
            "python": platform.python_version(),
            "chromium": str(find_browser()),
        },
        "settings": {
            "runs": args.runs,
            "warmup": args.warmup,
            "batch_size": args.batch_size,
            "parts": list(args.parts),
            "sample_interval_s": args.interval,
        },
        "skipped": skipped,
        "measurements": groups,
        "targets": targets_as_json(targets),
        "valid": not any(group["problems"] for group in groups.values()),
    }


def rewrite_readmes(markdown: Path) -> int:
    """``--readme``: the READMEs' tables, from the Markdown of the latest results."""
    if not markdown.is_file():
        print(f"bench: no {markdown}: run `python -m bench` first", file=sys.stderr)
        return 1
    text = markdown.read_text()
    for readme in READMES:
        update_readme(readme, text)
        print(f"bench: {readme} updated from {markdown}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.readme:
        return rewrite_readmes(args.markdown)
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1):
        print(
            f"bench: load average {load_before[0]:.1f} on {os.cpu_count()} CPUs: "
            "absolute times are noise; ratios measured in the same run still compare",
            file=sys.stderr,
        )
    if not become_subreaper():
        print(
            "bench: not on Linux: helpers that detach from the tree go unmeasured", file=sys.stderr
        )
    scheduled = bool({"batch", "idle"} & set(args.parts)) and scheduled_commands_available()
    skipped = {} if scheduled else {part: NOT_AVAILABLE for part in ("batch", "idle")}
    skipped.update({part: "not run" for part in PARTS if part not in args.parts})
    with (
        tempfile.TemporaryDirectory(prefix="order-agent-bench-") as scratch,
        logging_requests() as shop_log,
        ShopServer(port=0, clock_speed=0.0) as shop,
    ):
        bench = Bench(shop, Path(scratch), shop_log, interval_s=args.interval)
        by_kind = measure_all(bench, args, scheduled)
    results = results_of(by_kind, args, skipped, load_before)
    write_json(results, args.json)
    markdown = write_markdown(results, args.markdown)
    if args.update_readme:
        for readme in READMES:
            update_readme(readme, markdown)
    print(markdown)
    print(f"results: {args.json}, {args.markdown}")
    if not results["valid"]:
        print("bench: some runs did not do their job: see `problems` in the JSON", file=sys.stderr)
        return 1
    failed = any(target["verdict"] == "FAIL" for target in results["targets"])
    return 1 if args.strict and failed else 0
