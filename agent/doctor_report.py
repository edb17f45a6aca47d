"""What ``order-agent doctor`` reports: one row per step (found or not, what matched,
where), the status words seen and what each means, and the profile lines that would
teach what was missed; as rows for a person or one JSON object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent.site_profiles import (
    STATUS_VALUES,
)
from ordercore.errors import EXIT_NEEDS_HUMAN, EXIT_OK
from ordercore.models import OrderStatus

if TYPE_CHECKING:
    pass

_MARKS = {True: "✓", False: "✗", None: "–"}
_ASCII_MARKS = {True: "+", False: "x", None: "-"}
_STATUS_CHOICES = ", ".join(STATUS_VALUES[:-1]) + f" or {STATUS_VALUES[-1]}"


@dataclass(frozen=True)
class Suggestion:
    """One line to add to a profile, under its ``[table]``."""

    table: str
    line: str


@dataclass
class Row:
    """One step of the check. ``found`` is None when the step was not checked."""

    step: str
    found: bool | None
    matched: str
    url: str | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    screenshot: str | None = None
    # On a miss: the names of the links/buttons (or fields) the page did offer.
    seen: list[str] = field(default_factory=list)
    # The order status's row: status words seen elsewhere on the page, and why they were
    # not taken ("'Canceled' (set aside: another order's)").
    set_aside: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "step": self.step,
            "found": self.found,
            "matched": self.matched,
            "url": self.url,
            "screenshot": self.screenshot,
            "seen_on_page": self.seen,
            "set_aside": self.set_aside,
            "add_to_profile": [f"[{s.table}] {s.line}" for s in self.suggestions],
        }


@dataclass(frozen=True)
class StatusWord:
    """A status shown on the order list and what order-agent reads it as."""

    order: str
    words: str | None
    status: OrderStatus

    def suggestion(self) -> Suggestion | None:
        if self.status is not OrderStatus.UNKNOWN or not self.words:
            return None
        return Suggestion("status", f'{json.dumps(self.words)} = "…"  # {_STATUS_CHOICES}')

    def to_json(self) -> dict[str, object]:
        suggestion = self.suggestion()
        return {
            "order": self.order,
            "words": self.words,
            "status": self.status.value,
            "add_to_profile": [f"[{suggestion.table}] {suggestion.line}"] if suggestion else [],
        }


@dataclass
class DoctorReport:
    site_url: str
    profile: str
    profile_file: str
    rows: list[Row] = field(default_factory=list)
    statuses: list[StatusWord] = field(default_factory=list)

    @property
    def misses(self) -> list[Row]:
        return [row for row in self.rows if row.found is False]

    @property
    def exit_code(self) -> int:
        return EXIT_OK if not self.misses else EXIT_NEEDS_HUMAN

    def suggestions(self) -> list[Suggestion]:
        wanted = [s for row in self.misses for s in row.suggestions]
        wanted += [s for word in self.statuses if (s := word.suggestion()) is not None]
        return list(dict.fromkeys(wanted))

    def profile_lines(self) -> str:
        """The suggestions as TOML text, one ``[table]`` header per table."""
        by_table: dict[str, list[str]] = {}
        for suggestion in self.suggestions():
            by_table.setdefault(suggestion.table, []).append(suggestion.line)
        return "\n\n".join(f"[{table}]\n" + "\n".join(lines) for table, lines in by_table.items())

    def to_json(self) -> dict[str, object]:
        return {
            "command": "doctor",
            "site": self.site_url,
            "profile": self.profile,
            "outcome": "done" if not self.misses else "needs_human",
            "found": sum(1 for row in self.rows if row.found),
            "missed": len(self.misses),
            "rows": [row.to_json() for row in self.rows],
            "status_words": [word.to_json() for word in self.statuses],
            "profile_file": self.profile_file,
            "profile_lines": self.profile_lines(),
        }

    def render(self, *, ascii_only: bool = False, rows: bool = True) -> str:
        """The report for people; without ``rows`` when they were shown live already."""
        arrow = "->" if ascii_only else "→"
        lines = [f"Shop: {self.site_url} (profile: {self.profile})"]
        if rows:
            width = max((len(row.step) for row in self.rows), default=10)
            for row in self.rows:
                lines += row_lines(row, width, ascii_only=ascii_only)
        if self.statuses:
            lines.append("Status words on the order list:")
            words_width = max(len(word.words or "(none)") for word in self.statuses)
            for word in self.statuses:
                meaning = word.status.value if word.words else "no status shown in its row"
                lines.append(
                    f"  {word.order:<10} {word.words or '(none)':<{words_width}} {arrow} {meaning}"
                )
        found = sum(1 for row in self.rows if row.found)
        unchecked = [row.step for row in self.rows if row.found is None]
        if not self.misses and not unchecked:
            lines.append(f"All {found} steps found.")
        elif not self.misses:
            # Not "all found": a step not checked says nothing about the shop.
            lines.append(f"{found} steps found; not checked: {', '.join(unchecked)}.")
        else:
            count = len(self.misses)
            lines.append(f"{count} step{'s' if count != 1 else ''} not found, {found} found.")
        text = self.profile_lines()
        if text:
            lines.append(
                f"To teach order-agent this shop, add to {self.profile_file} "
                "(replace each … with the shop's own words), then run doctor again:"
            )
            lines.append("")
            lines.extend(text.splitlines())
        return "\n".join(lines)


ROW_WIDTH = 20  # the widest step name ("order number field"), for rows shown one by one


def row_lines(row: Row, width: int = ROW_WIDTH, *, ascii_only: bool = False) -> list[str]:
    """One step of the report as people read it: the mark, the step, what was matched."""
    marks = {True: "+", False: "x", None: "-"} if ascii_only else {True: "✓", False: "✗", None: "–"}
    where = f"  {row.url}" if row.url else ""
    lines = [f"{marks[row.found]} {row.step:<{width}}  {row.matched}{where}"]
    if row.seen:
        shown = ", ".join(f"'{name}'" for name in row.seen)
        lines.append(f"  {'':<{width}}  the page offers: {shown}")
    if row.set_aside:
        lines.append(f"  {'':<{width}}  not taken: {', '.join(row.set_aside)}")
    if row.screenshot:
        lines.append(f"  {'':<{width}}  screenshot: {row.screenshot}")
    return lines


# A control whose name speaks of sending something back, in any shop's words.
