"""The ``orders`` table: one row per tracked order, read back as :class:`TrackedOrder`.

Functions here run inside the caller's transaction. In a write, ``lock=True`` reads
lock the row (PostgreSQL ``FOR UPDATE``; SQLite already holds the write lock), so a
decision made on what was read holds until the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, select, update

from agent.ledger.codec import loads, to_datetime, to_datetime_or_none
from agent.ledger.dialects import insert_if_missing
from agent.ledger.events import insert_event
from agent.ledger.models import (
    EndState,
    Finding,
    OrderKey,
    OrderNotTracked,
    OrderOptions,
    TrackedOrder,
    to_timedelta,
)
from agent.ledger.tables import orders
from ordercore.models import Goal, OrderStatus


def order_row(conn: Connection, key: OrderKey, *, lock: bool = False) -> RowMapping | None:
    statement = select(orders).where(
        orders.c.site == key.site, orders.c.email == key.email, orders.c.number == key.number
    )
    if lock:
        statement = statement.with_for_update()
    return conn.execute(statement).mappings().first()


def order_row_required(conn: Connection, key: OrderKey, *, lock: bool = False) -> RowMapping:
    row = order_row(conn, key, lock=lock)
    if row is None:
        raise OrderNotTracked(f"order {key} is not in the ledger")
    return row


def order_row_by_id(conn: Connection, order_id: int) -> RowMapping:
    return conn.execute(select(orders).where(orders.c.id == order_id)).mappings().one()


def insert_order(conn: Connection, key: OrderKey, values: Mapping[str, Any]) -> int | None:
    """The new order's id; None when another process inserted it meanwhile."""
    return insert_if_missing(
        conn,
        orders,
        {"site": key.site, "email": key.email, "number": key.number, **values},
        keys=("site", "email", "number"),
    )


def update_order(conn: Connection, order_id: int, **values: Any) -> None:
    conn.execute(update(orders).where(orders.c.id == order_id).values(**values))


def set_end_state(
    conn: Connection, order_id: int, at: str, end_state: EndState, message: str
) -> None:
    update_order(
        conn,
        order_id,
        end_state=end_state.value,
        end_message=message,
        ended_at=at,
        next_due_at=None,
        updated_at=at,
    )
    insert_event(conn, order_id, at, "finished", {"end_state": end_state.value, "message": message})


def tracked_order(row: RowMapping) -> TrackedOrder:
    return TrackedOrder(
        key=OrderKey(row["site"], row["email"], row["number"]),
        goal=Goal(row["goal"]),
        options=OrderOptions.from_json(loads(row["options"])),
        every=to_timedelta(row["every_seconds"]),
        until=to_datetime_or_none(row["until"]),
        last_status=OrderStatus(row["last_status"]) if row["last_status"] else None,
        last_raw_status=row["last_raw_status"],
        last_seen_at=to_datetime_or_none(row["last_seen_at"]),
        next_due_at=to_datetime_or_none(row["next_due_at"]),
        end_state=EndState(row["end_state"]),
        end_message=row["end_message"],
        ended_at=to_datetime_or_none(row["ended_at"]),
        created_at=to_datetime(row["created_at"]),
        updated_at=to_datetime(row["updated_at"]),
        finding=_finding(row),
        parked_fingerprint=row["parked_fingerprint"],
        return_label=row["return_label"],
        label_saved_at=to_datetime_or_none(row["label_saved_at"]),
        return_tracking=row["return_tracking"],
        refund=row["refund"],
    )


def _finding(row: RowMapping) -> Finding | None:
    if not row["finding_count"] or not row["finding_kind"]:
        return None
    return Finding(
        kind=row["finding_kind"],
        message=row["finding_message"] or "",
        count=row["finding_count"],
        first_at=to_datetime(row["finding_first_at"]),
        last_at=to_datetime(row["finding_last_at"]),
    )
