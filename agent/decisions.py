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


class Refusal(StrEnum):
    """Why nothing can be done for an order without a person (``Step.ASK_HUMAN``)."""

    UNKNOWN_STATUS = "unknown_status"
    NOT_SHIPPED = "not_shipped"  # a return asked of an order that has not shipped
    FINAL_SALE = "final_sale"  # delivered, none of its items returnable online
    NO_RETURN_ENTRY = "no_return_entry"  # delivered, its page offers no way to return it


# What a refusal says of the order ("order MK-70001 <this>").
REFUSED_BECAUSE = {
    Refusal.UNKNOWN_STATUS: "shows a status order-agent does not know, so a person has to look",
    Refusal.NOT_SHIPPED: "has not shipped yet, so it cannot be returned",
    Refusal.FINAL_SALE: "was delivered but none of its items can be returned online (final sale)",
    Refusal.NO_RETURN_ENTRY: "was delivered, but its page offers no way to start a return online",
}


@dataclass(frozen=True)
class Decision:
    step: Step
    outcome: Outcome  # what the run ends with once the step (if any) succeeds
    reason: str  # what the order's state means, one sentence for people
    next_step: str | None = None  # the one thing the person can do next, if any
    refusal: Refusal | None = None  # ASK_HUMAN: why
    # The next step is another order-agent command, not something to ask the shop.
    by_command: bool = False

    @property
    def acts_on_site(self) -> bool:
        """Whether the step submits something to the shop (skipped by --dry-run)."""
        return self.step in (Step.REQUEST_CANCELLATION, Step.START_RETURN, Step.DOWNLOAD_LABEL)

    @property
    def message(self) -> str:
        """The reason, then the next step: what a person reads."""
        return f"{self.reason} {self.next_step}" if self.next_step else self.reason


def _cmd(command: str, order: str) -> str:
    return f"`order-agent {command} {order}`"


def status_headline(status: OrderStatus, order: str, raw_status: str | None = None) -> str:
    """``Order MK-70001 is still processing ("Order Placed")``: the state, in the shop's words
    too when they differ from order-agent's (quoted once, here)."""
    status = OrderStatus(status)
    state = {
        OrderStatus.PROCESSING: "is still processing",
        OrderStatus.SHIPPED: "has shipped",
        OrderStatus.DELIVERED: "was delivered",
        OrderStatus.CANCELLED: "is cancelled",
        OrderStatus.RETURN_STARTED: "has a return under way",
        OrderStatus.RETURNED: "has been returned",
        OrderStatus.REFUNDED: "has been refunded",
        OrderStatus.UNKNOWN: "shows a status order-agent does not know",
    }[status]
    words = raw_status.strip() if raw_status else ""
    shown = words.lower().replace(" ", "_") != status.value and words.lower() != status.value
    quoted = f' ("{words}")' if words and shown else ""
    return f"Order {order} {state}{quoted}"


def _status_next_step(
    status: OrderStatus,
    order: str,
    *,
    label_saved: bool,
    return_items_available: bool,
    return_offered: bool = True,
    label_by_mail: bool = False,
    requested: str | None = None,
) -> str:
    """What a person can do about an order in ``status``, as one sentence."""
    if status is OrderStatus.PROCESSING:
        if requested is not None:
            case = f" (case {requested})" if requested else ""
            return (
                f"Its cancellation was requested{case}: the shop cancels it if it has not "
                f"shipped; {_cmd('watch', order)} follows it."
            )
        return f"{_cmd('cancel', order)} asks the shop to cancel it."
    if status is OrderStatus.SHIPPED:
        return (
            "Nothing can be done until it is delivered; "
            f"{_cmd('watch', order)} keeps at it and returns it once it arrives."
        )
    if status is OrderStatus.DELIVERED:
        if not return_items_available:
            return "None of its items can be returned online (final sale): contact the shop."
        if label_by_mail:
            return "Its return was requested; the shop sends the label: nothing more to do."
        if not return_offered:
            return NO_RETURN_ENTRY_NEXT
        return f"{_cmd('return', order)} starts a return and saves the prepaid label."
    if status is OrderStatus.RETURN_STARTED:
        if label_by_mail:
            return "The return was requested; the shop sends its label: nothing more to do."
        if label_saved:
            return "Its prepaid return label is saved: nothing more to do."
        return f"{_cmd('return', order)} saves its prepaid return label."
    return "Nothing more to do."


def _done(reason: str, next_step: str | None = None) -> Decision:
    return Decision(Step.NOTHING, Outcome.DONE, reason, next_step)


def _ask(refusal: Refusal, next_step: str | None = None, *, by_command: bool = False) -> Decision:
    reason = (
        "The shop shows a status order-agent does not know, so a person has to look."
        if refusal is Refusal.UNKNOWN_STATUS
        else f"The order {REFUSED_BECAUSE[refusal]}."
    )
    return Decision(Step.ASK_HUMAN, Outcome.NEEDS_HUMAN, reason, next_step, refusal, by_command)


def _wait(order: str) -> Decision:
    return Decision(
        Step.WAIT,
        Outcome.WAITING,
        "The order is in transit: nothing can be done until it is delivered.",
        f"{_cmd('watch', order)} keeps trying and returns it once it arrives.",
    )


def _unknown() -> Decision:
    return _ask(Refusal.UNKNOWN_STATUS)


def _return_in_progress(label_saved: bool, label_by_mail: bool = False) -> Decision:
    if label_by_mail:
        return _done("A return was requested; the shop sends its label itself.")
    if label_saved:
        return _done("A return is already under way and its label is saved.")
    return Decision(
        Step.DOWNLOAD_LABEL,
        Outcome.DONE,
        "A return is already under way: fetching its prepaid return label.",
    )


NO_RETURN_ENTRY_NEXT = "Its page offers no way to start a return online: contact the shop."


def _start_return(
    return_items_available: bool, return_offered: bool = True, label_by_mail: bool = False
) -> Decision:
    if label_by_mail:
        return _done("A return was already requested; the shop sends its label itself.")
    if not return_items_available:
        return _ask(Refusal.FINAL_SALE, "Contact the shop's customer service about it.")
    if not return_offered:
        return _ask(Refusal.NO_RETURN_ENTRY, "Contact the shop's customer service to send it back.")
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
    return_offered: bool = True,
    label_by_mail: bool = False,
    requested: str | None = None,
    order: str = "ORDER",
    number: str | None = None,
    raw_status: str | None = None,
) -> Decision:
    """The next step for ``goal`` on an order in ``status``.

    ``outcome`` is what the run reports once that step succeeded; a step that
    fails raises instead. ``label_by_mail``: the return sent was a request, whose label
    the shop mails (nothing to download). ``requested``: a cancellation request was sent
    for the order (its case number, "" when the shop gave none). The rest only fills in
    the text: ``order`` as the person typed it (in the commands suggested), ``number``
    as the shop shows it (default: ``order``) and ``raw_status``, the shop's own words.
    """
    status, goal = OrderStatus(status), Goal(goal)
    if status is OrderStatus.UNKNOWN:
        return _unknown()
    if goal is Goal.STATUS:
        return _done(
            status_headline(status, number or order, raw_status) + ".",
            _status_next_step(
                status,
                order,
                label_saved=label_saved,
                return_items_available=return_items_available,
                return_offered=return_offered,
                label_by_mail=label_by_mail,
                requested=requested,
            ),
        )
    if status is OrderStatus.SHIPPED:
        return _wait(order)
    if status is OrderStatus.RETURN_STARTED:
        return _return_in_progress(label_saved, label_by_mail)
    if status is OrderStatus.CANCELLED:
        return _done("The order is already cancelled: nothing more to do.")
    if status is OrderStatus.RETURNED:
        return _done("The order has already been returned: nothing more to do.")
    if status is OrderStatus.REFUNDED:
        return _done("The order has been returned and refunded: nothing more to do.")

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
                "The order was already delivered and cannot be cancelled; --no-return kept it.",
                f"{_cmd('return', order)} sends it back.",
            )
        return _start_return(return_items_available, return_offered, label_by_mail)

    # Goal.RETURN
    if status is OrderStatus.PROCESSING:
        return _ask(
            Refusal.NOT_SHIPPED,
            f"{_cmd('cancel', order)} asks the shop to cancel it instead.",
            by_command=True,
        )
    return _start_return(return_items_available, return_offered, label_by_mail)
