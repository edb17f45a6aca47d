"""From runs to verdicts: medians, ratios, the targets, the table, the JSON, the README section."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.breakdown import COUNTS
from bench.probe import PHASES
from bench.scenarios import Run

METRICS = ("wall_s", "cpu_s", "peak_rss_mb", "peak_pss_mb")
KINDS = (
    "floor",
    "script",
    "duties_fresh",
    "duties_second",
    "agent_fresh",
    "agent_second",
    "floor_batch",
    "script_batch",
    "batch",
    "idle",
)
KIND_TITLES = {
    "floor": "floor: saved session, only the page loads needed, one cancellation",
    "script": "hand-written script, one cancellation",
    "duties_fresh": "floor with the agent's duties, first run: home page, order list, "
    "Support Requests, pictures, session saved",
    "duties_second": "floor with the agent's duties, saved session: Support Requests, "
    "pictures, session saved",
    "agent_fresh": "`order-agent cancel`, fresh data dir",
    "agent_second": "`order-agent cancel`, second run (saved session)",
    "floor_batch": "floor, {size} orders in one browser",
    "script_batch": "hand-written script, {size} orders, signed in once",
    "batch": "`order-agent run`, {size} tracked orders",
    "idle": "`order-agent run`, nothing due",
}
# The gap table: per scenario, the floor, the script (the floor with the agent's
# duties) and the agent side by side; the gap is the last one's over the second.
SCENARIOS = (
    ("one-shot", ("floor", "script", "duties_fresh", "agent_fresh")),
    ("second run", ("floor", "script", "duties_second", "agent_second")),
    ("batch of {size}", ("floor_batch", "script_batch", "batch")),
)
SHORT_TITLES = {
    "floor": "floor",
    "script": "script",
    "duties_fresh": "duties floor",
    "duties_second": "duties floor",
    "agent_fresh": "agent",
    "agent_second": "agent",
    "floor_batch": "floor",
    "script_batch": "script",
    "batch": "agent",
}
PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
README_START = "<!-- bench:latest:start -->"
README_END = "<!-- bench:latest:end -->"

# The targets, on the project's 2-core machine: against the floor with the agent's duties
# (what order-agent must do, hard-coded) and the hand-written script signed in once.
ONE_SHOT_RATIO = 1.25  # agent fresh / duties floor, first run; wall time
ONE_SHOT_CALLS = 45  # Playwright calls of a one-shot (they do not depend on the load)
SECOND_RUN_RATIO = 1.2  # agent second run / duties floor with a saved session
BATCH_RATIO = 0.8  # run of N / the script doing N serially, wall time
BATCH_CPU_RATIO = 1.3  # CPU per order: run of N / the serial script of N
BATCH_PEAK_MB = 800.0
IDLE_WALL_S = 0.1
# What a batch pays once, not per order (the per-order seconds shown beside the targets).
ONCE_PER_BATCH = ("start-up", "driver", "browser", "sign-in", "close", "exit")


def describe(runs: Sequence[Run]) -> dict[str, Any]:
    """Medians (and spread) over the valid runs of one kind, plus every run's numbers."""
    valid = [run for run in runs if run.problem is None]
    numbers = [run.measurement.summary() for run in valid]
    summary: dict[str, Any] = {"runs": len(runs), "valid": len(valid)}
    for statistic, pick in (("median", statistics.median), ("min", min), ("max", max)):
        summary[statistic] = {
            metric: round(pick(float(n[metric]) for n in numbers), 4) if numbers else None
            for metric in METRICS
        }
    orders = max((run.orders for run in runs), default=0)
    wall = summary["median"]["wall_s"]
    summary["orders_per_run"] = orders
    summary["wall_s_per_order"] = round(wall / orders, 4) if orders and wall else None
    summary["browsers_launched"] = max((run.browsers_launched for run in runs), default=0)
    summary["browser_seen"] = any(run.measurement.browser_seen for run in runs)
    summary["leftover_processes"] = sum(run.measurement.leftover_processes for run in runs)
    summary["problems"] = [run.problem for run in runs if run.problem]
    summary["breakdown"] = median_breakdown([run.breakdown for run in valid])
    summary["each"] = [run.summary() for run in runs]
    return summary


def median_breakdown(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Medians of the counts, of each phase's seconds and of its page loads."""
    probed = [part for part in parts if "phase_s" in part]
    result: dict[str, Any] = {}
    for count in COUNTS:
        values = [part[count] for part in parts if count in part]
        result[count] = statistics.median(values) if values else None
    if probed:
        result["phase_s"] = {
            phase: round(statistics.median(part["phase_s"].get(phase, 0.0) for part in probed), 4)
            for phase in PHASES
        }
        for by_phase in ("documents_by_phase", "calls_by_phase", "evaluations_by_phase"):
            result[by_phase] = {
                phase: statistics.median(part.get(by_phase, {}).get(phase, 0) for part in probed)
                for phase in PHASES
            }
    return result


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    value: float | None
    limit: float
    unit: str
    verdict: str
    note: str = ""
    cpu_ratio: float | None = None
    cpu_too: bool = False  # the CPU ratio must meet the limit as well


def _median(groups: Mapping[str, dict[str, Any]], kind: str, metric: str) -> float | None:
    group = groups.get(kind)
    if not group or not group["valid"]:
        return None
    value = group["median"][metric]
    return float(value) if value is not None else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def _at_most(
    name: str,
    measured: str,
    value: float | None,
    limit: float,
    unit: str,
    *,
    skipped: str,
    cpu_ratio: float | None = None,
    cpu_too: bool = False,
    note: str = "",
) -> Target:
    if value is None:
        return Target(name, measured, None, limit, unit, SKIP, skipped)
    met = value <= limit and not (cpu_too and cpu_ratio is not None and cpu_ratio > limit)
    verdict = PASS if met else FAIL
    return Target(
        name, measured, value, limit, unit, verdict, note, cpu_ratio=cpu_ratio, cpu_too=cpu_too
    )


def evaluate(
    groups: Mapping[str, dict[str, Any]], batch_size: int, skipped: Mapping[str, str]
) -> list[Target]:
    """The issue's targets, judged on medians; SKIP when a part was not run."""

    def why(part: str) -> str:
        # Parts left out or unavailable are in ``skipped``; a part that ran has no median
        # only when none of its runs did its job.
        return skipped.get(part, "no valid run")

    def median(kind: str, metric: str = "wall_s") -> float | None:
        return _median(groups, kind, metric)

    def calls(kind: str) -> float | None:
        group = groups.get(kind)
        if not group or not group["valid"]:
            return None
        value = (group.get("breakdown") or {}).get("playwright_calls")
        return float(value) if value is not None else None

    def script_note(duties: str) -> str:
        # Where the hand-written script stands against the same floor, for the verdict.
        ratio = _ratio(median("script"), median(duties))
        return "" if ratio is None else f"the hand-written script is {ratio:g} x"

    def calls_note() -> str:
        floor, script = calls("duties_fresh"), calls("script")
        return (
            "" if floor is None or script is None else f"duties floor {floor:g}, script {script:g}"
        )

    def seconds_per_order(kind: str) -> str:
        # What each order costs once the session is there: without what a run pays once.
        seconds = ((groups.get(kind) or {}).get("breakdown") or {}).get("phase_s")
        wall = median(kind)
        if wall is None or not seconds:
            return ""
        once = sum(seconds.get(phase, 0.0) for phase in ONCE_PER_BATCH)
        return f"{(wall - once) / batch_size:.2f} s"

    def per_order_note() -> str:
        mine, theirs = seconds_per_order("batch"), seconds_per_order("script_batch")
        if not mine or not theirs:
            return ""
        return f"an order after the first: agent {mine}, script {theirs}"

    idle_wall = median("idle")
    idle_group = groups.get("idle")
    targets = [
        _at_most(
            "one-shot",
            "agent fresh / duties floor (first run), wall time",
            _ratio(median("agent_fresh"), median("duties_fresh")),
            ONE_SHOT_RATIO,
            "x",
            skipped=why("oneshot"),
            cpu_ratio=_ratio(median("agent_fresh", "cpu_s"), median("duties_fresh", "cpu_s")),
            note=script_note("duties_fresh"),
        ),
        _at_most(
            "one-shot calls",
            "Playwright calls of `cancel`, fresh data dir",
            calls("agent_fresh"),
            ONE_SHOT_CALLS,
            "",
            skipped=why("oneshot"),
            note=calls_note(),
        ),
        _at_most(
            "second run",
            "agent second run / duties floor (saved session), wall time",
            _ratio(median("agent_second"), median("duties_second")),
            SECOND_RUN_RATIO,
            "x",
            skipped=why("oneshot"),
            cpu_ratio=_ratio(median("agent_second", "cpu_s"), median("duties_second", "cpu_s")),
            note=script_note("duties_second"),
        ),
        _at_most(
            f"batch of {batch_size}",
            f"run / the script doing {batch_size} serially, wall time",
            _ratio(median("batch"), median("script_batch")),
            BATCH_RATIO,
            "x",
            skipped=why("batch"),
            note=per_order_note(),
        ),
        _at_most(
            "batch CPU per order",
            f"run / the script doing {batch_size} serially, CPU time",
            _ratio(median("batch", "cpu_s"), median("script_batch", "cpu_s")),
            BATCH_CPU_RATIO,
            "x",
            skipped=why("batch"),
        ),
        # PSS, not RSS: summed RSS counts Chromium's shared pages once per process
        # (the script alone sums to over 1 GB), PSS shares them out.
        _at_most(
            "batch memory",
            "peak PSS of the process tree (sum)",
            median("batch", "peak_pss_mb"),
            BATCH_PEAK_MB,
            "MB",
            skipped=why("batch"),
        ),
        _at_most("idle run", "wall time", idle_wall, IDLE_WALL_S, "s", skipped=why("idle")),
    ]
    if idle_group and idle_group["runs"]:
        browsers = idle_group["browsers_launched"] + int(idle_group["browser_seen"])
        verdict = PASS if not browsers else FAIL
        targets.append(Target("idle browser", "browsers started", browsers, 0, "", verdict))
    else:
        targets.append(Target("idle browser", "browsers started", None, 0, "", SKIP, why("idle")))
    return targets


# -- rendering ---------------------------------------------------------------------------------


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def measurements_table(groups: Mapping[str, dict[str, Any]], batch_size: int) -> str:
    lines = [
        "| what | runs | wall s, median (min–max) | per order s | CPU s | peak RSS MB "
        "| peak PSS MB | browsers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        group = groups.get(kind)
        if not group:
            continue
        median, low, high = group["median"], group["min"], group["max"]
        title = KIND_TITLES[kind].format(size=batch_size)
        runs = f"{group['valid']}/{group['runs']}"
        wall = f"{_number(median['wall_s'])} ({_number(low['wall_s'])}–{_number(high['wall_s'])})"
        lines.append(
            f"| {title} | {runs} | {wall} | {_number(group['wall_s_per_order'])} "
            f"| {_number(median['cpu_s'])} "
            f"| {_number(median['peak_rss_mb'], 0)} | {_number(median['peak_pss_mb'], 0)} "
            f"| {group['browsers_launched']} |"
        )
    return "\n".join(lines)


def _count(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _signed(value: float, digits: int = 2) -> str:
    return f"{value:+.{digits}f}" if digits else f"{value:+g}"


def _shown_phases(groups: Mapping[str, dict[str, Any]], kinds: Sequence[str]) -> list[str]:
    """The phases some row spends at least 5 ms on, in the order of a run."""
    seconds = [
        groups[kind]["breakdown"].get("phase_s") or {}
        for kind in kinds
        if kind in groups and groups[kind].get("breakdown")
    ]
    return [phase for phase in PHASES if any(row.get(phase, 0) >= 0.005 for row in seconds)]


def gap_table(groups: Mapping[str, dict[str, Any]], batch_size: int) -> str:
    """Floor, script and agent side by side per scenario, with the agent − script gap.

    Each phase cell is median seconds, and in parentheses the page loads the shop
    answered during that phase (median), when there were any.
    """
    kinds = [kind for _, row in SCENARIOS for kind in row]
    phases = _shown_phases(groups, kinds)
    head = ["scenario", "run", "wall s", "× floor", "page loads", "requests", "Playwright calls"]
    lines = [
        "| " + " | ".join([*head, *phases]) + " |",
        "|" + "---|" * (len(head) + len(phases)),
    ]
    for title, row in SCENARIOS:
        scenario = title.format(size=batch_size)
        present = [kind for kind in row if kind in groups and groups[kind]["valid"]]
        if not present:
            continue
        floor_wall = _median(groups, row[0], "wall_s")
        for kind in present:
            parts = groups[kind].get("breakdown") or {}
            wall = _median(groups, kind, "wall_s")
            ratio = _ratio(wall, floor_wall) if kind != row[0] else None
            seconds = parts.get("phase_s") or {}
            loads = parts.get("documents_by_phase") or {}
            cells = [
                scenario,
                SHORT_TITLES[kind],
                _number(wall),
                "–" if ratio is None else f"{ratio:g}",
                _count(parts.get("documents")),
                _count(parts.get("requests")),
                _count(parts.get("playwright_calls")),
            ]
            for phase in phases:
                cell = _number(seconds.get(phase))
                cell += f" ({loads[phase]:g})" if loads.get(phase) else ""
                cells.append(cell)
            lines.append("| " + " | ".join(cells) + " |")
        script, agent = row[1], row[-1]
        if script in present and agent in present:
            lines.append(_gap_row(groups, scenario, script, agent, phases))
    return "\n".join(lines)


def _gap_row(
    groups: Mapping[str, dict[str, Any]],
    scenario: str,
    script: str,
    agent: str,
    phases: Sequence[str],
) -> str:
    mine, theirs = groups[agent]["breakdown"], groups[script]["breakdown"]
    wall_agent, wall_script = _median(groups, agent, "wall_s"), _median(groups, script, "wall_s")
    ratio = _ratio(wall_agent, wall_script)
    cells = [
        scenario,
        "**gap: agent − script**",
        "–" if wall_agent is None or wall_script is None else _signed(wall_agent - wall_script),
        "–" if ratio is None else f"{ratio:g}× script",
    ]
    for count in ("documents", "requests", "playwright_calls"):
        a, b = mine.get(count), theirs.get(count)
        cells.append("–" if a is None or b is None else _signed(a - b, 0))
    a_phases, b_phases = mine.get("phase_s") or {}, theirs.get("phase_s") or {}
    for phase in phases:
        cells.append(_signed(a_phases.get(phase, 0.0) - b_phases.get(phase, 0.0)))
    return "| " + " | ".join(cells) + " |"


def calls_table(groups: Mapping[str, dict[str, Any]], batch_size: int) -> str:
    """Playwright calls per phase (medians), in-page evaluations in parentheses.

    Counts do not depend on the machine's load: the table to read when times are noisy.
    """
    kinds = [kind for _, row in SCENARIOS for kind in row]
    probed = [
        kind
        for kind in kinds
        if kind in groups and (groups[kind].get("breakdown") or {}).get("calls_by_phase")
    ]
    phases = [
        phase
        for phase in PHASES
        if any(groups[kind]["breakdown"]["calls_by_phase"].get(phase) for kind in probed)
    ]
    head = ["scenario", "run", "calls", "evaluations", *phases]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for title, row in SCENARIOS:
        for kind in row:
            if kind not in probed:
                continue
            parts = groups[kind]["breakdown"]
            by_phase = parts["calls_by_phase"]
            evaluations = parts.get("evaluations_by_phase") or {}
            cells = [
                title.format(size=batch_size),
                SHORT_TITLES[kind],
                _count(parts.get("playwright_calls")),
                _count(parts.get("evaluations")),
            ]
            for phase in phases:
                cell = f"{by_phase.get(phase, 0):g}"
                cell += f" ({evaluations[phase]:g})" if evaluations.get(phase) else ""
                cells.append(cell)
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets_table(targets: Sequence[Target]) -> str:
    lines = [
        "| target | measured | value | limit | CPU ratio | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for target in targets:
        value = "–" if target.value is None else f"{target.value:g} {target.unit}".strip()
        limit = f"≤ {target.limit:g} {target.unit}".strip()
        cpu = "–" if target.cpu_ratio is None else f"{target.cpu_ratio:g} x"
        cpu += " (judged too)" if target.cpu_too else ""
        verdict = f"{target.verdict} ({target.note})" if target.note else target.verdict
        cells = (target.name, target.measured, value, limit, cpu, verdict)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def context_line(results: Mapping[str, Any]) -> str:
    machine, settings = results["machine"], results["settings"]
    load = "/".join(f"{value:.1f}" for value in machine["load_before"])
    return (
        f"{results['generated_at']} · {machine['cpus']} CPUs, load {load} before · "
        f"{settings['runs']} runs (+{settings['warmup']} warm-up) · Python {machine['python']}"
    )


def render(results: Mapping[str, Any]) -> str:
    groups, batch_size = results["measurements"], results["settings"]["batch_size"]
    targets = [Target(**target) for target in results["targets"]]
    return "\n\n".join(
        (
            context_line(results),
            measurements_table(groups, batch_size),
            GAP_INTRO,
            gap_table(groups, batch_size),
            CALLS_INTRO,
            calls_table(groups, batch_size),
            targets_table(targets),
        )
    )


GAP_INTRO = (
    "Where the time goes (medians): page loads and requests as the shop answered them, "
    "Playwright calls that waited for the driver, and seconds per phase, with the page "
    "loads of that phase in parentheses (`bench/README.md` says what each phase holds). "
    "× floor: wall time over the floor's in the same run."
)


CALLS_INTRO = (
    "Playwright calls per phase (medians; in parentheses, those that ran a script in the "
    "page: one look at many things). Counts do not depend on the machine's load."
)


def write_json(results: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def update_readme(readme: Path, markdown: str) -> None:
    """Replace the text between the README's two markers with ``markdown`` (the results)."""
    text = readme.read_text()
    section = f"{README_START}\n{markdown.strip()}\n{README_END}"
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"bench: {readme} has no {README_START} ... {README_END} section")
    readme.write_text(pattern.sub(lambda _: section, text))


def write_markdown(results: Mapping[str, Any], path: Path) -> str:
    """The results as Markdown (what the READMEs show), written to ``path``; the text."""
    text = render(results) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def targets_as_json(targets: Sequence[Target]) -> list[dict[str, Any]]:
    return [asdict(target) for target in targets]
