"""The soak in small: 20 agent runs on fresh chaos seeds with two CPU hogs.

``make soak`` runs 200; this is the version the suite runs, as a person would run it
(``python -m bench.soak``). Seeds are fresh each time (``SOAK_SEED_BASE`` pins them);
a failure names its seeds and how to replay them.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNS = 20


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.long
@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_twenty_chaos_runs_end_as_expected_without_duplicates(tmp_path: Path) -> None:
    base = int(os.environ.get("SOAK_SEED_BASE") or random.SystemRandom().randrange(10**6))
    report_path = tmp_path / "soak.md"
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.soak",
            "--runs",
            str(RUNS),
            "--seed-base",
            str(base),
            "--report",
            str(report_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3500,
        check=False,
    )
    report = json.loads(report_path.with_suffix(".json").read_text())

    assert report["runs"] == RUNS, finished.stderr[-3000:]
    assert len(report["cpu_hog_pids"]) == 2
    assert not any(_alive(pid) for pid in report["cpu_hog_pids"])  # ended by the soak
    unexpected = [run["seed"] for run in report["each"] if not run["expected"]]
    assert not unexpected and report["duplicates"] == 0, (
        f"{len(unexpected)} unexpected run(s), {report['duplicates']} duplicate(s); replay: "
        f"python -m bench.soak --seeds {','.join(map(str, unexpected))}\n" + report_path.read_text()
    )
    assert finished.returncode == 0
