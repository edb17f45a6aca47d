"""The soak in small: a covering set of chaos runs, with two CPU hogs.

``make soak`` runs 200 random seeds; this is the version the suite runs, as a person would
run it (``python -m bench.soak --seeds ...``). The suite's runs are not a random draw of
twenty (which meets every scenario in each store only about half the time): they are
eight seeds found from a fresh base (``SOAK_SEED_BASE`` pins it) such that every scenario
runs in both stores, every scenario and every store meets both kinds of injected GET
failure (a 503 and a dropped connection), every run has its interruption dialogs, and
both kinds (cookie consent, promotion) show up. Everything else about a seed (latency,
which GET fails, when the session expires, dialog timing) is as random as ever.
A failure names its seeds and how to replay them.

In the suite the runs start no CPU hogs of their own (``--hogs 0``): they share the two
cores with the suite's other test processes, a load of its own (and two hogs for the
three minutes of the sample were a fifth of the whole suite's CPU time). That the soak's
hogs run for the whole block and are ended by their pids is checked on its own
(:func:`test_the_cpu_hogs_run_for_the_block_and_are_ended_by_their_pids`); ``make soak``
runs with two.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from itertools import count
from pathlib import Path

import pytest

from bench.soak import REGIONS, SCENARIOS, cpu_hogs, plan_for
from fixtures.chaos import ChaosPlan

REPO = Path(__file__).resolve().parents[2]
FAILURE_KINDS = ("5xx", "drop")
RUNS = len(SCENARIOS) * len(REGIONS)


def covering_seeds(base: int) -> list[int]:
    """The first seeds from ``base`` on that fill each (scenario, store) slot once, with the
    slot's failure kind: alternating by store and by scenario, so each meets both kinds."""
    wanted = {
        (scenario, region): FAILURE_KINDS[(row + column) % 2]
        for row, scenario in enumerate(SCENARIOS)
        for column, region in enumerate(REGIONS)
    }
    chosen: dict[tuple[str, str], int] = {}
    kinds_seen: set[str] = set()
    for seed in count(base):
        slot = plan_for(seed)
        chaos = ChaosPlan.from_seed(seed)
        kinds = {overlay.kind for overlay in chaos.overlays}
        if slot in chosen or chaos.failure_kind != wanted[slot] or not kinds:
            continue
        # The last slot to fill brings whichever overlay kind no earlier run had.
        if len(chosen) == RUNS - 1 and not {"cookie", "promo"} <= kinds_seen | kinds:
            continue
        chosen[slot] = seed
        kinds_seen |= kinds
        if len(chosen) == RUNS:
            return [chosen[slot] for slot in wanted]
    raise AssertionError("unreachable")  # pragma: no cover


def test_the_covering_seeds_meet_every_scenario_store_and_failure_kind() -> None:
    seeds = covering_seeds(random.SystemRandom().randrange(10**6))
    plans = [(plan_for(seed), ChaosPlan.from_seed(seed)) for seed in seeds]

    assert sorted(slot for slot, _ in plans) == sorted(
        (scenario, region) for scenario in SCENARIOS for region in REGIONS
    )
    for scenario in SCENARIOS:
        assert {c.failure_kind for (s, _), c in plans if s == scenario} == set(FAILURE_KINDS)
    for region in REGIONS:
        assert {c.failure_kind for (_, r), c in plans if r == region} == set(FAILURE_KINDS)
    assert all(chaos.overlays for _, chaos in plans)
    assert {overlay.kind for _, chaos in plans for overlay in chaos.overlays} == {"cookie", "promo"}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_the_cpu_hogs_run_for_the_block_and_are_ended_by_their_pids() -> None:
    with cpu_hogs(2) as pids:
        assert len(set(pids)) == 2
        assert all(_alive(pid) for pid in pids)
    assert not any(_alive(pid) for pid in pids)


@pytest.mark.long(160)  # seconds in `make test` at load 13: started first
@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_covering_chaos_runs_end_as_expected_without_duplicates(tmp_path: Path) -> None:
    base = int(os.environ.get("SOAK_SEED_BASE") or random.SystemRandom().randrange(10**6))
    seeds = covering_seeds(base)
    report_path = tmp_path / "soak.md"
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.soak",
            "--seeds",
            ",".join(map(str, seeds)),
            "--report",
            str(report_path),
            "--hogs",
            "0",  # the suite's other processes are the load (see the module's docstring)
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3500,
        check=False,
    )
    report = json.loads(report_path.with_suffix(".json").read_text())

    assert report["runs"] == RUNS, finished.stderr[-3000:]
    assert [run["seed"] for run in report["each"]] == seeds
    assert report["cpu_hogs"] == 0 and report["cpu_hog_pids"] == []
    unexpected = [run["seed"] for run in report["each"] if not run["expected"]]
    assert not unexpected and report["duplicates"] == 0, (
        f"{len(unexpected)} unexpected run(s), {report['duplicates']} duplicate(s) "
        f"(SOAK_SEED_BASE={base}); replay: "
        f"python -m bench.soak --seeds {','.join(map(str, unexpected))}\n" + report_path.read_text()
    )
    assert finished.returncode == 0
