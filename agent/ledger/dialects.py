"""The few statements SQLite and PostgreSQL spell differently (``ON CONFLICT``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def _insert(conn: Connection, table: Table) -> Any:
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def upsert(
    conn: Connection, table: Table, values: Mapping[str, Any], *, keys: tuple[str, ...]
) -> None:
    """Insert the row, or update every other column of the one with the same ``keys``."""
    statement = _insert(conn, table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in values if name not in keys},
    )
    conn.execute(statement)


def insert_if_missing(
    conn: Connection, table: Table, values: Mapping[str, Any], *, keys: tuple[str, ...]
) -> int | None:
    """Insert the row and return its id; None if one with the same ``keys`` exists
    (another process inserted it since we looked)."""
    statement = (
        _insert(conn, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(table.c.id)
    )
    inserted: int | None = conn.execute(statement).scalar()
    return inserted
