"""What the scheduled-mode commands report: one order's check, a ``run`` pass, a ``watch``.

Each is one JSON object for ``--json`` (redacted on the way out, like every
Result) or a line for people. Exit codes follow the ``run`` contract: 0 every
tracked order reached its end, 75 some are still waiting, 3 some need a human,
1 errors (the worst one wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.durations import format_duration
from agent.ledger import EndState, Finding, OrderKey, TrackedOrder
from agent.output import result_object
from agent.redaction import redact, scrub
from ordercore.errors import EXIT_ERROR, EXIT_NEEDS_HUMAN, EXIT_OK, EXIT_TRY_LATER
from ordercore.models import Action, Outcome, Result


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def shown(moment: datetime) -> str:
    """A moment for people: ``2025-03-03 09:15 UTC``."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Check:
    """One order after one check (or after the pass found it had run out of time)."""

    key: OrderKey
    outcome: Outcome
    message: str
    end_state: EndState = EndState.NONE
    result: Result | None = None
    next_check: datetime | None = None
    error: str | None = None
    at: datetime | None = None

    @property
    def order(self) -> str:
        return self.result.order if self.result and self.result.order else self.key.number

    def to_json(self) -> dict[str, Any]:
        base: dict[str, Any] = (
            result_object(self.result)
            if self.result is not None
            else {
                "order": self.key.number,
                "status": None,
                "raw_status": None,
                "action": Action.NONE.value,
                "reference": None,
                "label": None,
            }
        )
        base.update(
            {
                "order": self.order,
                "outcome": self.outcome.value,
                "message": self.message,
                "end_state": self.end_state.value,
                "next_check": iso(self.next_check),
                "email": self.key.email,
                "site": self.key.site,
            }
        )
        if self.error:
            base["error"] = self.error
        return redact(base)

    def line(self) -> str:
        """One line for people: ``2025-06-01 08:00 order MK-70001: waiting: … Next check: …``."""
        when = f"{self.at:%Y-%m-%d %H:%M} " if self.at else ""
        after = f" Next check: {shown(self.next_check)}." if self.next_check else ""
        outcome = self.outcome.value.replace("_", " ")
        return scrub(f"{when}order {self.order}: {outcome}: {self.message}{after}")


def _overall(outcomes: list[Outcome]) -> Outcome:
    for outcome in (Outcome.ERROR, Outcome.NEEDS_HUMAN, Outcome.WAITING):
        if outcome in outcomes:
            return outcome
    return Outcome.DONE


_EXIT_CODES = {
    Outcome.DONE: EXIT_OK,
    Outcome.WAITING: EXIT_TRY_LATER,
    Outcome.NEEDS_HUMAN: EXIT_NEEDS_HUMAN,
    Outcome.ERROR: EXIT_ERROR,
}


@dataclass(frozen=True)
class PassReport:
    """One ``run``: every order it checked, and how many others are still waiting."""

    checks: list[Check]
    waiting: int  # active orders not due in this pass

    @property
    def outcome(self) -> Outcome:
        outcomes = [check.outcome for check in self.checks]
        if self.waiting:
            outcomes.append(Outcome.WAITING)
        return _overall(outcomes)

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self.outcome]

    @property
    def message(self) -> str:
        if not self.checks and not self.waiting:
            return "No tracked order is waiting for anything."
        counts: dict[str, int] = {}
        for check in self.checks:
            counts[check.outcome.value] = counts.get(check.outcome.value, 0) + 1
        done = ", ".join(f"{count} {name}" for name, count in counts.items())
        checked = f"Checked {len(self.checks)} order(s)" + (f" ({done})" if done else "")
        if self.waiting:
            checked += f"; {self.waiting} more not due yet"
        return checked + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "command": "run",
            "outcome": self.outcome.value,
            "message": self.message,
            "orders": [check.to_json() for check in self.checks],
            "not_due": self.waiting,
        }


@dataclass(frozen=True)
class WatchReport:
    """How a ``watch`` ended: the order's last check and its end."""

    last: Check
    checks: int

    @property
    def outcome(self) -> Outcome:
        return self.last.outcome

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self.outcome]

    def to_json(self) -> dict[str, Any]:
        return {**self.last.to_json(), "command": "watch", "checks": self.checks}


def watch_stopped(tracked: TrackedOrder, last: Check | None, at: datetime) -> Check:
    """A watch's answer when it was stopped before the order reached an end."""
    return Check(
        tracked.key,
        Outcome.WAITING,
        "Watch stopped before the order reached an end; "
        "`order-agent watch` or `order-agent run` carries on from here.",
        result=last.result if last else None,
        next_check=tracked.next_due_at,
        at=at,
    )


def watch_final(tracked: TrackedOrder, last: Check | None, at: datetime) -> Check:
    """The watch's answer: the last check, or the order's end if it had one already."""
    if last is not None and (last.end_state is tracked.end_state or tracked.active):
        return last
    outcome = {
        EndState.NONE: Outcome.WAITING,
        EndState.NEEDS_HUMAN: Outcome.NEEDS_HUMAN,
        EndState.EXPIRED: Outcome.WAITING,
    }.get(tracked.end_state, Outcome.DONE)
    message = tracked.end_message or tracked.end_state.value.replace("_", " ")
    return Check(
        tracked.key,
        outcome,
        f"Order {tracked.key.number}: {message}.",
        tracked.end_state,
        result=last.result if last else None,
        at=at,
    )


def tracked_json(order: TrackedOrder) -> dict[str, Any]:
    """A tracked order as ``add``/``list`` show it."""
    return redact(
        {
            "order": order.key.number,
            "site": order.key.site,
            "email": order.key.email,
            "goal": order.goal.value,
            "every": format_duration(order.every) if order.every else None,
            "until": iso(order.until),
            "follow_up_after": format_duration(order.options.follow_up_after),
            "reason": order.options.reason,
            "items": list(order.options.items),
            "status": order.last_status.value if order.last_status else None,
            "raw_status": order.last_raw_status,
            "last_checked": iso(order.last_seen_at),
            "next_check": iso(order.next_due_at),
            "end_state": order.end_state.value,
            "message": order.end_message,
            "finding": _finding_json(order.finding) if order.active else None,
            # A return followed to its refund.
            "ship_by": format_duration(order.options.ship_by),
            "return_label": order.return_label,
            "label_saved_at": iso(order.label_saved_at),
            "return_tracking": order.return_tracking,
            "refund": order.refund,
        }
    )


def _finding_json(finding: Finding | None) -> dict[str, Any] | None:
    if finding is None:
        return None
    return {
        "kind": finding.kind,
        "message": finding.message,
        "passes": finding.count,
        "first_seen": iso(finding.first_at),
        "last_seen": iso(finding.last_at),
    }


LABEL_SAVED_PREFIX = "return label saved: "  # the scheduler's end message for a saved label


def _ended(order: TrackedOrder) -> str:
    """How an order that is no longer worked on ended, as a sentence with its next step."""
    number = order.key.number
    when = f" on {shown(order.ended_at)}" if order.ended_at else ""
    note = (order.end_message or "").strip()
    end = order.end_state
    if end is EndState.CANCELLED:
        return f"Done: the shop cancelled it{when}."
    if end is EndState.REFUNDED:
        amount = f" {order.refund}" if order.refund else ""
        return f"Done: returned and refunded{amount}{when}."
    if end is EndState.LABEL_SAVED:
        if note.startswith(LABEL_SAVED_PREFIX):
            label = note.removeprefix(LABEL_SAVED_PREFIX)
            return f"Done: return started{when}; its label is saved at {label}."
        return f"Done: {note or 'returned'}{when}."
    if end is EndState.NEEDS_HUMAN:
        why = f": {note.rstrip('.')}" if note else ""
        return (
            f"Stopped{when}, needs you{why}. Once it is sorted out, "
            f"`order-agent add {number}` puts it back to work."
        )
    if end is EndState.EXPIRED:
        return (
            f"Stopped{when}: its time limit (--for) ran out. "
            f"`order-agent add {number}` watches it again."
        )
    if end is EndState.FORGOTTEN:
        return f"No longer tracked (forgotten{when}). `order-agent add {number}` tracks it again."
    return note or end.value.replace("_", " ")


def _return_under_way(order: TrackedOrder) -> str:
    """A followed return's step, for ``list``: the label, the parcel, the refund."""
    tracking = f", return tracking {order.return_tracking}" if order.return_tracking else ""
    raw = f' ("{order.last_raw_status}")' if order.last_raw_status else ""
    return f"Return under way{raw}: label at {order.return_label}{tracking}."


def tracked_line(order: TrackedOrder) -> str:
    """One line of ``order-agent list``: the order, its last status, then a plain sentence."""
    status = order.last_status.value.replace("_", " ") if order.last_status else "not checked yet"
    if order.active:
        state = f"Next check {shown(order.next_due_at)}." if order.next_due_at else "Not scheduled."
        if order.finding is not None:
            passes = order.finding.count
            state = (
                f"{state[:-1]}; pending finding ({passes} pass{'es' if passes > 1 else ''}): "
                f"{order.finding.message}"
            )
        if order.return_label:
            state = f"{_return_under_way(order)} {state}"
    else:
        state = _ended(order)
    return scrub(f"{order.key.number:<12} {status:<16} {state}  ({order.key.email})")
