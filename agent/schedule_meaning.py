"""What a scheduled check's result means for the order: an end, a wait, a return to follow.

The decision table (``agent.decisions``) says what to do on the shop; the table here,
:data:`AFTER_STATUS`, says what the result of doing it means for the schedule, by the
order's status as the check read it (a return to follow comes first: a label saved,
or a refund shown). :class:`ResultMeaning` carries it out through the
:class:`~agent.schedule_book.ScheduleBook`: an end told once, the next check, the one
follow-up on a request the shop sits on, each step of a return told once.
"""

from __future__ import annotations

from enum import StrEnum

from agent.account_session import AccountSession, TabSession
from agent.durations import format_duration
from agent.ledger import DEFAULT_SHIP_BY, EndState, IntentKind, Ledger, OrderKey, TrackedOrder
from agent.logs import get_logger
from agent.messages import DEFAULT_REASON, follow_up_message
from agent.notify import NotifyEvent
from agent.output import StepPrinter
from agent.schedule_book import ScheduleBook
from agent.schedule_policy import RETURN_FOLLOW_SPAN
from agent.schedule_reports import Check, shown
from agent.settings import Settings
from ordercore.errors import NeedsHuman
from ordercore.models import Order, OrderStatus, Outcome, Result, ReturnProgress, ReturnStage

log = get_logger("agent.scheduler")


class Next(StrEnum):
    """What follows a check, for the schedule."""

    FOLLOW_RETURN = "follow the return"  # a label saved or a refund shown: to the refund
    END_CANCELLED = "end: cancelled"
    END_RETURNED = "end: returned"  # returned without a label of ours to follow
    WAIT_FOR_SHOP = "wait for the shop"  # processing: the request on file, a follow-up
    WAIT_FOR_DELIVERY = "wait for delivery"  # shipped: then the return
    CHECK_AGAIN = "check again"


# The order's status as the check read it -> what follows (others: CHECK_AGAIN).
AFTER_STATUS: dict[OrderStatus, Next] = {
    OrderStatus.CANCELLED: Next.END_CANCELLED,
    OrderStatus.RETURNED: Next.END_RETURNED,
    OrderStatus.REFUNDED: Next.FOLLOW_RETURN,
    OrderStatus.PROCESSING: Next.WAIT_FOR_SHOP,
    OrderStatus.SHIPPED: Next.WAIT_FOR_DELIVERY,
}


def next_after(tracked: TrackedOrder, result: Result) -> Next:
    """What follows this check: a return to follow (a label saved, now or by an earlier
    check of this order, or a refund shown) first, else by the status read."""
    progress = result.return_progress or ReturnProgress()
    if result.label or (tracked.return_label is not None and progress.stage is not None):
        return Next.FOLLOW_RETURN
    if result.status is None:
        return Next.CHECK_AGAIN
    return AFTER_STATUS.get(result.status, Next.CHECK_AGAIN)


class ResultMeaning:
    """Reads a check's result with the scheduled meaning and writes it in the book."""

    def __init__(self, settings: Settings, book: ScheduleBook, steps: StepPrinter) -> None:
        self.settings = settings
        self.book = book
        self.clock = book.clock
        self.steps = steps

    def after(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        result: Result,
    ) -> Check:
        """What ``result`` means for the order's schedule (``next_after``), written down."""
        key, book = tracked.key, self.book
        then = next_after(tracked, result)
        if then is Next.FOLLOW_RETURN:
            return self._return_progress(ledger, tracked, result)
        if then is Next.END_CANCELLED:
            sent = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
            case = f" (case {sent.reference})" if sent and sent.reference else ""
            return book.finish(
                ledger,
                tracked,
                result,
                EndState.CANCELLED,
                "the order is cancelled",
                NotifyEvent.ORDER_CANCELLED,
                f"Order {result.order} is cancelled",
                f"The shop cancelled order {result.order}{case}.",
            )
        if then is Next.END_RETURNED:
            # Returned without a label of ours to follow (a return made elsewhere).
            return book.finish(
                ledger,
                tracked,
                result,
                EndState.LABEL_SAVED,
                "the order has been returned",
                NotifyEvent.LABEL_READY,
                f"Order {result.order} has been returned",
                result.message,
            )
        message = result.message
        sent = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        if sent is not None and not book.told(ledger, key, NotifyEvent.REQUEST_SENT):
            # Sent just now, or an earlier run's request just found on the shop's pages.
            book.notify(
                ledger,
                key,
                NotifyEvent.REQUEST_SENT,
                f"Cancellation requested for order {result.order}",
                f"Case number {sent.reference or '(none shown)'}. order-agent keeps "
                "checking until the shop cancels it.",
            )
        elif then is Next.WAIT_FOR_SHOP:
            message = self._waiting_for_shop(ledger, account, tracked, result)
        if then is Next.WAIT_FOR_DELIVERY:
            message = self._shipped(ledger, key, result)
        return book.later(ledger, tracked, Outcome.WAITING, message, result=result)

    # -- a return followed to its refund ---------------------------------------

    def _return_progress(self, ledger: Ledger, tracked: TrackedOrder, result: Result) -> Check:
        """One step of a return: label saved, parcel on its way, received, refunded. Each
        step is told once; a parcel not scanned --ship-by after its label gets one reminder."""
        key = tracked.key
        order = result.order
        progress = result.return_progress or ReturnProgress()
        followed = ledger.record_return(key, label=result.label, tracking=progress.tracking)
        label = followed.return_label
        if tracked.return_label is None and label is not None:
            ship_by = followed.options.ship_by or DEFAULT_SHIP_BY
            ledger.extend_until(key, self.clock() + ship_by + RETURN_FOLLOW_SPAN)
        tracked_as = followed.return_tracking
        on_label = f" (return tracking number {tracked_as})" if tracked_as else ""
        if label is not None:
            self.book.notify(
                ledger,
                key,
                NotifyEvent.LABEL_READY,
                f"Return label ready for order {order}",
                f"{result.message} Print it, attach it to the parcel and hand it to the "
                "carrier; order-agent follows the return until the refund shows.",
            )
        stage = progress.stage
        if result.status is OrderStatus.REFUNDED or stage is ReturnStage.REFUNDED:
            amount = progress.refund
            ledger.record_return(key, refund=amount)
            return self.book.finish(
                ledger,
                tracked,
                result,
                EndState.REFUNDED,
                f"refunded {amount}" if amount else "refunded",
                NotifyEvent.REFUNDED,
                f"Order {order} refunded" + (f": {amount}" if amount else ""),
                f"The shop shows the refund for order {order}"
                + (f": {amount}." if amount else " (no amount shown).")
                + " order-agent has stopped checking it.",
            )
        if stage is ReturnStage.RECEIVED:
            self.book.notify(
                ledger,
                key,
                NotifyEvent.RETURN_RECEIVED,
                f"Return received for order {order}",
                f"The shop has the returned parcel{on_label}; order-agent keeps checking "
                "until the refund shows.",
            )
            message = "The shop received the return: waiting for the refund."
        elif stage is ReturnStage.IN_TRANSIT:
            self.book.notify(
                ledger,
                key,
                NotifyEvent.RETURN_IN_TRANSIT,
                f"Return on its way for order {order}",
                f"The carrier has the parcel{on_label}; order-agent keeps checking until "
                "the shop receives it and refunds it.",
            )
            message = "The return is on its way back: waiting for the shop to receive it."
        else:
            message = self._waiting_for_scan(ledger, followed, order)
        return self.book.later(ledger, tracked, Outcome.WAITING, message, result=result)

    def _waiting_for_scan(self, ledger: Ledger, followed: TrackedOrder, order: str) -> str:
        label = followed.return_label or "the data dir"
        message = f"Return label saved at {label}: waiting for the carrier to scan the parcel."
        ship_by = followed.options.ship_by
        saved_at = followed.label_saved_at
        if ship_by is None or saved_at is None or self.clock() - saved_at < ship_by:
            return message
        if self.book.told(ledger, followed.key, NotifyEvent.SHIP_REMINDER):
            return message + " The one reminder to send it was sent earlier."
        self.book.notify(
            ledger,
            followed.key,
            NotifyEvent.SHIP_REMINDER,
            f"Send back order {order}",
            f"The label is in {label}; the package has not been scanned yet "
            f"({format_duration(ship_by)} after the label was saved).",
        )
        return message + " A reminder was sent."

    def _waiting_for_shop(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        result: Result,
    ) -> str:
        key = tracked.key
        first = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        if first is None:
            return result.message
        case = first.reference or "(no case number shown)"
        asked = first.finished_at or first.started_at
        message = f"Waiting for the shop to act on case {case}, sent {shown(asked)}."
        follow_up_after = tracked.options.follow_up_after
        if follow_up_after is None or self.clock() - asked < follow_up_after:
            return message
        if any(intent.kind is IntentKind.FOLLOW_UP for intent in ledger.intents(key)):
            return message + " A follow-up was already sent."
        return message + " " + self._follow_up(ledger, account, tracked, result, case)

    def _follow_up(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        result: Result,
        case: str,
    ) -> str:
        """The one polite follow-up, written ahead like every submit."""
        agent = account.agent()
        settings = self.settings
        name = agent.shop.shopper_name()
        message = follow_up_message(order=result.order, name=name, case=case)
        request = {
            "name": name,
            "email": settings.email or "",
            "reason": tracked.options.reason or DEFAULT_REASON,
            "message": message,
        }
        order = Order(
            number=result.order,
            status=result.status or OrderStatus.PROCESSING,
            raw_status=result.raw_status or "",
        )
        self.steps.doing(f"Following up on case {case}…")
        try:
            sent = agent.send_follow_up(tracked.key, order, request, case)
        except NeedsHuman as exc:
            log.warning("follow-up not sent", order=tracked.key.number, error=type(exc).__name__)
            return "The follow-up could not be sent; it is not tried again."
        except Exception as exc:
            # Maybe sent (the intent stays uncertain): never sent a second time.
            log.warning("follow-up unconfirmed", order=tracked.key.number, error=type(exc).__name__)
            return "The follow-up may not have reached the shop; it is not tried again."
        reference = sent or "(none shown)"
        self.steps.done(f"Follow-up sent: case {reference}")
        self.book.notify(
            ledger,
            tracked.key,
            NotifyEvent.REQUEST_SENT,
            f"Follow-up sent for order {result.order}",
            f"No change since case {case}: a follow-up was sent (case {reference}).",
            once=False,
        )
        return f"No change yet, so a follow-up was sent (case {reference})."

    def _shipped(self, ledger: Ledger, key: OrderKey, result: Result) -> str:
        sent = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        message = "The order has shipped: waiting for delivery to start the return."
        if sent is not None:
            case = sent.reference or "(no case number)"
            self.book.notify(
                ledger,
                key,
                NotifyEvent.REQUEST_DECLINED,
                f"Order {result.order} shipped before it could be cancelled",
                f"The shop did not cancel order {result.order} in time (case {case}); "
                "order-agent will start a return once it is delivered.",
                also=NotifyEvent.SHIPPED,
            )
        else:
            self.book.notify(
                ledger,
                key,
                NotifyEvent.SHIPPED,
                f"Order {result.order} has shipped",
                "order-agent will start a return once it is delivered.",
                also=NotifyEvent.REQUEST_DECLINED,
            )
        return message
