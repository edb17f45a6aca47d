"""Order claims: one worker at a time works on an order, for a lease that runs out.

A claim is two columns of the order's row (``claimed_by``, ``claimed_until``, revision
0002). Taking one reads the row locked: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` (a row
another transaction holds right now is busy: not ours this pass), on SQLite under the
write lock every write holds (``BEGIN IMMEDIATE``). A worker that dies keeps its claim
only until the lease ends; then any worker may take the order over.
"""

from __future__ import annotations

import os
import socket

from sqlalchemy import Connection, select, update

from agent.ledger.models import OrderKey, OrderNotTracked
from agent.ledger.orders import order_row
from agent.ledger.tables import orders


def _same_order(key: OrderKey) -> tuple[object, ...]:
    return (
        orders.c.site == key.site,
        orders.c.email == key.email,
        orders.c.number == key.number,
    )


def this_worker() -> str:
    """This process, as claims name it: host and pid (one ledger may span machines)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(
    conn: Connection,
    key: OrderKey,
    worker: str,
    now: str,
    until: str,
    *,
    take_over: bool = False,
) -> bool:
    row = (
        conn.execute(
            select(orders.c.id, orders.c.claimed_by, orders.c.claimed_until)
            .where(*_same_order(key))
            .with_for_update(skip_locked=True)
        )
        .mappings()
        .first()
    )
    if row is None:
        if order_row(conn, key) is None:
            raise OrderNotTracked(f"order {key} is not in the ledger")
        return False  # another transaction holds the row this very moment
    holder, held_until = row["claimed_by"], row["claimed_until"]
    held = holder is not None and holder != worker and held_until is not None and held_until > now
    if held and not take_over:
        return False
    conn.execute(
        update(orders)
        .where(orders.c.id == row["id"])
        .values(claimed_by=worker, claimed_until=until)
    )
    return True


def release(conn: Connection, key: OrderKey, worker: str) -> bool:
    """Give the order back; False if ``worker`` did not hold it (any more)."""
    result = conn.execute(
        update(orders)
        .where(*_same_order(key), orders.c.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
    )
    return bool(result.rowcount)
