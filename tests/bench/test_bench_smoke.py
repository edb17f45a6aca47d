"""The benchmark, once, on the real shop with a batch of two: it runs and its results add up.

No timing assertions: performance targets are judged by the benchmark itself.
What is asserted is what the counting must get right whatever the machine's
speed: the page loads the shop answered to the hand-written script and to the
floor (both fixed by their code), the phase each of those loads fell in, every
run's seconds per phase adding up to its wall time, and the gap table's shape.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BATCH = 2
KINDS = ("floor", "script", "duties_fresh", "duties_second", "agent_fresh", "agent_second")
KINDS += ("floor_batch", "script_batch", "batch")
PROBED_SCRIPTS = ("floor", "script", "duties_fresh", "duties_second", "floor_batch", "script_batch")
METRICS = ("wall_s", "cpu_s", "peak_rss_mb", "peak_pss_mb")
TARGETS = (
    "one-shot",
    "one-shot calls",
    "second run",
    f"batch of {BATCH}",
    "batch CPU per order",
    "batch memory",
    "idle run",
    "idle browser",
)
PER_ORDER = {"order": 1, "form": 1, "submit": 1}  # order page, contact form, the form's POST
SIGN_IN = {"sign-in": 3}  # the sign-in page, its POST, the account page it leads to
# The script's sign-in in Playwright calls (bench/handwritten.py): goto, 2 fills, click,
# wait_for_url. Otherwise the script and the floor make the same calls.
SIGN_IN_CALLS = 5


# The floor with the agent's duties: Support Requests before the form; on a first run the
# home page before signing in, and the order list before the order.
DUTIES = {"requests page": 1}
FIRST_RUN = {"sign-in": 4, "order": 2}


def _loads(kind: str) -> dict[str, int]:
    orders = BATCH if kind.endswith("_batch") else 1
    loads = {phase: count * orders for phase, count in PER_ORDER.items()}
    if kind.startswith("duties"):
        loads |= DUTIES | (FIRST_RUN if kind == "duties_fresh" else {})
    return {**SIGN_IN, **loads} if kind.startswith("script") else loads


def _breakdown(results: dict[str, Any], kind: str) -> dict[str, Any]:
    runs = results["measurements"][kind]["each"]
    assert len(runs) == 1, kind
    return dict(runs[0]["breakdown"])


@pytest.mark.long(240)  # seconds in `make test` at load 13: started first
@pytest.mark.slow
@pytest.mark.timeout(900)  # nine browser runs and two adds: minutes on a loaded machine
def test_bench_writes_the_gap_table_and_its_counts_add_up(tmp_path: Path) -> None:
    results_path, markdown_path = tmp_path / "latest.json", tmp_path / "latest.md"
    readmes = (REPO / "bench" / "README.md", REPO / "docs" / "performance.md")
    readmes_before = [readme.read_text() for readme in readmes]

    command = ["--parts", "oneshot,batch", "--batch-size", str(BATCH), "--runs", "1"]
    command += ["--warmup", "0", "--json", str(results_path), "--markdown", str(markdown_path)]
    finished = subprocess.run(
        [sys.executable, "-m", "bench", *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=880,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(results_path.read_text())
    assert results["valid"] is True
    assert results["settings"]["runs"] == 1
    assert results["settings"]["parts"] == ["oneshot", "batch"]
    assert set(results["measurements"]) == set(KINDS)
    for kind in KINDS:
        group = results["measurements"][kind]
        assert (group["runs"], group["valid"], group["problems"]) == (1, 1, []), kind
        assert all(group["median"][metric] > 0 for metric in METRICS), kind
        # Every run starts exactly one browser and leaves nothing running.
        assert group["browsers_launched"] == 1, kind
        assert group["browser_seen"] is True, kind
        assert group["leftover_processes"] == 0, kind

        parts = _breakdown(results, kind)
        # The phases cut the whole run, Popen to wait4, into pieces: they add up to it.
        wall = group["each"][0]["wall_s"]
        assert sum(parts["phase_s"].values()) == pytest.approx(wall, rel=0.02, abs=0.02), kind
        # Every page load the shop answered fell in some phase.
        assert sum(parts["documents_by_phase"].values()) == parts["documents"], kind
        assert parts["requests"] >= parts["documents"] > 0, kind
        assert parts["playwright_calls"] > 0 and parts["protocol_messages"] > 0, kind
        # Every call is in some phase; the in-page evaluations are some of them.
        assert sum(parts["calls_by_phase"].values()) == parts["playwright_calls"], kind
        assert sum(parts["evaluations_by_phase"].values()) == parts["evaluations"], kind
        assert parts["evaluations"] <= parts["playwright_calls"], kind

    for kind in PROBED_SCRIPTS:
        parts = _breakdown(results, kind)
        assert parts["documents_by_phase"] == _loads(kind), kind
        for phase in ("driver", "browser", "context", *_loads(kind)):
            assert parts["phase_s"][phase] > 0, (kind, phase)
    # The script is the floor plus a sign-in (and, in a batch, each order the same).
    floor, script = _breakdown(results, "floor"), _breakdown(results, "script")
    assert script["playwright_calls"] == floor["playwright_calls"] + SIGN_IN_CALLS
    assert floor["phase_s"]["sign-in"] == 0
    # Nobody does the job with fewer page loads than the floor, nor the agent its duties
    # with fewer than the floor that has them.
    for floor_kind, agent_kind in (
        ("floor", "agent_fresh"),
        ("floor", "agent_second"),
        ("duties_fresh", "agent_fresh"),
        ("duties_second", "agent_second"),
        ("floor_batch", "batch"),
    ):
        agent_loads = _breakdown(results, agent_kind)["documents"]
        assert agent_loads >= _breakdown(results, floor_kind)["documents"], agent_kind

    verdicts = {target["name"]: target for target in results["targets"]}
    assert tuple(verdicts) == TARGETS
    measured = ("one-shot", "one-shot calls", "second run", f"batch of {BATCH}")
    for name in (*measured, "batch CPU per order", "batch memory"):
        assert verdicts[name]["verdict"] in ("PASS", "FAIL"), name
        assert verdicts[name]["value"] > 0, name
    for name in ("idle run", "idle browser"):
        assert verdicts[name]["verdict"] == "SKIP"
    for name in ("one-shot", "second run"):
        assert "the hand-written script is" in verdicts[name]["note"], name
    assert (
        verdicts["one-shot calls"]["value"]
        == _breakdown(results, "agent_fresh")["playwright_calls"]
    )
    # The agent reads pages with scripts of its own (the status, a control's ranking).
    assert _breakdown(results, "agent_fresh")["evaluations"] > 0

    markdown = markdown_path.read_text()
    assert markdown.strip() in finished.stdout
    for scenario in ("one-shot", "second run", f"batch of {BATCH}"):
        assert f"| {scenario} | **gap: agent − script** |" in markdown
        for who in ("floor", "script", "agent"):
            assert f"| {scenario} | {who} |" in markdown
    for scenario in ("one-shot", "second run"):
        assert f"| {scenario} | duties floor |" in markdown
    header = next(line for line in markdown.splitlines() if line.startswith("| scenario |"))
    for column in ("page loads", "Playwright calls", "driver", "sign-in", "form", "submit"):
        assert f"| {column} |" in header
    assert "| one-shot | agent fresh / duties floor" in markdown
    calls_head = next(line for line in markdown.splitlines() if "| evaluations |" in line)
    for column in ("calls", "sign-in", "form", "submit"):
        assert f"| {column} |" in calls_head
    assert [readme.read_text() for readme in readmes] == readmes_before
