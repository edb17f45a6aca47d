"""One run taken apart: page loads, requests, Playwright calls and seconds per phase.

``bench.probe`` reports, from inside the measured process, its Playwright calls
and the phases of the run (epoch seconds); the shop's log (``bench.shoplog``)
has every request it answered. Here the two meet: the process's own start
(``Popen``) to the probe's first instant is ``start-up``, the probe's last
instant to ``wait4`` is ``exit``, and each request the shop saw is put in the
phase running when it arrived.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.probe import EXIT, PHASES, START_UP
from bench.processes import Measurement
from bench.shoplog import ShopRequest

COUNTS = ("documents", "requests", "playwright_calls", "evaluations", "protocol_messages")


def read_probe(path: Path) -> dict[str, Any] | None:
    """The probe's report, or None when the process died before writing it."""
    try:
        value = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _phase_at(segments: Sequence[Sequence[Any]], at: float) -> str:
    """The phase running at ``at``: the last segment that began before it."""
    phase = START_UP
    for name, start, _end in segments:
        if start > at:
            break
        phase = str(name)
    return phase


def breakdown(
    measurement: Measurement, probe: dict[str, Any] | None, requests: Sequence[ShopRequest]
) -> dict[str, Any]:
    """The run's counts and its seconds per phase (every phase of ``PHASES``, 0 when unseen)."""
    documents = [request for request in requests if request.document]
    result: dict[str, Any] = {
        "documents": len(documents),
        "requests": len(requests),
        "posts": sum(1 for request in requests if request.method == "POST"),
        "document_paths": [f"{request.method} {request.path}" for request in documents],
    }
    if probe is None:
        return result
    seconds: Counter[str] = Counter({phase: 0.0 for phase in PHASES})
    seconds.update(probe["phase_s"])
    seconds[START_UP] += max(0.0, probe["probe_started"] - measurement.started_at)
    seconds[EXIT] += max(0.0, measurement.ended_at - probe["target_ended"])
    segments = probe["segments"]
    by_phase: Counter[str] = Counter(_phase_at(segments, request.at) for request in documents)
    result.update(
        {
            "playwright_calls": probe["playwright_calls"],
            "handler_calls": probe["handler_calls"],
            "protocol_messages": probe["protocol_messages"],
            "calls_by_phase": probe["calls_by_phase"],
            "evaluations": probe.get("evaluations", 0),
            "evaluations_by_phase": probe.get("evaluations_by_phase", {}),
            "documents_by_phase": dict(by_phase),
            "phase_s": {phase: round(seconds[phase], 4) for phase in PHASES},
            "probe_overhead_s": probe["overhead_s"],
        }
    )
    return result
