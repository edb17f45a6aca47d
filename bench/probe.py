"""``python -m bench.probe OUT.json -- TARGET ARGS...``: run one command with Playwright counted.

The benchmark runs every browser command (the agent, the hand-written script, the
floor) through this wrapper, in the measured process itself, so that all three
are counted the same way:

* **Playwright calls**: every call of the sync API that waits for the driver goes
  through ``SyncBase._sync``; each is counted, timed and tagged with the phase of
  the project code that made it (the innermost function on the stack named in
  :data:`PHASE_OF`). Calls made by event handlers while another call waits (the
  agent's route handler for images) are counted apart and never start a phase.
* **protocol messages**: every message the client sends to the driver
  (``Connection.send_message_to_server``), one call may send several.
* **time per phase**: the run is cut at each Playwright call; the time from the
  end of one call to the end of the next belongs to the phase of the next (the
  Python work that prepared a call is part of what the call is for). Before the
  driver starts is ``start-up`` (the parent adds the time from ``Popen``), after
  the driver stopped is ``exit``. Phases are in epoch seconds, so the benchmark
  can put the shop's request log next to them.

TARGET is ``agent`` (the ``order-agent`` console script, found through its
entry point, so a rewritten CLI is measured as installed), or a path to a
script with a ``main(argv)`` (``bench/handwritten.py``, ``bench/floor.py``).

This patches private Playwright functions: a Playwright upgrade may move them;
``check()`` fails loudly then (the smoke test runs it) rather than count zero.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[1]

START_UP, DRIVER, BROWSER, CONTEXT = "start-up", "driver", "browser", "context"
SIGN_IN, ORDER, REQUESTS, FORM, SUBMIT, PROOF = (
    "sign-in",
    "order",
    "requests page",
    "form",
    "submit",
    "proof",
)
SET_UP, CLOSE, EXIT, OTHER = "set-up", "close", "exit", "other"
PHASES = (START_UP, DRIVER, BROWSER, CONTEXT, SET_UP, SIGN_IN, ORDER, REQUESTS, FORM, SUBMIT)
PHASES += (PROOF,)
PHASES += (CLOSE, EXIT, OTHER)

# The project functions that say what a Playwright call is for (innermost wins).
# The agent's names (agent/, flows/) and the scripts' (bench/handwritten.py, bench/floor.py).
PHASE_OF: dict[str, str] = {
    # opening the browser's context and tabs
    "open_browser": CONTEXT,
    "AccountSession.fresh_tab": CONTEXT,
    "AccountSession.open_tab": CONTEXT,
    "AccountSession.take_back_tab": CONTEXT,
    "TabSession.close": CONTEXT,
    "open_order_looking_ahead": CONTEXT,  # the look-ahead tab opened
    "ShopSession.take_tab": CONTEXT,
    "Ahead.close": CONTEXT,
    "new_context": CONTEXT,
    # the agent's engine on the tab (its first use imports flows/)
    "OrderAgent.__init__": SET_UP,
    "ShopSession.__init__": SET_UP,
    "ShopSession.use_page": SET_UP,
    # signing in
    "ShopSession.ensure_signed_in": SIGN_IN,
    "ShopSession.sign_in": SIGN_IN,
    "ShopSession._name_here": SIGN_IN,
    "RetailerSite.sign_in": SIGN_IN,
    "sign_in": SIGN_IN,
    "sign_in_from_home": SIGN_IN,
    # finding and reading the order
    "ShopSession.open_order": ORDER,
    "RetailerSite.open_order": ORDER,
    "read_status": ORDER,
    "open_order": ORDER,
    "order_addresses": ORDER,  # a batch's one look at the order list
    # the shop's list of open requests, read before sending one (in the look-ahead tab too)
    "RetailerSite.support_requests": REQUESTS,
    "RetailerSite.prepare_cancellation": REQUESTS,
    "ContactDesk.support_requests": REQUESTS,
    "read_support_requests": REQUESTS,
    # the contact form: finding it, the name to sign with, filling and reading back
    "ContactDesk.open_contact": FORM,
    "ShopSession.shopper_name": FORM,
    "RetailerSite.request_cancellation": FORM,
    "fill_form": FORM,
    # the click and the confirmation's case number
    "ContactDesk._send": SUBMIT,
    "submit": SUBMIT,
    # proof: screenshots, the saved session
    "ShopSession.screenshot": PROOF,
    "TabWatch.screenshot": PROOF,
    "BrowserSession.save_storage": PROOF,
    "AccountSession.save": PROOF,
    "picture": PROOF,
    "keep_session": PROOF,
    "Tracer.start": PROOF,
    "Tracer.stop": PROOF,
    # closing
    "AccountSession.close": CLOSE,
}
# Calls named here belong to a phase whatever code made them.
PHASE_OF_CALL = {"BrowserType.launch": BROWSER, "Browser.close": CLOSE}


@dataclass
class Segment:
    """A stretch of the run spent on one phase, in epoch seconds."""

    phase: str
    start: float
    end: float


# The calls that run a script of the caller's in the page: one look at many things.
EVALUATIONS = frozenset(
    {
        "Page.evaluate",
        "Frame.evaluate",
        "Locator.evaluate",
        "Locator.evaluate_all",
        "ElementHandle.evaluate",
        "JSHandle.evaluate",
    }
)


@dataclass
class Probe:
    """What the hooks saw."""

    calls: Counter[str] = field(default_factory=Counter)
    calls_by_phase: Counter[str] = field(default_factory=Counter)
    evaluations_by_phase: Counter[str] = field(default_factory=Counter)
    handler_calls: int = 0
    messages: int = 0
    segments: list[Segment] = field(default_factory=list)
    overhead_s: float = 0.0
    driver_started: float | None = None
    driver_stopped: float | None = None
    _busy: bool = False
    _last_end: float | None = None

    def phase_here(self, frame: FrameType | None) -> str:
        """The phase of the innermost project function on the stack."""
        repo = str(REPO)
        while frame is not None:
            code = frame.f_code
            if code.co_filename.startswith(repo):
                phase = PHASE_OF.get(code.co_qualname) or PHASE_OF.get(code.co_name)
                if phase is not None:
                    return phase
            frame = frame.f_back
        return OTHER

    def add(self, phase: str, start: float, end: float) -> None:
        """A stretch ending at ``end``: it began where the last one ended."""
        begin = start if self._last_end is None else self._last_end
        if self.segments and self.segments[-1].phase == phase:
            self.segments[-1].end = end
        else:
            self.segments.append(Segment(phase, begin, end))
        self._last_end = end

    def summary(self) -> dict[str, Any]:
        seconds: Counter[str] = Counter()
        for segment in self.segments:
            seconds[segment.phase] += segment.end - segment.start
        return {
            "playwright_calls": sum(self.calls.values()),
            "handler_calls": self.handler_calls,
            "protocol_messages": self.messages,
            "calls_by_phase": dict(self.calls_by_phase),
            "evaluations": sum(self.evaluations_by_phase.values()),
            "evaluations_by_phase": dict(self.evaluations_by_phase),
            "calls_by_name": dict(self.calls.most_common()),
            "phase_s": {phase: round(value, 4) for phase, value in seconds.items()},
            "segments": [[s.phase, round(s.start, 4), round(s.end, 4)] for s in self.segments],
            "driver_started": self.driver_started,
            "driver_stopped": self.driver_stopped,
            "overhead_s": round(self.overhead_s, 4),
        }


def install(probe: Probe) -> None:
    """Patch Playwright's sync API, the driver's start and stop, and the message sender."""
    from playwright._impl import _sync_base
    from playwright._impl.connection import Connection
    from playwright.sync_api import _context_manager

    original_sync = _sync_base.SyncBase._sync
    original_send = Connection.send_message_to_server
    manager = _context_manager.PlaywrightContextManager
    original_enter, original_exit = manager.__enter__, manager.__exit__

    def counted_sync(self: Any, awaitable: Any) -> Any:
        began = time.time()
        # The sync API method that called _sync: "Page.goto", "LocatorAssertions.to_be_visible".
        caller = sys._getframe(1)
        name = caller.f_code.co_qualname
        if probe._busy:  # an event handler's call while another call waits
            probe.handler_calls += 1
            probe.overhead_s += time.time() - began
            return original_sync(self, awaitable)
        phase = PHASE_OF_CALL.get(name) or probe.phase_here(caller)
        probe.calls[name] += 1
        probe.calls_by_phase[phase] += 1
        if name in EVALUATIONS:
            probe.evaluations_by_phase[phase] += 1
        probe._busy = True
        started = time.time()
        probe.overhead_s += started - began
        try:
            return original_sync(self, awaitable)
        finally:
            probe._busy = False
            probe.add(phase, started, time.time())

    def counted_send(self: Any, obj: Any, method: str, params: Any, options: Any) -> Any:
        if not method.startswith("__"):
            probe.messages += 1
        return original_send(self, obj, method, params, options)

    def timed(method: Callable[..., Any], phase: str, mark: str) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            started = time.time()
            if phase == DRIVER:
                probe.add(START_UP, started, started)  # imports, settings, ledger: start-up
            try:
                return method(*args)
            finally:
                ended = time.time()
                setattr(probe, mark, ended)
                probe.add(phase, started, ended)

        return wrapper

    _sync_base.SyncBase._sync = counted_sync  # type: ignore[method-assign]
    Connection.send_message_to_server = counted_send  # type: ignore[method-assign]
    manager.__enter__ = timed(original_enter, DRIVER, "driver_started")  # type: ignore[method-assign]
    manager.__exit__ = timed(original_exit, CLOSE, "driver_stopped")  # type: ignore[method-assign]


def _target_main(target: str) -> Callable[[list[str]], Any]:
    """``agent``: the installed console script's function; else a script's ``main``."""
    if target == "agent":
        from importlib.metadata import entry_points

        found = entry_points(group="console_scripts", name="order-agent")
        if not found:
            raise SystemExit("bench.probe: order-agent is not installed (run `make browser`)")
        function = next(iter(found)).load()
        # As the console script calls it: no arguments, sys.argv set below.
        return lambda _argv: function()
    path = Path(target).resolve()
    spec = importlib.util.spec_from_file_location(f"bench_probe_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"bench.probe: cannot load {target}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main  # type: ignore[no-any-return]


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


def run(output: Path, target: str, argv: Sequence[str]) -> int:
    probe = Probe()
    began = time.time()
    install(probe)
    probe.add(START_UP, began, time.time())
    code = 1
    try:
        main = _target_main(target)
        sys.argv = ["order-agent" if target == "agent" else target, *argv]
        code = _exit_code(main(list(argv)))
    except SystemExit as exc:  # click and argparse leave through SystemExit
        code = _exit_code(exc.code)
    finally:
        ended = time.time()
        probe.add(EXIT, ended, ended)
        summary = probe.summary()
        summary["probe_started"] = began
        summary["target_ended"] = ended
        output.write_text(json.dumps(summary))
    return code


def check() -> None:
    """Fail when the Playwright functions this patches have moved (an upgrade)."""
    from playwright._impl import _sync_base
    from playwright._impl.connection import Connection
    from playwright.sync_api import _context_manager

    for owner, name in (
        (_sync_base.SyncBase, "_sync"),
        (Connection, "send_message_to_server"),
        (_context_manager.PlaywrightContextManager, "__enter__"),
    ):
        if not callable(getattr(owner, name, None)):
            raise RuntimeError(f"bench.probe: Playwright has no {owner.__name__}.{name} any more")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) < 3 or arguments[1] != "--":
        print("usage: python -m bench.probe OUT.json -- (agent|SCRIPT.py) ARGS...", file=sys.stderr)
        return 2
    check()
    return run(Path(arguments[0]), arguments[2], arguments[3:])


if __name__ == "__main__":
    raise SystemExit(main())
