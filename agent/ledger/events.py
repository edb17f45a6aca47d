"""The ``events`` table: an order's history, appended to, never rewritten."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from agent.ledger.codec import dumps, loads, to_datetime
from agent.ledger.models import Event, OrderKey
from agent.ledger.tables import events, orders


def insert_event(
    conn: Connection, order_id: int, at: str, kind: str, data: Mapping[str, Any]
) -> None:
    conn.execute(insert(events).values(order_id=order_id, at=at, kind=kind, data=dumps(data)))


def order_events(conn: Connection, key: OrderKey) -> list[Event]:
    """The order's history, oldest first."""
    rows = conn.execute(
        select(events.c.at, events.c.kind, events.c.data)
        .join(orders, orders.c.id == events.c.order_id)
        .where(
            orders.c.site == key.site, orders.c.email == key.email, orders.c.number == key.number
        )
        .order_by(events.c.id)
    ).mappings()
    return [Event(to_datetime(row["at"]), row["kind"], loads(row["data"])) for row in rows]
