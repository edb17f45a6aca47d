"""Making, checking and moving forward the ledger's schema (Alembic, run on open).

The revisions live in ``agent/ledger/migrations/versions`` and are shipped inside the
package; no alembic.ini is needed. Every open checks the ledger's revision cheaply and
only runs Alembic when it is behind, in one write transaction (SQLite: under the write
lock, ``BEGIN IMMEDIATE``; PostgreSQL: under a transaction-scoped advisory lock), so
processes opening one ledger together migrate it once.

A SQLite ledger also keeps ``PRAGMA user_version`` (:data:`REVISION_VERSIONS`), as the
releases before Alembic did: they refuse a file newer than they know, and so do we.
A file that is not ours, or from a newer order-agent, is never modified.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from contextlib import suppress
from pathlib import Path

from sqlalchemy import Connection, Engine, func, inspect, select, text

from agent.ledger.engine import (
    APPLICATION_ID,
    SQLITE_HEADER,
    create_ledger_engine,
    sqlite_url,
    write_transaction,
)
from agent.ledger.legacy import bring_to_baseline
from agent.ledger.revisions import (
    BASELINE_REVISION,
    BASELINE_VERSION,
    HEAD_REVISION,
    REVISION_VERSIONS,
    SCHEMA_VERSION,
)
from ordercore.errors import LedgerError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key of a migration ("OAgL" again): one migrator at a time.
_MIGRATION_LOCK = APPLICATION_ID
_log = logging.getLogger("agent.ledger")


def upgrade(conn: Connection, *, stamp_baseline: bool = False) -> None:
    """Run Alembic to the head revision on ``conn``, inside the caller's transaction."""
    # Alembic's own lines ("setup plugin ..." as it is imported, "Context impl SQLiteImpl",
    # "Running upgrade ...") would reach the agent's log at info: one line of ours says it
    # instead. Set before the import, which logs the first of them.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Imported here: only an open that finds the ledger behind pays for loading Alembic.
    from alembic import command
    from alembic.config import Config

    before = current_revision(conn)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    if stamp_baseline:
        command.stamp(config, BASELINE_REVISION)
    command.upgrade(config, "head")
    if before is not None or stamp_baseline:  # not a new ledger: an older one moved forward
        # Standard logging, not structlog: nothing printed unless logging is configured.
        _log.info("ledger schema moved from %s to %s", before or "v3", HEAD_REVISION)


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    revision: str | None = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision


def newer_ledger(where: str, found: str) -> LedgerError:
    return LedgerError(
        f"the ledger {where} is from a newer order-agent ({found}, "
        f"this one knows v{SCHEMA_VERSION}); it was left untouched",
        hint="upgrade order-agent, or point ORDER_AGENT_DATA_DIR elsewhere",
    )


def not_a_ledger(where: str, why: str) -> LedgerError:
    return LedgerError(
        f"the ledger {where} is unreadable ({why}); it was left untouched",
        hint="move it aside to start a new ledger, or point ORDER_AGENT_DATA_DIR elsewhere",
    )


def _refuse_unknown_revision(revision: str | None, where: str) -> None:
    if revision is not None and revision not in REVISION_VERSIONS:
        raise newer_ledger(where, f"schema revision {revision}")


# --- SQLite -------------------------------------------------------------------------------


def create_sqlite_ledger(path: Path) -> None:
    """Build a complete ledger under a private name, then link it into place.

    Other processes never see a half-made ledger, and when several create one at
    once exactly one link wins; the others use the winner's. Switching a shared
    file to WAL, by contrast, fails at once (no busy wait) when two try together.
    """
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    # Created here with 0600 because SQLite would use the umask (often 0644); its
    # -wal and -shm files copy the database file's mode.
    os.close(os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        raw = sqlite3.connect(draft, isolation_level=None)
        try:
            raw.execute("PRAGMA journal_mode = WAL")
        finally:
            raw.close()
        engine = create_ledger_engine(sqlite_url(draft))
        try:
            with write_transaction(engine) as conn:
                upgrade(conn)
        finally:
            engine.dispose()
        # If another process was first, its ledger is as good as ours.
        with suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def refuse_foreign_file(path: Path) -> None:
    """Only read the first bytes: a file that is not SQLite must stay exactly as it is."""
    try:
        with path.open("rb") as existing:
            header = existing.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    if header and header != SQLITE_HEADER:
        raise not_a_ledger(str(path), "not a SQLite database")


def sqlite_user_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def check_sqlite_file(conn: Connection, path: Path) -> None:
    """Refuse (untouched) a file from a newer order-agent or of another program."""
    version = sqlite_user_version(conn)
    if version > SCHEMA_VERSION:
        raise newer_ledger(str(path), f"schema v{version}")
    application_id = int(conn.exec_driver_sql("PRAGMA application_id").scalar_one())
    has_tables = conn.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").first() is not None
    if (version > 0 and application_id != APPLICATION_ID) or (version == 0 and has_tables):
        raise not_a_ledger(str(path), "a SQLite database of another program")
    if version > 0:
        _refuse_unknown_revision(current_revision(conn), str(path))


def use_wal(engine: Engine) -> None:
    """WAL for a file not made by create_sqlite_ledger (an empty one, or an old copy).
    Outside any transaction: SQLite refuses to switch journal modes inside one."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        if raw.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            raw.execute("PRAGMA journal_mode = WAL")


def migrate_sqlite(engine: Engine, path: Path) -> None:
    with engine.connect() as conn, conn.begin():
        current = (sqlite_user_version(conn), current_revision(conn))
    if current == (SCHEMA_VERSION, HEAD_REVISION):
        return
    # Another process may be migrating the same file: decide under the write lock.
    with write_transaction(engine) as conn:
        check_sqlite_file(conn, path)
        version = sqlite_user_version(conn)
        stamp = False
        if version > 0 and current_revision(conn) is None:
            # Made before Alembic: v1/v2 brought to v3, then v3 recorded as the baseline.
            if version < BASELINE_VERSION:
                bring_to_baseline(conn, version)
            stamp = True
        upgrade(conn, stamp_baseline=stamp)


# --- PostgreSQL (any server database) ------------------------------------------------------


def migrate_server(engine: Engine, where: str) -> None:
    with engine.connect() as conn, conn.begin():
        revision = current_revision(conn)
    _refuse_unknown_revision(revision, where)
    if revision == HEAD_REVISION:
        return
    with write_transaction(engine) as conn:
        # Workers starting together: one migrates, the others wait and then find it done.
        conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
        revision = current_revision(conn)
        _refuse_unknown_revision(revision, where)
        if revision is None and inspect(conn).has_table("orders"):
            raise not_a_ledger(where, "a database of another program")
        if revision != HEAD_REVISION:
            upgrade(conn)


def server_schema_version(conn: Connection) -> int:
    revision = current_revision(conn)
    return REVISION_VERSIONS[revision] if revision else 0
