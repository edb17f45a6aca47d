"""Tracked orders: what is tracked, what is due, its status, its end; and claims (one
worker at a time per order on a shared ledger)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from agent.ledger import (
    claims,
    events,
    orders,
)
from agent.ledger.codec import dumps, iso, iso_or_none
from agent.ledger.core import LedgerCore
from agent.ledger.models import (
    EndState,
    OrderKey,
    OrderOptions,
    TrackedOrder,
    seconds,
)
from agent.ledger.tables import orders as orders_table
from ordercore.models import Goal, OrderStatus


class TrackedOrders(LedgerCore):
    """Tracking orders and scheduling their checks."""

    def track(
        self,
        key: OrderKey,
        goal: Goal,
        options: OrderOptions | None = None,
        every: timedelta | None = None,
        until: datetime | None = None,
    ) -> TrackedOrder:
        """Watch an order (``watch``/``add``): idempotent, re-adding updates it.

        A new order is due at once. Re-adding an order that was forgotten, expired
        or handed to a human brings it back, due at once; a finished one (cancelled,
        label saved) keeps its end state: there is nothing left to do.
        """
        options = options or OrderOptions()
        now = iso(self._clock())
        every_seconds = seconds(every)
        with self._write() as conn:
            row = orders.order_row(conn, key, lock=True)
            order_id = None
            if row is None:
                order_id = orders.insert_order(
                    conn,
                    key,
                    {
                        "goal": Goal(goal).value,
                        "options": dumps(options.to_json()),
                        "every_seconds": every_seconds,
                        "until": iso_or_none(until),
                        "next_due_at": now if every_seconds else None,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                if order_id is None:  # another worker added it since we looked
                    row = orders.order_row_required(conn, key, lock=True)
            if order_id is not None:
                kind = "tracked"
            else:
                assert row is not None
                order_id = row["id"]
                # Decided here rather than in SQL: the row is locked since the read.
                revive = row["end_state"] in (
                    EndState.FORGOTTEN,
                    EndState.EXPIRED,
                    EndState.NEEDS_HUMAN,
                )
                if every_seconds is None:
                    next_due = None
                elif revive or row["next_due_at"] is None:
                    next_due = now
                else:
                    next_due = row["next_due_at"]  # re-adding does not push a check back
                values: dict[str, Any] = {
                    "goal": Goal(goal).value,
                    "options": dumps(options.to_json()),
                    "every_seconds": every_seconds,
                    "until": iso_or_none(until),
                    "next_due_at": next_due,
                    "updated_at": now,
                }
                if revive:
                    values |= {
                        "end_state": EndState.NONE.value,
                        "end_message": None,
                        "ended_at": None,
                        "parked_fingerprint": None,
                        "finding_kind": None,
                        "finding_count": 0,
                    }
                orders.update_order(conn, order_id, **values)
                kind = "revived" if revive else "updated"
            events.insert_event(
                conn,
                order_id,
                now,
                kind,
                {
                    "goal": Goal(goal).value,
                    "options": options.to_json(),
                    "every": every_seconds,
                    "until": iso_or_none(until),
                },
            )
        return self._get_required(key)

    def ensure_order(
        self, key: OrderKey, goal: Goal, options: OrderOptions | None = None
    ) -> TrackedOrder:
        """The order's row for a one-shot command, created unscheduled if missing.

        An existing row (perhaps watched on a schedule) is returned unchanged.
        """
        now = iso(self._clock())
        with self._write() as conn:
            if orders.order_row(conn, key) is None:
                order_id = orders.insert_order(
                    conn,
                    key,
                    {
                        "goal": Goal(goal).value,
                        "options": dumps((options or OrderOptions()).to_json()),
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                if order_id is not None:
                    events.insert_event(conn, order_id, now, "recorded", {"goal": Goal(goal).value})
        return self._get_required(key)

    def forget(self, key: OrderKey) -> bool:
        """Stop working on an order (its history stays). False if it was never tracked."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row(conn, key, lock=True)
            if row is None:
                return False
            orders.update_order(
                conn,
                row["id"],
                end_state=EndState.FORGOTTEN.value,
                end_message="forgotten",
                ended_at=now,
                next_due_at=None,
                updated_at=now,
            )
            events.insert_event(conn, row["id"], now, "forgotten", {})
        return True

    def list_tracked(self, *, include_forgotten: bool = False) -> list[TrackedOrder]:
        """Every order in the ledger, oldest first (forgotten ones only on request)."""
        statement = select(orders_table).order_by(orders_table.c.id)
        if not include_forgotten:
            statement = statement.where(orders_table.c.end_state != EndState.FORGOTTEN.value)
        with self._read() as conn:
            return [orders.tracked_order(row) for row in conn.execute(statement).mappings()]

    def due(self, now: datetime | None = None) -> list[TrackedOrder]:
        """Orders still worked on whose next check is at or before ``now``, soonest first."""
        table = orders_table
        statement = (
            select(table)
            .where(
                table.c.end_state == EndState.NONE.value,
                table.c.next_due_at.is_not(None),
                table.c.next_due_at <= iso(now or self._clock()),
            )
            .order_by(table.c.next_due_at, table.c.id)
        )
        with self._read() as conn:
            return [orders.tracked_order(row) for row in conn.execute(statement).mappings()]

    def expire_overdue(self, now: datetime | None = None) -> list[TrackedOrder]:
        """End (as ``expired``) every active order whose ``until`` has passed; returns them."""
        at = iso(now or self._clock())
        table = orders_table
        with self._write() as conn:
            ids = (
                conn.execute(
                    select(table.c.id)
                    .where(
                        table.c.end_state == EndState.NONE.value,
                        table.c.until.is_not(None),
                        table.c.until <= at,
                    )
                    .order_by(table.c.id)
                    .with_for_update()
                )
                .scalars()
                .all()
            )
            for order_id in ids:
                orders.set_end_state(
                    conn, order_id, at, EndState.EXPIRED, "watched until its end date"
                )
            expired = [orders.order_row_by_id(conn, order_id) for order_id in ids]
        return [orders.tracked_order(row) for row in expired]

    def record_status(
        self, key: OrderKey, status: OrderStatus, raw: str, at: datetime | None = None
    ) -> None:
        """What the order page said. An event is kept only when the words change,
        so a job that looks every few minutes for weeks does not fill the disk."""
        seen = iso(at or self._clock())
        status_value = OrderStatus(status).value
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            orders.update_order(
                conn,
                row["id"],
                last_status=status_value,
                last_raw_status=raw,
                last_seen_at=seen,
                updated_at=seen,
            )
            if (row["last_status"], row["last_raw_status"]) != (status_value, raw):
                events.insert_event(
                    conn,
                    row["id"],
                    seen,
                    "status",
                    {"status": status_value, "raw": raw, "was": row["last_status"]},
                )

    def schedule_next(self, key: OrderKey, at: datetime) -> None:
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            orders.update_order(conn, row["id"], next_due_at=iso(at), updated_at=iso(self._clock()))

    def finish(
        self, key: OrderKey, end_state: EndState, message: str, *, parked_on: str | None = None
    ) -> None:
        """Stop working on an order, saying why (``message`` is shown by ``list``).

        ``parked_on``: the fingerprint of credentials the shop refused; the order
        resumes by itself once the configured ones differ (:meth:`resume_parked`).
        """
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            orders.set_end_state(conn, row["id"], now, EndState(end_state), message)
            orders.update_order(conn, row["id"], parked_fingerprint=parked_on)

    # --- claims: one worker at a time per order (many workers on one shared ledger) -------

    def claim(
        self, key: OrderKey, worker: str, lease: timedelta, *, take_over: bool = False
    ) -> bool:
        """Take the order for ``worker`` for ``lease`` (renewed if it already holds it).
        False while another worker holds an unexpired claim (unless ``take_over``: its
        holder is known to be dead), or (PostgreSQL) while another transaction has the
        row locked this very moment: skip the order this pass."""
        now = self._clock()
        with self._write() as conn:
            return claims.claim(conn, key, worker, iso(now), iso(now + lease), take_over=take_over)

    def release(self, key: OrderKey, worker: str) -> bool:
        """Give the order back (False if ``worker`` no longer held it)."""
        with self._write() as conn:
            return claims.release(conn, key, worker)
