"""Durations as people type them: ``15m``, ``24h``, ``14d``, ``1h30m``, ``2w``.

Used by ``watch``/``add`` (``--every``, ``--for``, ``--follow-up-after``) and shown
back the same way by ``list``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from ordercore.errors import UsageError

_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+)\s*([smhdw])")
_DURATION = re.compile(r"(?:\d+\s*[smhdw]\s*)+")
_NEVER = frozenset({"never", "off", "no", "none", "0"})


def parse_duration(text: str) -> timedelta:
    """``"15m"``, ``"24h"``, ``"14d"``, ``"1h30m"``, ``"2w"`` as a timedelta."""
    spoken = text.strip().lower()
    if not _DURATION.fullmatch(spoken):
        raise UsageError(
            f"{text.strip()!r} is not a duration (a number and a unit: 90s, 15m, 24h, 14d, 2w)"
        )
    seconds = sum(
        int(amount) * _DURATION_UNITS[unit] for amount, unit in _DURATION_PART.findall(spoken)
    )
    if seconds <= 0:
        raise UsageError(f"{text.strip()!r} is not a duration: it must be longer than 0")
    return timedelta(seconds=seconds)


def parse_optional_duration(text: str) -> timedelta | None:
    """Like :func:`parse_duration`; ``never``/``off``/``0`` mean "not at all"."""
    return None if text.strip().lower() in _NEVER else parse_duration(text)


def format_duration(span: timedelta | None) -> str:
    """The shortest exact spelling: ``timedelta(hours=36)`` -> ``"1d12h"``."""
    if span is None:
        return "never"
    seconds = round(span.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s"):
        amount, seconds = divmod(seconds, _DURATION_UNITS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
