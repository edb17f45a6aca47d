"""What to do about an order, given its status and what the shopper asked for.

One pure function, the retail rules of tau-bench's retail domain: only a
pending/processing order can be cancelled, only a delivered one returned.
Everything else is waiting (the status will move on by itself), nothing (the
goal is already reached) or a person's call.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ordercore.models import Goal, OrderStatus, Outcome


class Step(StrEnum):
    """The one thing the runner does next."""

    REQUEST_CANCELLATION = "request_cancellation"
    START_RETURN = "start_return"
    DOWNLOAD_LABEL = "download_label"
    WAIT = "wait"
    NOTHING = "nothing"
    ASK_HUMAN = "ask_human"


@dataclass(frozen=True)
class Decision:
    step: Step
    outcome: Outcome  # what the run ends with once the step (if any) succeeds
    reason: str  # one sentence for people

    @property
    def acts_on_site(self) -> bool:
        """Whether the step submits something to the shop (skipped by --dry-run)."""
        return self.step in (Step.REQUEST_CANCELLATION, Step.START_RETURN, Step.DOWNLOAD_LABEL)


_STATUS_SENTENCES = {
    OrderStatus.PROCESSING: "The order is being processed and has not shipped yet.",
    OrderStatus.SHIPPED: "The order is on its way.",
    OrderStatus.DELIVERED: "The order was delivered.",
    OrderStatus.CANCELLED: "The order is cancelled.",
    OrderStatus.RETURN_STARTED: "A return is under way for this order.",
    OrderStatus.RETURNED: "The order has been returned.",
}


def _done(reason: str) -> Decision:
    return Decision(Step.NOTHING, Outcome.DONE, reason)


def _ask(reason: str) -> Decision:
    return Decision(Step.ASK_HUMAN, Outcome.NEEDS_HUMAN, reason)


def _wait(order: str) -> Decision:
    return Decision(
        Step.WAIT,
        Outcome.WAITING,
        "The order is in transit: nothing can be done until it is delivered; "
        f"`order-agent watch {order}` keeps trying.",
    )


def _unknown() -> Decision:
    return _ask("The shop shows a status order-agent does not know, so a person has to look.")


def _return_in_progress(label_saved: bool) -> Decision:
    if label_saved:
        return _done("A return is already under way and its label is saved.")
    return Decision(
        Step.DOWNLOAD_LABEL,
        Outcome.DONE,
        "A return is already under way: fetching its prepaid return label.",
    )


def _start_return(return_items_available: bool) -> Decision:
    if not return_items_available:
        return _ask(
            "The order was delivered but none of its items can be returned online "
            "(final sale); contact the shop."
        )
    return Decision(
        Step.START_RETURN,
        Outcome.DONE,
        "The order was delivered, so it can only be returned: starting a return.",
    )


def decide(
    status: OrderStatus,
    goal: Goal,
    *,
    allow_return: bool = True,
    label_saved: bool = False,
    return_items_available: bool = True,
    order: str = "ORDER",
) -> Decision:
    """The next step for ``goal`` on an order in ``status``.

    ``outcome`` is what the run reports once that step succeeded; a step that
    fails raises instead. ``order`` only fills in the advice text.
    """
    status, goal = OrderStatus(status), Goal(goal)
    if status is OrderStatus.UNKNOWN:
        return _unknown()
    if goal is Goal.STATUS:
        return _done(_STATUS_SENTENCES[status])
    if status is OrderStatus.SHIPPED:
        return _wait(order)
    if status is OrderStatus.RETURN_STARTED:
        return _return_in_progress(label_saved)
    if status is OrderStatus.CANCELLED:
        return _done("The order is already cancelled.")
    if status is OrderStatus.RETURNED:
        return _done("The order has already been returned.")

    if goal is Goal.CANCEL:
        if status is OrderStatus.PROCESSING:
            return Decision(
                Step.REQUEST_CANCELLATION,
                Outcome.DONE,
                "The order has not shipped yet: asking the shop to cancel it.",
            )
        # DELIVERED
        if not allow_return:
            # --no-return is the shopper's own answer to "what if it was
            # delivered?": honouring it completes the command, so exit 0.
            return _done(
                "The order was already delivered and cannot be cancelled; "
                f"--no-return kept it (`order-agent return {order}` sends it back)."
            )
        return _start_return(return_items_available)

    # Goal.RETURN
    if status is OrderStatus.PROCESSING:
        return _ask(
            "The order has not shipped yet, so it cannot be returned; "
            f"use `order-agent cancel {order}` instead."
        )
    return _start_return(return_items_available)
