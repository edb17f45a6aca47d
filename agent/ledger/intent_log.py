"""Write-ahead intents: begun before a submit, settled after it (sent, not sent, or
uncertain until reconciled), and what was sent for an order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.ledger import (
    events,
    intents,
    orders,
)
from agent.ledger.codec import dumps, iso
from agent.ledger.core import LedgerCore
from agent.ledger.models import (
    UNRESOLVED_INTENT_STATES,
    Intent,
    IntentConflict,
    IntentKind,
    IntentState,
    OrderKey,
)
from agent.ledger.tables import intents as intents_table
from ordercore.errors import LedgerError


class IntentLog(LedgerCore):
    """The write-ahead intents of every order."""

    # --- write-ahead intents --------------------------------------------------------------

    def begin_intent(
        self,
        key: OrderKey,
        kind: IntentKind,
        payload: Mapping[str, Any],
        *,
        allow_repeat: bool = False,
    ) -> int:
        """Write down, durably, that an irreversible step is about to happen.

        Call it right before the click and do not click unless it returned. Raises
        :class:`IntentConflict` while an intent of this kind is unresolved (reconcile
        it first) or, unless ``allow_repeat``, already sent.
        """
        kind = IntentKind(kind)
        now = iso(self._clock())
        with self._write() as conn:
            # The order's row locked: two workers decide one after the other.
            row = orders.order_row_required(conn, key, lock=True)
            blocking = (
                (*UNRESOLVED_INTENT_STATES, IntentState.SENT)
                if not allow_repeat
                else UNRESOLVED_INTENT_STATES
            )
            existing = intents.blocking_intent(conn, row["id"], kind, blocking)
            if existing is not None:
                raise IntentConflict(
                    f"order {key.number} already has a {kind.value} that is "
                    f"{existing['state']} (intent {existing['id']})",
                    hint="an unresolved one must be reconciled first; a sent one is not repeated",
                )
            intent_id = intents.insert_intent(conn, row["id"], kind, dict(payload), now)
            events.insert_event(
                conn, row["id"], now, "intent_begun", {"intent": intent_id, "kind": kind.value}
            )
        return intent_id

    def complete_intent(
        self, intent_id: int, reference: str | None, details: Mapping[str, Any] | None = None
    ) -> None:
        """The shop confirmed the step; ``reference`` is its case / return number."""
        self._settle(
            intent_id,
            IntentState.SENT,
            "intent_sent",
            reference=reference,
            details=dict(details or {}),
        )

    def fail_intent(self, intent_id: int, reason: str, definitely_not_sent: bool) -> None:
        """The step failed. Unless it certainly never reached the shop (e.g. the form
        would not submit), the intent stays unresolved, for reconciliation."""
        state = IntentState.NOT_SENT if definitely_not_sent else IntentState.UNCERTAIN
        self._settle(intent_id, state, "intent_failed", reason=reason)

    def resolve_intent(self, intent_id: int, found_reference: str | None, how: str) -> None:
        """Settle an unresolved intent from what the shop shows (``how``: where we looked).

        ``found_reference`` None means the shop shows no trace of it: it was not
        sent and may be submitted again. When the shop cannot tell, do not call
        this: ``finish(key, EndState.NEEDS_HUMAN, ...)`` and leave the intent open.
        """
        if found_reference is None:
            self._settle(intent_id, IntentState.NOT_SENT, "intent_resolved", how=how)
        else:
            self._settle(
                intent_id, IntentState.SENT, "intent_resolved", reference=found_reference, how=how
            )

    def adopt_intent(self, key: OrderKey, kind: IntentKind, reference: str | None, how: str) -> int:
        """Record as sent a step the shop shows was already taken (by another data dir,
        or on the site): ``how`` says where it was found. Refused like
        :meth:`begin_intent` while one of this kind is unresolved or sent."""
        intent_id = self.begin_intent(key, kind, {"adopted": True, "how": how})
        # Died between the two writes: the open intent is reconciled like any other.
        self._settle(intent_id, IntentState.SENT, "intent_adopted", reference=reference, how=how)
        return intent_id

    def open_intents(self, key: OrderKey) -> list[Intent]:
        """Intents whose outcome is unknown (open or uncertain), oldest first."""
        states = [state.value for state in UNRESOLVED_INTENT_STATES]
        return self._intents(key, intents_table.c.state.in_(states))

    def has_sent(self, key: OrderKey, kind: IntentKind) -> Intent | None:
        """The first sent intent of this kind, if any."""
        sent = self._sent(key, kind)
        return sent[0] if sent else None

    def count_sent(self, key: OrderKey, kind: IntentKind) -> int:
        return len(self._sent(key, kind))

    def intents(self, key: OrderKey) -> list[Intent]:
        """Every intent of the order, oldest first."""
        return self._intents(key, None)

    def _sent(self, key: OrderKey, kind: IntentKind) -> list[Intent]:
        return self._intents(
            key,
            (intents_table.c.kind == IntentKind(kind).value)
            & (intents_table.c.state == IntentState.SENT.value),
        )

    def _intents(self, key: OrderKey, where: Any) -> list[Intent]:
        with self._read() as conn:
            return intents.order_intents(conn, key, where)

    def _settle(
        self,
        intent_id: int,
        state: IntentState,
        event: str,
        *,
        reference: str | None = None,
        details: dict[str, Any] | None = None,
        reason: str | None = None,
        how: str | None = None,
    ) -> None:
        now = iso(self._clock())
        with self._write() as conn:
            row = intents.intent_row(conn, intent_id)
            if row is None:
                raise LedgerError(f"no intent {intent_id} in the ledger {self.where}")
            if row["state"] not in UNRESOLVED_INTENT_STATES:
                raise LedgerError(f"intent {intent_id} is already {row['state']}")
            intents.settle_intent(
                conn,
                intent_id,
                state=state.value,
                reference=reference,
                details=dumps(details or {}),
                reason=reason,
                how=how,
                finished_at=now,
            )
            events.insert_event(
                conn,
                row["order_id"],
                now,
                event,
                {
                    "intent": intent_id,
                    "kind": row["kind"],
                    "state": state.value,
                    "reference": reference,
                    "reason": reason,
                    "how": how,
                },
            )
