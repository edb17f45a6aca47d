"""A step's result as people and programs get it: the ``Result`` of one order.

Every step of an order ends here: what was done (``Action``, ``Outcome``, the shop's
reference, the label saved) with the order as last read, the sentence a person reads,
and the details ``--json`` adds: the return's progress (the parcel's tracking number
read from the saved label when the page shows none) and how the status was read.
Nothing here touches the shop or the ledger.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agent.decisions import Decision, status_headline
from agent.logs import get_logger
from agent.messages import order_summary
from agent.submitting import How, Submission
from ordercore.errors import OrderAgentError
from ordercore.models import Action, Goal, Order, OrderStatus, Outcome, Result, ReturnProgress

if TYPE_CHECKING:
    from flows.vocabulary import Vocabulary

log = get_logger("agent.results")


def tracking_on_label(label: str, words: Vocabulary) -> str | None:
    """The carrier's tracking number printed on a saved label, if it prints one."""
    from flows.labels import pdf_text
    from flows.matching import reference_in

    try:
        text = pdf_text(Path(label).read_bytes())
    except (OSError, OrderAgentError) as exc:  # the label is checked when saved; best effort
        log.info("label not read for its tracking number", error=type(exc).__name__)
        return None
    return reference_in(text, words.label_tracking_pattern)


def order_result(
    order: Order,
    action: Action,
    outcome: Outcome,
    reference: str | None,
    label: str | None,
    message: str,
    details: dict[str, object] | None = None,
    *,
    label_tracking: str | None = None,
) -> Result:
    """``label_tracking``: the parcel's tracking number printed on ``label``, if any."""
    details = dict(details or {})
    # A return followed to its refund: what the shop shows of it, when it does; the
    # parcel's tracking number from the label itself when the page shows none.
    progress = ReturnProgress(
        order.return_stage, order.return_tracking or label_tracking, order.refund
    )
    for key, value in progress.to_json().items():
        details.setdefault(key, value)
    if order.status_evidence is not None:
        for key, value in order.status_evidence.to_json().items():
            details.setdefault(key, value)
    return Result(
        order=order.number,
        status=order.status,
        raw_status=order.raw_status,
        action=action,
        outcome=outcome,
        reference=reference,
        label=label,
        message=message,
        details=details,
        return_progress=progress,
    )


def dry_run_result(
    order: Order, what: str, shot: Path | None, details: dict[str, object]
) -> Result:
    """A dry run's result: what the real command would send, and that nothing was."""
    headline = f"Dry run for order {order.number}: nothing was sent"
    pictured = f" Screenshot of the filled form: {shot}" if shot else ""
    result = order_result(
        order,
        Action.NONE,
        Outcome.DONE,
        None,
        None,
        f"{headline}. Without --dry-run, the same command {what}.{pictured}",
        {"dry_run": True, "screenshot": str(shot) if shot else None, **details},
    )
    result.headline = headline
    return result


def nothing_to_do(
    order: Order, goal: Goal, decision: Decision, label: Path | None, *, words: Vocabulary
) -> Result:
    """Nothing to send: the order as it stands (``status`` shows it whole) and what next.

    ``label``: the return label kept for it, shown while its return is under way (with
    the parcel's tracking number printed on it, when the page shows none).
    """
    shown_label = str(label) if label and order.status is OrderStatus.RETURN_STARTED else None
    label_tracking = (
        tracking_on_label(shown_label, words) if shown_label and not order.return_tracking else None
    )
    if goal is not Goal.STATUS:
        return order_result(
            order,
            Action.NONE,
            Outcome.DONE,
            None,
            shown_label,
            decision.message,
            label_tracking=label_tracking,
        )
    details: dict[str, object] = {
        "items": [
            {"name": item.name, "price": item.price, "final_sale": item.final_sale}
            for item in order.items
        ],
        "tracking": order.tracking,
    }
    # `status` exists to show the order: its items and tracking number belong in what a
    # person reads, not only in the JSON details; then the one next step.
    summary = order_summary(order, decision.reason)
    result = order_result(
        order,
        Action.NONE,
        Outcome.DONE,
        None,
        shown_label,
        f"{summary} {decision.next_step}" if decision.next_step else summary,
        details,
        label_tracking=label_tracking,
    )
    result.headline = status_headline(order.status, order.number, order.raw_status)
    return result


def request_on_file(
    number: str, order: Order, submission: Submission, sent_at: datetime | None
) -> Result:
    """No cancellation request sent: this ledger (``sent_at``) or the shop has one already."""
    case = f" (case {submission.reference})" if submission.reference else ""
    if submission.how is How.ALREADY_SENT:
        when = f" on {sent_at:%Y-%m-%d %H:%M} UTC" if sent_at else ""
        message = (
            f"Cancellation already requested{when}{case}: not sending it again; "
            "the shop has not cancelled the order yet. "
            f"`order-agent watch {number}` keeps at it until the shop does."
        )
    elif submission.how is How.RECONCILED:
        message = (
            f"An earlier run's cancellation request did reach the shop{case}: not sending it again."
        )
    else:
        message = (
            f"The shop already lists an open cancellation request for order "
            f"{order.number} on its {submission.found_at}{case}: not sending another."
        )
    return order_result(order, Action.NONE, Outcome.DONE, submission.reference, None, message)
