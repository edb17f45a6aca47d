"""Processes under a test: Chromium's main processes, and kills.

A test that kills "the browser" must kill only the one it started: the test process also
holds pytest-playwright's session browser and the agent thread's shared one, and killing
those breaks every later test of that worker process (``_session_browser_guard`` in the
root conftest names the test that did it). Finding a process tree is ``bench.processes``'
job, shared with the benchmarks.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from bench.processes import descendants, is_alive

__all__ = ["browser_processes", "descendants", "is_alive", "kill"]


def browser_processes(root: int | None = None) -> set[int]:
    """Chromium's main processes under ``root`` (this test process by default).

    Chromium's helpers carry ``--type=``; some rewrite their command line into one
    string, so the flag is looked for anywhere in it.
    """
    mains = set()
    for pid in descendants(os.getpid() if root is None else root):
        try:
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        program = Path(command_line.split(b"\0")[0].split(b" ")[0].decode(errors="replace"))
        if "chrom" in program.name and b"--type=" not in command_line:
            mains.add(pid)
    return mains


def kill(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
