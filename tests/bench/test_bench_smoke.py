"""The benchmark's one-shot part, once, on the real shop: it runs and its JSON has the agreed shape.

No timing assertions: performance targets are judged by the benchmark itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ONE_SHOT_KINDS = ("script", "agent_fresh", "agent_second")
METRICS = ("wall_s", "cpu_s", "peak_rss_mb", "peak_pss_mb")
TARGETS = ("one-shot", "second run", "batch of 20", "batch memory", "idle run", "idle browser")


@pytest.mark.slow
def test_one_shot_part_writes_results_of_the_agreed_shape(tmp_path: Path) -> None:
    results_path = tmp_path / "latest.json"
    readme_before = (REPO / "bench" / "README.md").read_text()

    command = ["--parts", "oneshot", "--runs", "1", "--warmup", "0", "--json", str(results_path)]
    finished = subprocess.run(
        [sys.executable, "-m", "bench", *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr[-2000:]
    results = json.loads(results_path.read_text())
    assert results["valid"] is True
    assert results["settings"]["runs"] == 1
    assert results["settings"]["parts"] == ["oneshot"]
    assert set(results["measurements"]) == set(ONE_SHOT_KINDS)
    for kind in ONE_SHOT_KINDS:
        group = results["measurements"][kind]
        assert (group["runs"], group["valid"], group["problems"]) == (1, 1, []), kind
        assert all(group["median"][metric] > 0 for metric in METRICS), kind
        # Every one-shot starts exactly one browser and leaves nothing running.
        assert group["browsers_launched"] == 1, kind
        assert group["browser_seen"] is True, kind
        assert group["leftover_processes"] == 0, kind
    verdicts = {target["name"]: target for target in results["targets"]}
    assert tuple(verdicts) == TARGETS
    for name in ("one-shot", "second run"):
        assert verdicts[name]["verdict"] in ("PASS", "FAIL")
        assert verdicts[name]["value"] > 0
    for name in ("batch of 20", "batch memory", "idle run", "idle browser"):
        assert verdicts[name]["verdict"] == "SKIP"
    assert "| one-shot |" in finished.stdout
    assert (REPO / "bench" / "README.md").read_text() == readme_before
