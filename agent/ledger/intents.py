"""The ``intents`` table: write-ahead records of irreversible steps (see :class:`Ledger`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, insert, select, true, update

from agent.ledger.codec import dumps, loads, to_datetime, to_datetime_or_none
from agent.ledger.models import Intent, IntentKind, IntentState, OrderKey
from agent.ledger.tables import intents, orders


def blocking_intent(
    conn: Connection, order_id: int, kind: IntentKind, states: tuple[IntentState, ...]
) -> RowMapping | None:
    """The first intent of this kind in one of ``states`` (locked, in a write)."""
    return (
        conn.execute(
            select(intents.c.id, intents.c.state)
            .where(
                intents.c.order_id == order_id,
                intents.c.kind == kind.value,
                intents.c.state.in_([state.value for state in states]),
            )
            .order_by(intents.c.id)
            .limit(1)
        )
        .mappings()
        .first()
    )


def insert_intent(
    conn: Connection, order_id: int, kind: IntentKind, payload: dict[str, Any], at: str
) -> int:
    intent_id: int = conn.execute(
        insert(intents)
        .values(
            order_id=order_id,
            kind=kind.value,
            state=IntentState.OPEN.value,
            payload=dumps(payload),
            started_at=at,
        )
        .returning(intents.c.id)
    ).scalar_one()
    return intent_id


def intent_row(conn: Connection, intent_id: int) -> RowMapping | None:
    return (
        conn.execute(
            select(intents.c.order_id, intents.c.kind, intents.c.state)
            .where(intents.c.id == intent_id)
            .with_for_update()
        )
        .mappings()
        .first()
    )


def settle_intent(conn: Connection, intent_id: int, **values: Any) -> None:
    conn.execute(update(intents).where(intents.c.id == intent_id).values(**values))


def order_intents(
    conn: Connection, key: OrderKey, where: ColumnElement[bool] | None = None
) -> list[Intent]:
    """The order's intents matching ``where``, oldest first."""
    rows = conn.execute(
        select(intents, orders.c.site, orders.c.email, orders.c.number)
        .join(orders, orders.c.id == intents.c.order_id)
        .where(
            orders.c.site == key.site,
            orders.c.email == key.email,
            orders.c.number == key.number,
            where if where is not None else true(),
        )
        .order_by(intents.c.id)
    ).mappings()
    return [_intent(row) for row in rows]


def _intent(row: RowMapping) -> Intent:
    return Intent(
        id=row["id"],
        key=OrderKey(row["site"], row["email"], row["number"]),
        kind=IntentKind(row["kind"]),
        state=IntentState(row["state"]),
        payload=loads(row["payload"]),
        reference=row["reference"],
        details=loads(row["details"]),
        reason=row["reason"],
        how=row["how"],
        started_at=to_datetime(row["started_at"]),
        finished_at=to_datetime_or_none(row["finished_at"]),
    )
