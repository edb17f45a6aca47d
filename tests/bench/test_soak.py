"""The soak in small: 20 agent runs on fresh chaos seeds with two CPU hogs.

``make soak`` runs 200; this is the version the suite runs. Seeds are fresh each
time (``SOAK_SEED_BASE`` pins them); every failure names its seeds and how to
replay them with ``python -m bench.soak --seeds ...``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from bench.processes import is_alive
from bench.soak import run_soak

RUNS = 20


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_twenty_chaos_runs_end_as_expected_without_duplicates(tmp_path: Path) -> None:
    base = int(os.environ.get("SOAK_SEED_BASE") or random.SystemRandom().randrange(10**6))
    report = run_soak(list(range(base, base + RUNS)), workers=2, hogs=2)
    (tmp_path / "soak.md").write_text(report.markdown())

    assert len(report.runs) == RUNS
    assert report.hog_pids and not any(is_alive(pid) for pid in report.hog_pids)
    seeds = ",".join(str(run.seed) for run in report.unexpected)
    assert not report.unexpected and not report.duplicates, (
        f"{len(report.unexpected)} unexpected run(s), {report.duplicates} duplicate(s); "
        f"replay: python -m bench.soak --seeds {seeds}\n{report.markdown()}"
    )
