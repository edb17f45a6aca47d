"""What a check leaves in the ledger: the order's next check or its end, and the shopper
told of each change once.

:class:`ScheduleBook` is what the scheduler and the reading of a result
(``agent.schedule_meaning``) write through: ``later`` (the next check, with jitter),
``finish`` (an end), ``finding`` (what may be a hiccup, looked at again with a backoff),
``needs_human`` (an end a person has to act on; told once per stop), ``expired``, and
``notify`` (a change told once per order, recorded in the ledger whether or not it
was delivered).
"""

from __future__ import annotations

from datetime import datetime

from agent.credentials import configured_fingerprint
from agent.durations import format_duration
from agent.ledger import EndState, Ledger, OrderKey, TrackedOrder
from agent.logs import get_logger
from agent.notify import Notifier, NotifyEvent
from agent.schedule_policy import (
    DEFAULT_EVERY,
    PARKED_ON_CREDENTIALS,
    RESTART_EVENTS,
    Clock,
    Jitter,
    finding_is_final,
    finding_retry_after,
)
from agent.schedule_reports import Check
from agent.settings import Settings
from ordercore.errors import NeedsHuman
from ordercore.models import Outcome, Result

log = get_logger("agent.scheduler")


class ScheduleBook:
    """Writes a check's consequence for one order: next check, end, notification."""

    def __init__(
        self, settings: Settings, *, clock: Clock, jitter: Jitter, notifier: Notifier
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.jitter = jitter
        self.notifier = notifier

    def finish(
        self,
        ledger: Ledger,
        tracked: TrackedOrder,
        result: Result,
        end_state: EndState,
        end_message: str,
        event: NotifyEvent,
        title: str,
        body: str,
    ) -> Check:
        ledger.finish(tracked.key, end_state, end_message)
        self.notify(ledger, tracked.key, event, title, body)
        return Check(tracked.key, Outcome.DONE, result.message, end_state, result, at=self.clock())

    def finding(self, ledger: Ledger, tracked: TrackedOrder, exc: NeedsHuman) -> Check:
        """What may be a hiccup: retried later, and handed to a person only once the same
        finding held for FINDING_GIVE_UP_PASSES passes over FINDING_GIVE_UP_SPAN."""
        finding = ledger.record_finding(tracked.key, type(exc).__name__, exc.message)
        log.warning("finding", order=tracked.key.number, kind=finding.kind, passes=finding.count)
        if finding_is_final(finding):
            return self.needs_human(ledger, tracked, exc)
        retry = finding_retry_after(finding.count)
        return self.later(
            ledger,
            tracked,
            Outcome.WAITING,
            f"{exc.message} (found on {finding.count} pass{'es' if finding.count > 1 else ''} "
            f"in a row; looking again in {format_duration(retry)})",
            error=finding.kind,
            at=self.clock() + retry,
        )

    def needs_human(self, ledger: Ledger, tracked: TrackedOrder, exc: NeedsHuman) -> Check:
        parked_on = (
            configured_fingerprint(self.settings, ledger)
            if isinstance(exc, PARKED_ON_CREDENTIALS)
            else None
        )
        ledger.finish(tracked.key, EndState.NEEDS_HUMAN, exc.message, parked_on=parked_on)
        body = exc.message + (f" ({exc.hint})" if exc.hint else "")
        if exc.phone:
            body += f" Customer service: {exc.phone}."
        # Told once per stop: an order that went back to work (its credentials changed,
        # or it was added again) and stopped again is news.
        if not self.told(ledger, tracked.key, NotifyEvent.NEEDS_HUMAN, since_restart=True):
            self.notify(
                ledger,
                tracked.key,
                NotifyEvent.NEEDS_HUMAN,
                f"Order {tracked.key.number} needs you",
                body,
                once=False,
            )
        return Check(
            tracked.key,
            Outcome.NEEDS_HUMAN,
            body,
            EndState.NEEDS_HUMAN,
            error=type(exc).__name__,
            at=self.clock(),
        )

    def expired(self, ledger: Ledger, tracked: TrackedOrder) -> Check:
        self.notify(
            ledger,
            tracked.key,
            NotifyEvent.EXPIRED,
            f"Stopped watching order {tracked.key.number}",
            "The watch reached its end date before the order was cancelled or returned; "
            "`order-agent add` starts it again.",
        )
        return Check(
            tracked.key,
            Outcome.WAITING,
            "The watch reached its end date before the order was cancelled or returned.",
            EndState.EXPIRED,
            at=self.clock(),
        )

    def later(
        self,
        ledger: Ledger,
        tracked: TrackedOrder,
        outcome: Outcome,
        message: str,
        *,
        result: Result | None = None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> Check:
        """The order stays tracked: schedule its next check."""
        every = tracked.every or DEFAULT_EVERY
        next_check = at or self.clock() + every + self.jitter(every)
        ledger.schedule_next(tracked.key, next_check)
        return Check(
            tracked.key,
            outcome,
            message,
            result=result,
            next_check=next_check,
            error=error,
            at=self.clock(),
        )

    def notify(
        self,
        ledger: Ledger,
        key: OrderKey,
        event: NotifyEvent,
        title: str,
        body: str,
        *,
        once: bool = True,
        also: NotifyEvent | None = None,
    ) -> None:
        """Log and send a change, once per order (``also``: a change that counts as this one)."""
        if once and self.told(ledger, key, event, *([also] if also else [])):
            return
        delivered = self.notifier.notify(event, key.number, title, body)
        ledger.record_notification(
            key, event, title, delivered=delivered, configured=self.notifier.enabled
        )

    @staticmethod
    def told(
        ledger: Ledger, key: OrderKey, *events: NotifyEvent, since_restart: bool = False
    ) -> bool:
        """Whether the shopper was already told of any of these changes for this order
        (``since_restart``: since it last went back to work after an end)."""
        wanted = {str(event) for event in events}
        history = ledger.events(key)
        if since_restart:
            restarts = [i for i, e in enumerate(history) if e.kind in RESTART_EVENTS]
            history = history[restarts[-1] + 1 :] if restarts else history
        return any(e.kind == "notification" and e.data.get("event") in wanted for e in history)
