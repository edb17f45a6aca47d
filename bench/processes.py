"""Measuring one command as a whole process tree: wall time, CPU time, peak memory.

Method (documented in bench/README.md):

* the benchmark makes itself a *child subreaper* (Linux ``prctl``), so every
  process the command starts stays below the benchmark even when it double-forks
  (Chromium's helpers do): "the tree" is every descendant of the benchmark;
* a sampler thread reads ``/proc`` every :data:`SAMPLE_INTERVAL_S` and sums, over
  the tree, ``VmRSS`` (``/proc/PID/status``) and ``Pss`` (``/proc/PID/smaps_rollup``);
  the peak of each sum is kept. RSS counts pages shared between Chromium's
  processes once per process (an over-estimate); PSS splits them (closer to what
  the tree really costs). Sampling misses spikes shorter than the interval;
* wall time is ``perf_counter`` from ``Popen`` to ``wait4``; CPU time is user +
  system from ``wait4``'s rusage, which includes every descendant the command's
  processes waited for (the whole browser);
* the set of process names seen tells whether a browser ran at all.

A benchmark is the one place where a sampler polls on a timer: the sleep is the
measurement's clock, not a wait for something to happen.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_INTERVAL_S = 0.05
PR_SET_CHILD_SUBREAPER = 36
BROWSER_PROCESS_NAMES = ("chrom", "headless_shell")
KIB = 1024
MIB = 1024 * 1024


def become_subreaper() -> bool:
    """Adopt orphaned descendants, so none escapes the measurement; False if not on Linux."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _stat_fields(pid: int) -> list[str]:
    """Fields 3 onwards of ``/proc/PID/stat`` (state, parent pid, ...); [] once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    # The name (field 2) is in parentheses and may hold spaces: split after the last ")".
    return stat[stat.rfind(")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """Every process below ``root``, zombies included (found through each one's parent pid)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if len(fields) > 1:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def is_alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] not in ("Z", "X")


@dataclass(frozen=True)
class ProcessMemory:
    name: str
    rss_bytes: int
    pss_bytes: int


def _status_fields(pid: int) -> tuple[str, int] | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    name, rss = "", 0
    for line in text.splitlines():
        if line.startswith("Name:"):
            name = line.partition(":")[2].strip()
        elif line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * KIB
    return name, rss


def _pss(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0  # a zombie, a process gone meanwhile, or no smaps_rollup on this kernel
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * KIB
    return 0


def process_memory(pid: int) -> ProcessMemory | None:
    fields = _status_fields(pid)
    if fields is None:
        return None
    name, rss = fields
    return ProcessMemory(name=name, rss_bytes=rss, pss_bytes=_pss(pid) if rss else 0)


class TreeSampler:
    """Samples the memory of every descendant of this process until stopped."""

    def __init__(self, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.peak_rss_bytes = 0
        self.peak_pss_bytes = 0
        self.peak_processes = 0
        self.samples = 0
        self.names: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        found = (process_memory(pid) for pid in descendants(os.getpid()))
        # Zombies (exited, not yet reaped) hold no memory and are not running.
        memories = [memory for memory in found if memory is not None and memory.rss_bytes]
        self.samples += 1
        self.names.update(m.name for m in memories)
        self.peak_processes = max(self.peak_processes, len(memories))
        self.peak_rss_bytes = max(self.peak_rss_bytes, sum(m.rss_bytes for m in memories))
        self.peak_pss_bytes = max(self.peak_pss_bytes, sum(m.pss_bytes for m in memories))

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval_s):
                return


@dataclass(frozen=True)
class Measurement:
    """One command, measured."""

    command: str
    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_pss_mb: float
    peak_processes: int
    browser_seen: bool
    leftover_processes: int
    stdout: str = field(repr=False)
    stderr_tail: str = field(repr=False)
    started_at: float = 0.0  # epoch seconds at Popen and at wait4: for bench.probe's phases
    ended_at: float = 0.0

    def summary(self) -> dict[str, object]:
        """The numbers, for the JSON results (no output text: it may name files)."""
        return {
            "exit_code": self.exit_code,
            "wall_s": round(self.wall_s, 4),
            "cpu_s": round(self.cpu_s, 4),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_pss_mb": round(self.peak_pss_mb, 1),
            "peak_processes": self.peak_processes,
            "browser_seen": self.browser_seen,
            "leftover_processes": self.leftover_processes,
        }


def _reap_leftovers() -> int:
    """Stop what a finished command left running, then reap it; how many were still alive.

    Everything below the benchmark was started by the measured command, and the
    subreaper makes orphans our children, so each is killed by its pid.
    """
    leftovers = descendants(os.getpid())
    alive = sum(1 for pid in leftovers if is_alive(pid))
    while leftovers:
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in leftovers:
            # A grandchild is not ours to wait for: it becomes ours once its parent is reaped.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        leftovers = descendants(os.getpid())
    return alive


def _is_browser(name: str) -> bool:
    return any(part in name.lower() for part in BROWSER_PROCESS_NAMES)


def _tail(path: Path, limit: int = 2000) -> str:
    text = path.read_text(errors="replace")
    return text[-limit:]


def measure(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    label: str,
    timeout_s: float = 300.0,
    interval_s: float = SAMPLE_INTERVAL_S,
) -> Measurement:
    """Run ``argv`` to its end and measure it (and everything it started)."""
    cwd.mkdir(parents=True, exist_ok=True)
    stdout_path = cwd / f".{label}.stdout"
    stderr_path = cwd / f".{label}.stderr"
    with (
        stdout_path.open("wb") as stdout,
        stderr_path.open("wb") as stderr,
        TreeSampler(interval_s) as sampler,
    ):
        started_at = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdout=stdout, stderr=stderr)
        killer = threading.Timer(timeout_s, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
        ended_at = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)
    leftovers = _reap_leftovers()
    stdout_text = stdout_path.read_text(errors="replace")
    stderr_text = _tail(stderr_path)
    stdout_path.unlink()
    stderr_path.unlink()
    return Measurement(
        command=label,
        exit_code=process.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=sampler.peak_rss_bytes / MIB,
        peak_pss_mb=sampler.peak_pss_bytes / MIB,
        peak_processes=sampler.peak_processes,
        browser_seen=any(_is_browser(name) for name in sampler.names),
        leftover_processes=leftovers,
        stdout=stdout_text,
        stderr_tail=stderr_text,
        started_at=started_at,
        ended_at=ended_at,
    )
