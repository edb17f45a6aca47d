"""The :class:`Ledger`: every tracked order, its history and its write-ahead intents.

One object per process over one database (not shared between threads): the SQLite
file ``<data_dir>/ledger.sqlite3`` by default, or the database at
``ORDER_AGENT_DATABASE_URL`` (PostgreSQL, shared by many workers). Each method is one
short transaction; the SQL lives in the modules named after its tables.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from agent.ledger import (
    schema,
)
from agent.ledger.core import Clock, first_line
from agent.ledger.engine import (
    create_ledger_engine,
    database_url,
    masked,
    read_transaction,
    sqlite_url,
)
from agent.ledger.intent_log import IntentLog
from agent.ledger.models import (
    utc_now,
)
from agent.ledger.progress import OrderProgress
from agent.ledger.revisions import LEDGER_FILENAME
from agent.ledger.site_records import SiteRecords
from agent.ledger.tracking import TrackedOrders
from ordercore.errors import StorageError


class Ledger(TrackedOrders, OrderProgress, IntentLog, SiteRecords):
    """The ledger, open. One per process; not shared between threads."""

    @classmethod
    def open(
        cls, data_dir: Path, *, clock: Clock = utc_now, database_url: str | None = None
    ) -> Ledger:
        """Open (creating or migrating) the ledger: ``<data_dir>/ledger.sqlite3``, or the
        database at ``database_url`` when one is given (``ORDER_AGENT_DATABASE_URL``)."""
        if database_url:
            return cls._open_server(_parse_url(database_url), clock)
        return cls._open_sqlite(Path(data_dir), clock)

    @classmethod
    def open_read_only(cls, data_dir: Path, *, clock: Clock = utc_now) -> Ledger | None:
        """The SQLite ledger on a read-only connection; None when there is none, or it is
        not at the current revision (:meth:`open` says what is wrong, or migrates it)."""
        path = Path(data_dir) / LEDGER_FILENAME
        if not path.is_file():
            return None
        url = URL.create(
            "sqlite+pysqlite",
            database=f"{path.resolve().as_uri()}?mode=ro",
            query={"uri": "true"},
        )
        engine = create_ledger_engine(url)
        try:
            with read_transaction(engine) as conn:
                current = (schema.sqlite_user_version(conn), schema.current_revision(conn))
        except sa_exc.DBAPIError:
            engine.dispose()
            return None
        if current != (schema.SCHEMA_VERSION, schema.HEAD_REVISION):
            engine.dispose()
            return None
        return cls(engine, clock, where=str(path), path=path)

    @classmethod
    def _open_sqlite(cls, data_dir: Path, clock: Clock) -> Ledger:
        path = data_dir / LEDGER_FILENAME
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                schema.create_sqlite_ledger(path)
            schema.refuse_foreign_file(path)
        except OSError as exc:
            raise StorageError(
                f"cannot create the ledger {path}: {exc.strerror}",
                hint="check that the data dir is writable",
            ) from exc
        except sqlite3.Error as exc:
            raise StorageError(f"cannot create the ledger {path}: {exc}") from exc
        except sa_exc.DBAPIError as exc:
            raise StorageError(f"cannot create the ledger {path}: {exc.orig}") from exc
        engine = create_ledger_engine(sqlite_url(path))
        try:
            # One read transaction: another process may be creating the schema meanwhile.
            with read_transaction(engine) as conn:
                schema.check_sqlite_file(conn, path)
            schema.use_wal(engine)
            schema.migrate_sqlite(engine, path)
        except sa_exc.OperationalError as exc:
            engine.dispose()
            raise StorageError(f"cannot open the ledger {path}: {exc.orig}") from exc
        except sa_exc.DBAPIError as exc:
            engine.dispose()
            raise schema.not_a_ledger(str(path), str(exc.orig)) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock, where=str(path), path=path)

    @classmethod
    def _open_server(cls, url: URL, clock: Clock) -> Ledger:
        where = masked(url)
        engine = create_ledger_engine(url)
        try:
            schema.migrate_server(engine, where)
        except sa_exc.DBAPIError as exc:
            engine.dispose()
            raise StorageError(
                f"cannot open the ledger {where}: {first_line(exc.orig)}",
                hint="check ORDER_AGENT_DATABASE_URL and that the database server is up",
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock, where=where)


def _parse_url(text: str) -> URL:
    try:
        return database_url(text)
    except sa_exc.ArgumentError as exc:
        # The message would repeat the URL, password and all: say only what is wrong.
        raise StorageError(
            "ORDER_AGENT_DATABASE_URL is not a database URL",
            hint="e.g. postgresql://order-agent@db.example/ledger",
        ) from exc
