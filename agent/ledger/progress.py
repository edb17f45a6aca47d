"""An order's progress besides its status: a return followed to its refund, findings
(what may be a hiccup), orders parked on refused credentials, and its events."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from agent.ledger import (
    events,
    orders,
)
from agent.ledger.codec import iso, to_datetime
from agent.ledger.core import LedgerCore
from agent.ledger.models import (
    EndState,
    Event,
    Finding,
    OrderKey,
    TrackedOrder,
    normalise_email,
    normalise_site,
)
from agent.ledger.tables import orders as orders_table


class OrderProgress(LedgerCore):
    """Returns, findings, parked orders and events."""

    # --- a return followed to its refund (schema v3) ---------------------------------------

    def extend_until(self, key: OrderKey, until: datetime) -> None:
        """Watch the order at least until ``until`` (a later end date is kept)."""
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            if row["until"] is not None and to_datetime(row["until"]) < until:
                now = iso(self._clock())
                orders.update_order(conn, row["id"], until=iso(until), updated_at=now)
                events.insert_event(conn, row["id"], now, "extended", {"until": iso(until)})

    def record_return(
        self,
        key: OrderKey,
        *,
        label: str | None = None,
        tracking: str | None = None,
        refund: str | None = None,
    ) -> TrackedOrder:
        """What is known of the order's return; ``None`` leaves a value as it was. The
        first label recorded sets ``label_saved_at`` (the ``--ship-by`` reminder counts from
        it). An event is kept when something changed."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            given = {"return_label": label, "return_tracking": tracking, "refund": refund}
            changed = {
                column: value
                for column, value in given.items()
                if value is not None and row[column] != value
            }
            if changed:
                saved_at = row["label_saved_at"] or (now if "return_label" in changed else None)
                orders.update_order(
                    conn, row["id"], **changed, label_saved_at=saved_at, updated_at=now
                )
                events.insert_event(conn, row["id"], now, "return", changed)
        return self._get_required(key)

    # --- findings: what may be a hiccup, retried before anyone is bothered ----------------

    def record_finding(self, key: OrderKey, kind: str, message: str) -> Finding:
        """A check was stopped by ``kind``: count it (one more pass in a row if it is the
        same kind as last time, else a new finding), and return it."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            same = row["finding_kind"] == kind and row["finding_count"] > 0
            count = row["finding_count"] + 1 if same else 1
            first = row["finding_first_at"] if same else now
            orders.update_order(
                conn,
                row["id"],
                finding_kind=kind,
                finding_message=message,
                finding_count=count,
                finding_first_at=first,
                finding_last_at=now,
                updated_at=now,
            )
            events.insert_event(
                conn, row["id"], now, "finding", {"kind": kind, "message": message, "count": count}
            )
        return Finding(kind, message, count, to_datetime(first), to_datetime(now))

    def clear_finding(self, key: OrderKey) -> None:
        """A check went through: whatever stopped earlier ones was a hiccup."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            if not row["finding_count"]:
                return
            orders.update_order(
                conn,
                row["id"],
                finding_kind=None,
                finding_message=None,
                finding_count=0,
                finding_first_at=None,
                finding_last_at=None,
                updated_at=now,
            )
            events.insert_event(
                conn, row["id"], now, "finding_cleared", {"kind": row["finding_kind"]}
            )

    # --- orders parked on refused credentials ---------------------------------------------

    def has_parked(self) -> bool:
        """Whether some order waits for its account's credentials to change."""
        table = orders_table
        with self._read() as conn:
            found = conn.execute(
                select(table.c.id)
                .where(
                    table.c.end_state == EndState.NEEDS_HUMAN.value,
                    table.c.parked_fingerprint.is_not(None),
                )
                .limit(1)
            ).first()
        return found is not None

    def resume_parked(self, site: str, email: str, fingerprint: str) -> list[TrackedOrder]:
        """Put back to work (due at once) the scheduled orders of this account that were
        parked on other credentials than ``fingerprint``; returns them."""
        now = iso(self._clock())
        table = orders_table
        with self._write() as conn:
            rows = conn.execute(
                select(table.c.id, table.c.parked_fingerprint)
                .where(
                    table.c.site == normalise_site(site),
                    table.c.email == normalise_email(email),
                    table.c.end_state == EndState.NEEDS_HUMAN.value,
                    table.c.parked_fingerprint.is_not(None),
                    table.c.every_seconds.is_not(None),
                )
                .order_by(table.c.id)
                .with_for_update()
            ).mappings()
            resumed = [
                row["id"]
                for row in rows
                if not secrets.compare_digest(row["parked_fingerprint"], fingerprint)
            ]
            for order_id in resumed:
                orders.update_order(
                    conn,
                    order_id,
                    end_state=EndState.NONE.value,
                    end_message=None,
                    ended_at=None,
                    parked_fingerprint=None,
                    finding_kind=None,
                    finding_count=0,
                    next_due_at=now,
                    updated_at=now,
                )
                events.insert_event(conn, order_id, now, "resumed", {"why": "credentials changed"})
            found = [orders.order_row_by_id(conn, order_id) for order_id in resumed]
        return [orders.tracked_order(row) for row in found]

    def record_event(self, key: OrderKey, kind: str, data: Mapping[str, Any] | None = None) -> None:
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key)
            events.insert_event(conn, row["id"], now, kind, dict(data or {}))

    def record_notification(
        self, key: OrderKey, event: str, title: str, *, delivered: bool, configured: bool = True
    ) -> None:
        """A change told (``configured``: a notifier was set up to send it)."""
        self.record_event(
            key,
            "notification",
            {"event": event, "title": title, "delivered": delivered, "configured": configured},
        )

    def events(self, key: OrderKey) -> list[Event]:
        """The order's history, oldest first."""
        with self._read() as conn:
            return events.order_events(conn, key)
