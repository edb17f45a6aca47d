"""Time passing for agents in other processes, as their ledger sees it (test-only).

Workers and ``order-agent run`` subprocesses read the real clock. Moving every time the
ledger holds back by a span is, for every comparison the agent makes (due, claim leases,
the age of an open intent, end dates), the same as that span having passed: the tests
that drive the shop's warehouse clock (``ShopServer.advance``) move the agents' time
along with it, without waiting. Only ever done while no live worker is checking an order
(see :func:`claims`): a lease of a worker at work must not run out under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Column, Table, select, update

from agent.ledger import Ledger
from agent.ledger.codec import iso, to_datetime
from agent.ledger.tables import credential_blocks, events, intents, orders

_TIMES: dict[Table, tuple[str, ...]] = {
    orders: (
        "until",
        "last_seen_at",
        "next_due_at",
        "ended_at",
        "created_at",
        "updated_at",
        "finding_first_at",
        "finding_last_at",
        "label_saved_at",
        "claimed_until",
    ),
    intents: ("started_at", "finished_at"),
    events: ("at",),
}


def pass_time(ledger: Ledger, span: timedelta) -> None:
    """Every time in the ledger ``span`` earlier, in one transaction."""
    with ledger._write() as conn:  # a test reaching into its own ledger
        for table, names in _TIMES.items():
            key: Column[int] = table.c.id
            columns = [table.c[name] for name in names]
            for row in conn.execute(select(key, *columns)).mappings():
                moved = {
                    name: iso(to_datetime(row[name]) - span)
                    for name in names
                    if row[name] is not None
                }
                if moved:
                    conn.execute(update(table).where(key == row["id"]).values(**moved))
        for row in conn.execute(select(credential_blocks)).mappings():
            conn.execute(
                update(credential_blocks)
                .where(
                    credential_blocks.c.site == row["site"],
                    credential_blocks.c.email == row["email"],
                )
                .values(blocked_at=iso(to_datetime(row["blocked_at"]) - span))
            )


@dataclass(frozen=True)
class OrderRow:
    number: str
    end_state: str
    due: bool  # still worked on and due now
    claimed_by: str | None  # a worker whose lease has not run out


def order_rows(ledger: Ledger) -> list[OrderRow]:
    """Every order, as the ledger has it now: is it due, and who holds it."""
    with ledger._read() as conn:
        now = iso(ledger._clock())
        rows = conn.execute(
            select(
                orders.c.number,
                orders.c.end_state,
                orders.c.next_due_at,
                orders.c.claimed_by,
                orders.c.claimed_until,
            )
        ).mappings()
        return [
            OrderRow(
                row["number"],
                row["end_state"],
                row["end_state"] == "none"
                and row["next_due_at"] is not None
                and row["next_due_at"] <= now,
                row["claimed_by"]
                if row["claimed_until"] is not None and row["claimed_until"] > now
                else None,
            )
            for row in rows
        ]


def open_intent_holders(ledger: Ledger) -> list[str]:
    """Who holds the orders whose submit is under way (an open intent): ``host:pid``."""
    with ledger._read() as conn:
        rows = conn.execute(
            select(orders.c.claimed_by)
            .join(intents, intents.c.order_id == orders.c.id)
            .where(intents.c.state == "open", orders.c.claimed_by.is_not(None))
        ).all()
    return [str(row[0]) for row in rows]
