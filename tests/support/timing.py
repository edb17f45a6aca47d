"""Where the suite's time goes: wall and CPU seconds per test phase and per fixture set-up.

An opt-in pytest plugin (``-p tests.support.timing``), for measuring the suite, not for
judging it: nothing here fails a test. With ``SUITE_TIMES=DIR`` set, each test process
appends one JSON line per test phase (setup, call, teardown) and per fixture set-up to
``DIR/<worker>.jsonl``; ``python -m tests.support.timing DIR`` sums them per test
directory and per fixture.

CPU seconds are those of the test process's whole tree (:class:`TreeCPU`): the pytest
worker with its fixture shop's threads, its Chromiums and their helpers, the agent
subprocesses and the servers it started. A fixture's set-up is timed without the
fixtures it asks for in its signature (pytest sets those up first), but with those it
asks for inside its body; its CPU seconds are those the sampler saw meanwhile (to a
second: a set-up shorter than that shows none), so that timing it costs no more than
reading a clock.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.processes import descendants

PROBE = Path(__file__).with_name("waitprobe")

TIMES_VARIABLE = "SUITE_TIMES"
_TICKS = os.sysconf("SC_CLK_TCK")
SCAN_INTERVAL_S = 1.0


class TreeCPU:
    """CPU seconds used by this process's tree since it was created.

    Each process is followed by its pid and start time, and its own seconds summed. A
    process that ends takes with it what it used since it was last looked at. A sampler
    thread finds the tree anew every :data:`SCAN_INTERVAL_S` (a scan of all of ``/proc``);
    :meth:`sample` looks again at the processes found so far, which costs little. The sum
    is a lower bound, never a negative delta. As in ``bench.processes``, the sampler's
    timer is the measurement's clock, not a wait for something.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str], int] = {}
        self._known: list[int] = []
        self._ticks = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.sample(scan=True)
        self._ticks = 0  # what ran before the plugin is not the suite's
        threading.Thread(target=self._sampler, name="suite-times", daemon=True).start()

    def sample(self, *, scan: bool = False) -> float:
        """The seconds so far, after a look at the known processes (and a new scan)."""
        pids = [os.getpid(), *descendants(os.getpid())] if scan else None
        with self._lock:
            if pids is not None:
                self._known = pids
            alive = []
            for pid in self._known:
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue  # ended meanwhile
                alive.append(pid)
                fields = stat[stat.rfind(")") + 2 :].split()
                # utime, stime and starttime: proc(5) fields 14, 15 and 22. Not what the
                # reaped children used (cutime, cstime): they were counted while alive.
                used = int(fields[11]) + int(fields[12])
                key = (pid, fields[19])
                self._ticks += max(used - self._seen.get(key, 0), 0)
                self._seen[key] = used
            self._known = alive
            return self._ticks / _TICKS

    @property
    def so_far(self) -> float:
        """The seconds at the last sample, without a new one (as cheap as a read)."""
        return self._ticks / _TICKS

    def _sampler(self) -> None:
        while not self._stop.wait(SCAN_INTERVAL_S):
            self.sample(scan=True)


class _Recorder:
    def __init__(self, folder: Path, worker: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._out = (folder / f"{worker}.jsonl").open("a", buffering=1)

    def write(self, **record: Any) -> None:
        self._out.write(json.dumps(record) + "\n")


_recorder: _Recorder | None = None
_cpu: TreeCPU | None = None
_probe: Any = None  # waitprobe/sitecustomize.py, loaded as a module of its own
_waits_folder: Path | None = None


def _load_probe(folder: Path) -> Any:
    """The wait probe in this process, and (``PYTHONPATH``) in every Python process a test
    starts with this process's environment."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("suite_waitprobe", PROBE / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[module.WAITS_VARIABLE] = str(folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PROBE), os.environ.get("PYTHONPATH")) if part
    )
    return module


def _waits() -> dict[str, float]:
    """What this process and the processes that ended since the last call spent waiting."""
    if _probe is None or _waits_folder is None:
        return {}
    waits: dict[str, float] = defaultdict(float, _probe.take())
    for path in _waits_folder.glob("*.json"):
        try:
            taken = json.loads(path.read_text())["waits"]
            path.unlink()
        except (OSError, ValueError, KeyError):
            continue
        for kind, seconds in taken.items():
            waits[kind] += seconds
    return dict(waits)


def pytest_configure(config: pytest.Config) -> None:
    global _recorder, _cpu, _probe, _waits_folder
    folder = os.environ.get(TIMES_VARIABLE)
    if folder:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _recorder = _Recorder(Path(folder), worker)
        _cpu = TreeCPU()
        _waits_folder = Path(folder) / f"waits-{worker}"
        _probe = _load_probe(_waits_folder)


def _timed(item: pytest.Item, phase: str) -> Iterator[None]:
    if _recorder is None or _cpu is None:
        yield
        return
    _waits()  # what came before this phase is not its own
    wall, cpu = time.perf_counter(), _cpu.sample()
    yield
    _recorder.write(
        kind="phase",
        test=item.nodeid,
        phase=phase,
        wall=time.perf_counter() - wall,
        cpu=_cpu.sample() - cpu,
        waits=_waits(),
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _timed(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _timed(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield from _timed(item, "teardown")


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: Any) -> Iterator[None]:
    if _recorder is None or _cpu is None:
        yield
        return
    wall, cpu = time.perf_counter(), _cpu.so_far
    yield
    _recorder.write(
        kind="fixture",
        fixture=fixturedef.argname,
        scope=fixturedef.scope,
        test=request.node.nodeid,
        wall=time.perf_counter() - wall,
        cpu=_cpu.so_far - cpu,
    )


def summary(folder: Path) -> str:
    """Per test directory: tests, wall and CPU seconds by phase; per fixture: set-ups,
    wall and CPU seconds (the ones over a second in all)."""
    dirs: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    tests: dict[str, set[str]] = defaultdict(set)
    fixtures: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    waits: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    callers: dict[str, float] = defaultdict(float)
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["kind"] == "phase":
                parts = record["test"].split("/")
                name = parts[1] if len(parts) > 2 else parts[0]
                tests[name].add(record["test"])
                dirs[name][record["phase"] + " wall"] += record["wall"]
                dirs[name][record["phase"] + " cpu"] += record["cpu"]
                for kind, seconds in record.get("waits", {}).items():
                    waits[name][kind.split(":")[0]] += seconds
                    callers[f"{name}: {kind}"] += seconds
            else:
                entry = fixtures[f"{record['fixture']} ({record['scope']})"]
                entry["n"] += 1
                entry["wall"] += record["wall"]
                entry["cpu"] += record["cpu"]
    lines = [
        "| directory | tests | wall s | CPU s | set-up wall/CPU s | call wall/CPU s "
        "| teardown wall/CPU s |",
        "|---|---|---|---|---|---|---|",
    ]
    totals: dict[str, float] = defaultdict(float)

    def row(name: str, count: int, d: dict[str, float]) -> str:
        wall = sum(d[f"{p} wall"] for p in ("setup", "call", "teardown"))
        cpu = sum(d[f"{p} cpu"] for p in ("setup", "call", "teardown"))
        cells = " | ".join(
            f"{d[p + ' wall']:.0f} / {d[p + ' cpu']:.0f}" for p in ("setup", "call", "teardown")
        )
        return f"| {name} | {count} | {wall:.0f} | {cpu:.0f} | {cells} |"

    by_wall = sorted(dirs, key=lambda n: -sum(v for k, v in dirs[n].items() if "wall" in k))
    for name in by_wall:
        lines.append(row(name, len(tests[name]), dirs[name]))
        for key, value in dirs[name].items():
            totals[key] += value
    lines.append(row("**all**", sum(len(t) for t in tests.values()), totals))
    lines += ["", "| fixture (scope) | set-ups | wall s | CPU s |", "|---|---|---|---|"]
    for name, entry in sorted(fixtures.items(), key=lambda pair: -pair[1]["wall"]):
        if entry["wall"] >= 1 or entry["cpu"] >= 1:
            lines.append(
                f"| {name} | {entry['n']:.0f} | {entry['wall']:.1f} | {entry['cpu']:.1f} |"
            )
    kinds = ("look expired", "sleep", "timer", "page sleep", "process wait")
    lines += ["", "| directory | " + " | ".join(f"{k} s" for k in kinds) + " |"]
    lines.append("|---" * (len(kinds) + 1) + "|")
    for name in by_wall:
        lines.append(f"| {name} | " + " | ".join(f"{waits[name][k]:.0f}" for k in kinds) + " |")
    lines += ["", "| waits, by kind and caller (top 60) | s |", "|---|---|"]
    for kind, seconds in sorted(callers.items(), key=lambda pair: -pair[1])[:60]:
        lines.append(f"| {kind} | {seconds:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1])))
