"""The ledger's connection, its transactions and the one order read every part needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from agent.ledger import (
    orders,
    schema,
)
from agent.ledger.engine import (
    is_sqlite,
    read_transaction,
    write_transaction,
)
from agent.ledger.models import (
    OrderKey,
    OrderNotTracked,
    TrackedOrder,
)
from ordercore.errors import StorageError

Clock = Callable[[], datetime]


class LedgerCore:
    """The ledger's connection and transactions: what every part of it works through."""

    def __init__(
        self, engine: Engine, clock: Clock, *, where: str, path: Path | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.where = where  # the file, or the database URL with its password masked
        self.path = path  # the SQLite file; None for a server database

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self._engine.url)

    @property
    def schema_version(self) -> int:
        with self._read() as conn:
            if self.is_sqlite:
                return schema.sqlite_user_version(conn)
            return schema.server_schema_version(conn)

    def _write(self) -> AbstractContextManager[Connection]:
        """One short write transaction (see :mod:`agent.ledger.engine`)."""
        return self._transaction(write_transaction, "write")

    def _read(self) -> AbstractContextManager[Connection]:
        return self._transaction(read_transaction, "read")

    @contextmanager
    def _transaction(
        self, open_: Callable[[Engine], AbstractContextManager[Connection]], verb: str
    ) -> Iterator[Connection]:
        try:
            with open_(self._engine) as conn:
                yield conn
        except sa_exc.OperationalError as exc:
            raise StorageError(
                f"cannot {verb} the ledger {self.where}: {first_line(exc.orig)}"
            ) from exc

    def get(self, key: OrderKey) -> TrackedOrder | None:
        with self._read() as conn:
            row = orders.order_row(conn, key)
            return orders.tracked_order(row) if row is not None else None

    def _get_required(self, key: OrderKey) -> TrackedOrder:
        order = self.get(key)
        if order is None:
            raise OrderNotTracked(f"order {key} is not in the ledger {self.where}")
        return order


def first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else ""
