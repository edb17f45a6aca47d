"""What a test process or an agent process spent waiting, by kind (measuring only).

Loaded by ``tests.support.timing`` in the test processes, and, through ``PYTHONPATH``, as
the ``sitecustomize`` of every Python process a test starts (agent runs, workers, the
bench), when ``SUITE_WAITS`` names a folder. Nothing changes what a wait does; each is
timed and added to its kind:

* ``look expired``: a Playwright call that ended in a time-out or a failed ``expect``
  (the agent's looks on a negative path, a click that never landed), by the call and the
  first frame of ours that made it;
* ``page sleep``: ``page.wait_for_timeout``;
* ``sleep``: ``time.sleep`` (tenacity's back-offs among them), by the caller's module;
  ``process wait`` when it is ``subprocess`` polling for a process's end;
* ``timer``: a ``threading.Event.wait`` with a time-out that ran to its end (the fixture
  shop's latency and slow faults), by the caller's module.

Each process adds its sums to ``SUITE_WAITS/<pid>.json`` when it exits; the test
processes hand theirs to ``tests.support.timing`` per test.
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.util
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from types import FrameType
from typing import Any

WAITS_VARIABLE = "SUITE_WAITS"
OURS = ("/flows/", "/agent/", "/fixtures/", "/tests/", "/bench/", "/ordercore/")
totals: dict[str, float] = defaultdict(float)
_lock = threading.Lock()
_installed = False


def add(kind: str, seconds: float) -> None:
    with _lock:
        totals[kind] += seconds


def take() -> dict[str, float]:
    """The sums so far, emptied."""
    with _lock:
        taken = dict(totals)
        totals.clear()
    return taken


def _our_caller(frame: FrameType | None) -> str:
    while frame is not None:
        path = frame.f_code.co_filename
        if any(part in path for part in OURS) and "waitprobe" not in path:
            module = path.rsplit("/", 2)
            return f"{module[-2]}/{module[-1].removesuffix('.py')}:{frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


def _module_of(frame: FrameType | None) -> str:
    while frame is not None:
        name = str(frame.f_globals.get("__name__", "?"))
        if not name.startswith(("threading", "sitecustomize", "tenacity.nap")):
            return name.split(".")[0] if name.startswith("tenacity") else name
        frame = frame.f_back
    return "?"


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        started = time.perf_counter()
        try:
            real_sleep(seconds)
        finally:
            if seconds >= 0.01:
                module = _module_of(sys._getframe(1))
                # Popen.wait(timeout) polls with short sleeps: waiting for a process to end.
                kind = "process wait" if module == "subprocess" else "sleep"
                add(f"{kind}: {module}", time.perf_counter() - started)

    time.sleep = sleep

    real_wait = threading.Event.wait

    def wait(self: threading.Event, timeout: float | None = None) -> bool:
        if timeout is None or timeout < 0.05:
            return real_wait(self, timeout)
        started = time.perf_counter()
        happened = real_wait(self, timeout)
        if not happened and threading.current_thread().name != "suite-times":
            add(f"timer: {_module_of(sys._getframe(1))}", time.perf_counter() - started)
        return happened

    threading.Event.wait = wait  # type: ignore[method-assign]

    if "playwright._impl._sync_base" in sys.modules:
        _patch_playwright(sys.modules["playwright._impl._sync_base"])
    else:  # not imported here: patched when it is (a process that never drives a browser
        # must not import Playwright because of the probe)
        sys.meta_path.insert(0, _PlaywrightFinder())


class _PlaywrightFinder(importlib.abc.MetaPathFinder):
    NAME = "playwright._impl._sync_base"

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.NAME:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        real_exec = loader.exec_module

        def exec_module(module: Any) -> None:
            real_exec(module)
            _patch_playwright(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _patch_playwright(_sync_base: Any) -> None:
    real_sync = _sync_base.SyncBase._sync

    def _sync(self: Any, awaitable: Any) -> Any:
        name = getattr(awaitable, "__qualname__", "")
        started = time.perf_counter()
        try:
            result = real_sync(self, awaitable)
        except (AssertionError, Exception) as exc:
            kind = type(exc).__name__
            if kind in ("TimeoutError", "AssertionError"):
                caller = _our_caller(sys._getframe(1))
                add(f"look expired: {caller} {name}", time.perf_counter() - started)
            raise
        if name.endswith("wait_for_timeout"):
            add(f"page sleep: {_our_caller(sys._getframe(1))}", time.perf_counter() - started)
        return result

    _sync_base.SyncBase._sync = _sync  # type: ignore[method-assign]


def _write_at_exit(folder: Path) -> None:
    taken = take()
    if taken:
        (folder / f"{os.getpid()}.json").write_text(
            json.dumps({"argv": sys.argv[:4], "waits": taken})
        )


if os.environ.get(WAITS_VARIABLE) and __name__ == "sitecustomize":
    install()
    atexit.register(_write_at_exit, Path(os.environ[WAITS_VARIABLE]))
