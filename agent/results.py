"""A step's result as people and programs get it: the ``Result`` of one order.

Every step of an order ends here: what was done (``Action``, ``Outcome``, the shop's
reference, the label saved) with the order as last read, the sentence a person reads,
and the details ``--json`` adds: the return's progress and how the status was read.
Nothing here touches the shop or the ledger.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from agent.decisions import Decision, status_headline
from agent.messages import order_summary
from agent.submitting import How, Submission
from ordercore.models import Action, Goal, Order, OrderStatus, Outcome, Result, ReturnProgress


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
    order: Order,
    goal: Goal,
    decision: Decision,
    label: Path | None,
    *,
    label_tracking: str | None = None,
) -> Result:
    """Nothing to send: the order as it stands (``status`` shows it whole) and what next."""
    shown_label = str(label) if label and order.status is OrderStatus.RETURN_STARTED else None
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
