"""The dates of an order's history entries and which entry is the latest.

A date reads as a person reads it: "2026-03-12", "12 Mar 2026", "March 12, 2026, 3:05
PM", and "05/03/2026" both ways (day or month first) until the other entries' dates
settle it; entries of the same date are told apart by the table's order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

_MONTHS = {
    name: index + 1
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?m?\.?", re.IGNORECASE)


def _clock(text: str) -> tuple[int, int, int]:
    found = _CLOCK.search(text)
    if not found:
        return (0, 0, 0)
    hour, minute, second = int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)
    half = (found.group(4) or "").lower()
    if half == "p" and hour < 12:
        hour += 12
    if half == "a" and hour == 12:
        hour = 0
    return (hour, minute, second)


def date_readings(text: str) -> list[datetime]:
    """Every way ``text`` reads as a date and time (two for "05/03/2026": May 3, 5 March)."""
    text = text.strip()
    found: list[datetime] = []
    clock = _clock(text)

    def add(year: int, month: int, day: int) -> None:
        if year < 100:
            year += 2000
        try:
            found.append(datetime(year, month, day, *clock))
        except ValueError:
            return

    if m := re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})", text):
        add(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return found
    if m := re.search(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})\b", text):
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        add(year, first, second)  # month first (US)
        add(year, second, first)  # day first
        return list(dict.fromkeys(found))
    month_word = r"([A-Za-z]{3,9})\.?"
    if m := re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{month_word},?\s+(\d{{4}})", text):
        month = _MONTHS.get(m.group(2).lower())
        if month:
            add(int(m.group(3)), month, int(m.group(1)))
            return found
    if m := re.search(rf"\b{month_word}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", text):
        month = _MONTHS.get(m.group(1).lower())
        if month:
            add(int(m.group(3)), month, int(m.group(2)))
    return found


def latest_entry(dates: Sequence[str], *, declared: str | None = None) -> int | None:
    """The index of the latest of a history's entries, from their dates; ``None`` if unclear.

    Dates that read two ways (day or month first) are read the one way that fits every
    entry, and must then name one latest entry either way. Entries of the same latest date
    are told apart by the table's order: declared (``"asc"``/``"desc"``), or as the other
    dates run. A table whose dates say nothing is read by its declared order only.
    """
    if not dates:
        return None
    readings = [date_readings(date) for date in dates]
    if all(readings):
        answers = set()
        for way in (0, 1):
            moments = [r[way] if len(r) > way else r[0] for r in readings]
            answers.add(_latest(moments, declared))
        answers.discard(None)
        if len(answers) == 1:
            return answers.pop()
        return None
    if declared == "asc":
        return len(dates) - 1
    if declared == "desc":
        return 0
    return None


def _latest(moments: Sequence[datetime], declared: str | None) -> int | None:
    newest = max(moments)
    at = [i for i, moment in enumerate(moments) if moment == newest]
    if len(at) == 1:
        return at[0]
    direction = declared
    if direction is None:
        ascending = all(a <= b for a, b in pairwise(moments))
        descending = all(a >= b for a, b in pairwise(moments))
        if ascending and not descending:
            direction = "asc"
        elif descending and not ascending:
            direction = "desc"
    if direction == "asc":
        return at[-1]
    if direction == "desc":
        return at[0]
    return None
