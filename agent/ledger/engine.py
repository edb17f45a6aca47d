"""From a database URL to a SQLAlchemy Engine the ledger can trust, and its transactions.

SQLite (the embedded default, ``<data_dir>/ledger.sqlite3``): every connection waits
up to :data:`BUSY_TIMEOUT_SECONDS` for a lock, keeps foreign keys and commits with
``synchronous=FULL`` (a committed intent survives a power cut, not just a crash); the
file is in WAL mode, so readers never wait for a writer. Transactions are begun by
us, not by the driver: a write begins ``BEGIN IMMEDIATE`` (the write lock up front,
so a busy ledger makes it wait rather than fail half-way), a read a plain ``BEGIN``.

PostgreSQL (``ORDER_AGENT_DATABASE_URL=postgresql://...``, driver psycopg 3): READ
COMMITTED transactions; writes lock the rows they read first (``FOR UPDATE``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

# "OAgL": lets us tell our ledger from any other SQLite file someone points us at.
APPLICATION_ID = 0x4F41674C
BUSY_TIMEOUT_SECONDS = 15.0
SQLITE_HEADER = b"SQLite format 3\x00"
# Set on a Connection for one write transaction (see _begin).
_WRITE_OPTION = "ledger_write"


def sqlite_url(path: Path) -> URL:
    return URL.create("sqlite+pysqlite", database=str(path))


def database_url(text: str) -> URL:
    """A URL as the ledger uses it: ``postgresql://`` means the psycopg 3 driver."""
    url = make_url(text)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def masked(url: URL | str) -> str:
    """The URL to show or log: its password replaced by ``***``."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def create_ledger_engine(url: URL) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # pre_ping: a worker's pooled connection may have been closed by the server meanwhile.
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connected(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not begin transactions on its own (it would BEGIN DEFERRED, and not
    # before DDL): _sqlite_begin does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One short write transaction: committed on leaving, rolled back on any error."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """One short read: a consistent snapshot, ended at once (never left open)."""
    with engine.connect() as conn, conn.begin():
        yield conn
