"""``python -m bench.workers`` once, tiny: one worker, two orders, one run, its table written.

No timing assertions: the numbers are the benchmark's. What is asserted is that every
order was checked to the end (the benchmark exits non-zero otherwise) and that the table
has a row per worker count with a rate and each worker's memory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.distributed


@pytest.mark.timeout(900)  # servers, a worker, its Chromium: minutes on a loaded machine
def test_the_workers_bench_measures_a_tiny_run(tmp_path: Path) -> None:
    table = tmp_path / "workers.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.workers", "--workers", "1", "--orders", "2",
         "--repeat", "1", "--markdown", str(table)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    rows = [line for line in table.read_text().splitlines() if line.startswith("| 1 |")]
    [row] = rows
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    workers, orders, wall, per_minute, per_worker, rss, pss, runs = cells
    assert (workers, orders) == ("1", "2")
    assert float(runs) == float(per_minute)  # one run: its rate is the median
    assert float(wall) > 0 and float(per_minute) > 0 and float(per_worker) == float(per_minute)
    assert float(rss) >= float(pss) > 0  # a worker's tree: Celery, its pool, Chromium
