"""The gap table's arithmetic, on numbers given here: phases cut a run without gaps or
overlaps, the shop's page loads land in the phase running when they arrived, the
gap row is agent minus script, and the README rewrite touches only its markers.

The end-to-end counting on the real shop and browser is test_bench_smoke.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.breakdown import breakdown
from bench.probe import PHASES, Probe
from bench.processes import Measurement
from bench.report import README_END, README_START, gap_table, median_breakdown, update_readme
from bench.shoplog import ShopRequest


def _measurement(started_at: float, ended_at: float) -> Measurement:
    return Measurement(
        command="x",
        exit_code=0,
        wall_s=ended_at - started_at,
        cpu_s=1.0,
        peak_rss_mb=1.0,
        peak_pss_mb=1.0,
        peak_processes=1,
        browser_seen=True,
        leftover_processes=0,
        stdout="",
        stderr_tail="",
        started_at=started_at,
        ended_at=ended_at,
    )


def test_probe_segments_run_from_one_call_end_to_the_next() -> None:
    probe = Probe()
    probe.add("start-up", 100.0, 100.2)
    probe.add("driver", 100.3, 100.8)  # 100.2–100.3 was spent preparing the driver
    probe.add("sign-in", 101.0, 101.5)
    probe.add("sign-in", 101.6, 102.0)  # the same phase again: one segment
    probe.add("order", 102.5, 103.0)

    summary = probe.summary()

    assert [segment[0] for segment in summary["segments"]] == [
        "start-up",
        "driver",
        "sign-in",
        "order",
    ]
    assert summary["phase_s"] == pytest.approx(
        {"start-up": 0.2, "driver": 0.6, "sign-in": 1.2, "order": 1.0}
    )
    assert sum(summary["phase_s"].values()) == pytest.approx(3.0)


def test_breakdown_adds_up_to_the_wall_time_and_places_each_page_load() -> None:
    probe = Probe()
    probe.add("start-up", 100.0, 100.1)
    probe.add("sign-in", 100.1, 101.0)
    probe.add("order", 101.0, 102.0)
    report: dict[str, Any] = {
        **probe.summary(),
        "probe_started": 100.0,
        "target_ended": 102.0,
    }
    requests = [
        ShopRequest(100.5, "GET", "/us/account/login", document=True),
        ShopRequest(100.6, "GET", "/us/app.js", document=False),
        ShopRequest(100.9, "POST", "/us/account/login", document=True),
        ShopRequest(101.5, "GET", "/us/account/orders/MK-1", document=True),
    ]

    parts = breakdown(_measurement(99.8, 102.3), report, requests)

    assert (parts["documents"], parts["requests"], parts["posts"]) == (3, 4, 1)
    assert parts["documents_by_phase"] == {"sign-in": 2, "order": 1}
    assert set(parts["phase_s"]) == set(PHASES)
    assert parts["phase_s"]["start-up"] == pytest.approx(0.3)  # Popen 0.2 s before the probe
    assert parts["phase_s"]["exit"] == pytest.approx(0.3)
    assert sum(parts["phase_s"].values()) == pytest.approx(102.3 - 99.8)


def _group(wall: float, documents: int, calls: int, seconds: dict[str, float]) -> dict[str, Any]:
    parts = {
        "documents": documents,
        "requests": documents,
        "playwright_calls": calls,
        "protocol_messages": calls,
        "phase_s": seconds,
        "documents_by_phase": {"order": 1},
    }
    return {
        "valid": 1,
        "median": {"wall_s": wall},
        "breakdown": median_breakdown([parts]),
    }


def test_gap_row_is_agent_minus_script_and_ratios_are_over_the_floor() -> None:
    groups = {
        "floor": _group(2.0, 3, 16, {"driver": 0.5, "order": 0.2}),
        "script": _group(3.0, 6, 21, {"driver": 0.5, "sign-in": 1.0, "order": 0.2}),
        "agent_fresh": _group(6.0, 9, 174, {"driver": 0.5, "sign-in": 2.5, "order": 0.7}),
    }

    table = gap_table(groups, batch_size=20).splitlines()

    header = table[0]
    assert "| sign-in |" in header and "| other |" not in header
    rows = {line.split(" | ")[1]: line for line in table[2:]}
    assert rows["agent"].startswith("| one-shot | agent | 6.00 | 3 | 9 | 9 | 174 |")
    assert "| 0.70 (1) |" in rows["agent"]
    gap = rows["**gap: agent − script**"]
    assert gap.startswith("| one-shot | **gap: agent − script** | +3.00 | 2× script | +3 | +3 |")
    assert "| +1.50 |" in gap  # sign-in: 2.5 − 1.0
    assert not any(line.startswith("| batch") for line in table)  # no batch measured


def test_update_readme_rewrites_only_between_its_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{README_START}\nold table\n{README_END}\nafter\n")

    update_readme(readme, "new table\n")

    assert readme.read_text() == f"before\n{README_START}\nnew table\n{README_END}\nafter\n"
    readme.write_text("no markers\n")
    with pytest.raises(SystemExit):
        update_readme(readme, "new table")


def _functions_of_the_project() -> set[str]:
    """Every function's qualified name (``Class.method``, ``function``) and bare name in the
    code the probe attributes to phases."""
    import ast

    root = Path(__file__).resolve().parents[2]
    names: set[str] = set()
    for folder in ("agent", "flows", "bench"):
        for path in (root / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    names.add(node.name)
                elif isinstance(node, ast.ClassDef):
                    for member in node.body:
                        if isinstance(member, ast.FunctionDef):
                            names.update({f"{node.name}.{member.name}", member.name})
    return names


def test_every_function_the_phases_are_named_after_is_in_the_code() -> None:
    # A function renamed or moved without its line here puts its calls in another phase
    # (once: the contact form's submit counted as filling the form).
    from bench.probe import PHASE_OF

    missing = sorted(set(PHASE_OF) - _functions_of_the_project())
    assert not missing
