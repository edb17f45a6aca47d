"""The :class:`Ledger`: every tracked order, its history and its write-ahead intents.

One object per process over one database (not shared between threads): the SQLite
file ``<data_dir>/ledger.sqlite3`` by default, or the database at
``ORDER_AGENT_DATABASE_URL`` (PostgreSQL, shared by many workers). Each method is one
short transaction; the SQL lives in the modules named after its tables.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from agent.ledger import (
    accounts,
    claims,
    credential_blocks,
    events,
    intents,
    orders,
    schema,
    site_memory,
)
from agent.ledger.accounts import StoredAccount
from agent.ledger.codec import dumps, iso, iso_or_none, to_datetime
from agent.ledger.engine import (
    create_ledger_engine,
    database_url,
    is_sqlite,
    masked,
    read_transaction,
    sqlite_url,
    write_transaction,
)
from agent.ledger.models import (
    UNRESOLVED_INTENT_STATES,
    EndState,
    Event,
    Finding,
    Intent,
    IntentConflict,
    IntentKind,
    IntentState,
    OrderKey,
    OrderNotTracked,
    OrderOptions,
    TrackedOrder,
    normalise_email,
    normalise_site,
    seconds,
    utc_now,
)
from agent.ledger.revisions import LEDGER_FILENAME
from agent.ledger.tables import intents as intents_table
from agent.ledger.tables import orders as orders_table
from ordercore.errors import LedgerError, StorageError
from ordercore.models import Goal, OrderStatus

Clock = Callable[[], datetime]


class Ledger:
    """The ledger, open. One per process; not shared between threads."""

    def __init__(
        self, engine: Engine, clock: Clock, *, where: str, path: Path | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.where = where  # the file, or the database URL with its password masked
        self.path = path  # the SQLite file; None for a server database

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
                f"cannot open the ledger {where}: {_first_line(exc.orig)}",
                hint="check ORDER_AGENT_DATABASE_URL and that the database server is up",
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock, where=where)

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

    # --- tracked orders -------------------------------------------------------------------

    def track(
        self,
        key: OrderKey,
        goal: Goal,
        options: OrderOptions | None = None,
        every: timedelta | None = None,
        until: datetime | None = None,
    ) -> TrackedOrder:
        """Watch an order (``watch``/``add``): idempotent, re-adding updates it.

        A new order is due at once. Re-adding an order that was forgotten, expired
        or handed to a human brings it back, due at once; a finished one (cancelled,
        label saved) keeps its end state: there is nothing left to do.
        """
        options = options or OrderOptions()
        now = iso(self._clock())
        every_seconds = seconds(every)
        with self._write() as conn:
            row = orders.order_row(conn, key, lock=True)
            order_id = None
            if row is None:
                order_id = orders.insert_order(
                    conn,
                    key,
                    {
                        "goal": Goal(goal).value,
                        "options": dumps(options.to_json()),
                        "every_seconds": every_seconds,
                        "until": iso_or_none(until),
                        "next_due_at": now if every_seconds else None,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                if order_id is None:  # another worker added it since we looked
                    row = orders.order_row_required(conn, key, lock=True)
            if order_id is not None:
                kind = "tracked"
            else:
                assert row is not None
                order_id = row["id"]
                # Decided here rather than in SQL: the row is locked since the read.
                revive = row["end_state"] in (
                    EndState.FORGOTTEN,
                    EndState.EXPIRED,
                    EndState.NEEDS_HUMAN,
                )
                if every_seconds is None:
                    next_due = None
                elif revive or row["next_due_at"] is None:
                    next_due = now
                else:
                    next_due = row["next_due_at"]  # re-adding does not push a check back
                values: dict[str, Any] = {
                    "goal": Goal(goal).value,
                    "options": dumps(options.to_json()),
                    "every_seconds": every_seconds,
                    "until": iso_or_none(until),
                    "next_due_at": next_due,
                    "updated_at": now,
                }
                if revive:
                    values |= {
                        "end_state": EndState.NONE.value,
                        "end_message": None,
                        "ended_at": None,
                        "parked_fingerprint": None,
                        "finding_kind": None,
                        "finding_count": 0,
                    }
                orders.update_order(conn, order_id, **values)
                kind = "revived" if revive else "updated"
            events.insert_event(
                conn,
                order_id,
                now,
                kind,
                {
                    "goal": Goal(goal).value,
                    "options": options.to_json(),
                    "every": every_seconds,
                    "until": iso_or_none(until),
                },
            )
        return self._get_required(key)

    def ensure_order(
        self, key: OrderKey, goal: Goal, options: OrderOptions | None = None
    ) -> TrackedOrder:
        """The order's row for a one-shot command, created unscheduled if missing.

        An existing row (perhaps watched on a schedule) is returned unchanged.
        """
        now = iso(self._clock())
        with self._write() as conn:
            if orders.order_row(conn, key) is None:
                order_id = orders.insert_order(
                    conn,
                    key,
                    {
                        "goal": Goal(goal).value,
                        "options": dumps((options or OrderOptions()).to_json()),
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                if order_id is not None:
                    events.insert_event(conn, order_id, now, "recorded", {"goal": Goal(goal).value})
        return self._get_required(key)

    def get(self, key: OrderKey) -> TrackedOrder | None:
        with self._read() as conn:
            row = orders.order_row(conn, key)
            return orders.tracked_order(row) if row is not None else None

    def forget(self, key: OrderKey) -> bool:
        """Stop working on an order (its history stays). False if it was never tracked."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row(conn, key, lock=True)
            if row is None:
                return False
            orders.update_order(
                conn,
                row["id"],
                end_state=EndState.FORGOTTEN.value,
                end_message="forgotten",
                ended_at=now,
                next_due_at=None,
                updated_at=now,
            )
            events.insert_event(conn, row["id"], now, "forgotten", {})
        return True

    def list_tracked(self, *, include_forgotten: bool = False) -> list[TrackedOrder]:
        """Every order in the ledger, oldest first (forgotten ones only on request)."""
        statement = select(orders_table).order_by(orders_table.c.id)
        if not include_forgotten:
            statement = statement.where(orders_table.c.end_state != EndState.FORGOTTEN.value)
        with self._read() as conn:
            return [orders.tracked_order(row) for row in conn.execute(statement).mappings()]

    def due(self, now: datetime | None = None) -> list[TrackedOrder]:
        """Orders still worked on whose next check is at or before ``now``, soonest first."""
        table = orders_table
        statement = (
            select(table)
            .where(
                table.c.end_state == EndState.NONE.value,
                table.c.next_due_at.is_not(None),
                table.c.next_due_at <= iso(now or self._clock()),
            )
            .order_by(table.c.next_due_at, table.c.id)
        )
        with self._read() as conn:
            return [orders.tracked_order(row) for row in conn.execute(statement).mappings()]

    def expire_overdue(self, now: datetime | None = None) -> list[TrackedOrder]:
        """End (as ``expired``) every active order whose ``until`` has passed; returns them."""
        at = iso(now or self._clock())
        table = orders_table
        with self._write() as conn:
            ids = (
                conn.execute(
                    select(table.c.id)
                    .where(
                        table.c.end_state == EndState.NONE.value,
                        table.c.until.is_not(None),
                        table.c.until <= at,
                    )
                    .order_by(table.c.id)
                    .with_for_update()
                )
                .scalars()
                .all()
            )
            for order_id in ids:
                orders.set_end_state(
                    conn, order_id, at, EndState.EXPIRED, "watched until its end date"
                )
            expired = [orders.order_row_by_id(conn, order_id) for order_id in ids]
        return [orders.tracked_order(row) for row in expired]

    def record_status(
        self, key: OrderKey, status: OrderStatus, raw: str, at: datetime | None = None
    ) -> None:
        """What the order page said. An event is kept only when the words change,
        so a job that looks every few minutes for weeks does not fill the disk."""
        seen = iso(at or self._clock())
        status_value = OrderStatus(status).value
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            orders.update_order(
                conn,
                row["id"],
                last_status=status_value,
                last_raw_status=raw,
                last_seen_at=seen,
                updated_at=seen,
            )
            if (row["last_status"], row["last_raw_status"]) != (status_value, raw):
                events.insert_event(
                    conn,
                    row["id"],
                    seen,
                    "status",
                    {"status": status_value, "raw": raw, "was": row["last_status"]},
                )

    def schedule_next(self, key: OrderKey, at: datetime) -> None:
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            orders.update_order(conn, row["id"], next_due_at=iso(at), updated_at=iso(self._clock()))

    def finish(
        self, key: OrderKey, end_state: EndState, message: str, *, parked_on: str | None = None
    ) -> None:
        """Stop working on an order, saying why (``message`` is shown by ``list``).

        ``parked_on``: the fingerprint of credentials the shop refused; the order
        resumes by itself once the configured ones differ (:meth:`resume_parked`).
        """
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            orders.set_end_state(conn, row["id"], now, EndState(end_state), message)
            orders.update_order(conn, row["id"], parked_fingerprint=parked_on)

    # --- claims: one worker at a time per order (many workers on one shared ledger) -------

    def claim(
        self, key: OrderKey, worker: str, lease: timedelta, *, take_over: bool = False
    ) -> bool:
        """Take the order for ``worker`` for ``lease`` (renewed if it already holds it).
        False while another worker holds an unexpired claim (unless ``take_over``: its
        holder is known to be dead), or (PostgreSQL) while another transaction has the
        row locked this very moment: skip the order this pass."""
        now = self._clock()
        with self._write() as conn:
            return claims.claim(conn, key, worker, iso(now), iso(now + lease), take_over=take_over)

    def release(self, key: OrderKey, worker: str) -> bool:
        """Give the order back (False if ``worker`` no longer held it)."""
        with self._write() as conn:
            return claims.release(conn, key, worker)

    # --- a return followed to its refund (schema v3) ---------------------------------------

    def extend_until(self, key: OrderKey, until: datetime) -> None:
        """Watch the order at least until ``until`` (a later end date is kept)."""
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            if row["until"] is not None and to_datetime(row["until"]) < until:
                now = iso(self._clock())
                orders.update_order(conn, row["id"], until=iso(until), updated_at=now)
                events.insert_event(conn, row["id"], now, "extended", {"until": iso(until)})

    def record_return(
        self,
        key: OrderKey,
        *,
        label: str | None = None,
        tracking: str | None = None,
        refund: str | None = None,
    ) -> TrackedOrder:
        """What is known of the order's return; ``None`` leaves a value as it was. The
        first label recorded sets ``label_saved_at`` (the ``--ship-by`` reminder counts from
        it). An event is kept when something changed."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            given = {"return_label": label, "return_tracking": tracking, "refund": refund}
            changed = {
                column: value
                for column, value in given.items()
                if value is not None and row[column] != value
            }
            if changed:
                saved_at = row["label_saved_at"] or (now if "return_label" in changed else None)
                orders.update_order(
                    conn, row["id"], **changed, label_saved_at=saved_at, updated_at=now
                )
                events.insert_event(conn, row["id"], now, "return", changed)
        return self._get_required(key)

    # --- findings: what may be a hiccup, retried before anyone is bothered ----------------

    def record_finding(self, key: OrderKey, kind: str, message: str) -> Finding:
        """A check was stopped by ``kind``: count it (one more pass in a row if it is the
        same kind as last time, else a new finding), and return it."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            same = row["finding_kind"] == kind and row["finding_count"] > 0
            count = row["finding_count"] + 1 if same else 1
            first = row["finding_first_at"] if same else now
            orders.update_order(
                conn,
                row["id"],
                finding_kind=kind,
                finding_message=message,
                finding_count=count,
                finding_first_at=first,
                finding_last_at=now,
                updated_at=now,
            )
            events.insert_event(
                conn, row["id"], now, "finding", {"kind": kind, "message": message, "count": count}
            )
        return Finding(kind, message, count, to_datetime(first), to_datetime(now))

    def clear_finding(self, key: OrderKey) -> None:
        """A check went through: whatever stopped earlier ones was a hiccup."""
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key, lock=True)
            if not row["finding_count"]:
                return
            orders.update_order(
                conn,
                row["id"],
                finding_kind=None,
                finding_message=None,
                finding_count=0,
                finding_first_at=None,
                finding_last_at=None,
                updated_at=now,
            )
            events.insert_event(
                conn, row["id"], now, "finding_cleared", {"kind": row["finding_kind"]}
            )

    # --- orders parked on refused credentials ---------------------------------------------

    def has_parked(self) -> bool:
        """Whether some order waits for its account's credentials to change."""
        table = orders_table
        with self._read() as conn:
            found = conn.execute(
                select(table.c.id)
                .where(
                    table.c.end_state == EndState.NEEDS_HUMAN.value,
                    table.c.parked_fingerprint.is_not(None),
                )
                .limit(1)
            ).first()
        return found is not None

    def resume_parked(self, site: str, email: str, fingerprint: str) -> list[TrackedOrder]:
        """Put back to work (due at once) the scheduled orders of this account that were
        parked on other credentials than ``fingerprint``; returns them."""
        now = iso(self._clock())
        table = orders_table
        with self._write() as conn:
            rows = conn.execute(
                select(table.c.id, table.c.parked_fingerprint)
                .where(
                    table.c.site == normalise_site(site),
                    table.c.email == normalise_email(email),
                    table.c.end_state == EndState.NEEDS_HUMAN.value,
                    table.c.parked_fingerprint.is_not(None),
                    table.c.every_seconds.is_not(None),
                )
                .order_by(table.c.id)
                .with_for_update()
            ).mappings()
            resumed = [
                row["id"]
                for row in rows
                if not secrets.compare_digest(row["parked_fingerprint"], fingerprint)
            ]
            for order_id in resumed:
                orders.update_order(
                    conn,
                    order_id,
                    end_state=EndState.NONE.value,
                    end_message=None,
                    ended_at=None,
                    parked_fingerprint=None,
                    finding_kind=None,
                    finding_count=0,
                    next_due_at=now,
                    updated_at=now,
                )
                events.insert_event(conn, order_id, now, "resumed", {"why": "credentials changed"})
            found = [orders.order_row_by_id(conn, order_id) for order_id in resumed]
        return [orders.tracked_order(row) for row in found]

    def record_event(self, key: OrderKey, kind: str, data: Mapping[str, Any] | None = None) -> None:
        now = iso(self._clock())
        with self._write() as conn:
            row = orders.order_row_required(conn, key)
            events.insert_event(conn, row["id"], now, kind, dict(data or {}))

    def record_notification(
        self, key: OrderKey, event: str, title: str, *, delivered: bool, configured: bool = True
    ) -> None:
        """A change told (``configured``: a notifier was set up to send it)."""
        self.record_event(
            key,
            "notification",
            {"event": event, "title": title, "delivered": delivered, "configured": configured},
        )

    def events(self, key: OrderKey) -> list[Event]:
        """The order's history, oldest first."""
        with self._read() as conn:
            return events.order_events(conn, key)

    # --- write-ahead intents --------------------------------------------------------------

    def begin_intent(
        self,
        key: OrderKey,
        kind: IntentKind,
        payload: Mapping[str, Any],
        *,
        allow_repeat: bool = False,
    ) -> int:
        """Write down, durably, that an irreversible step is about to happen.

        Call it right before the click and do not click unless it returned. Raises
        :class:`IntentConflict` while an intent of this kind is unresolved (reconcile
        it first) or, unless ``allow_repeat``, already sent.
        """
        kind = IntentKind(kind)
        now = iso(self._clock())
        with self._write() as conn:
            # The order's row locked: two workers decide one after the other.
            row = orders.order_row_required(conn, key, lock=True)
            blocking = (
                (*UNRESOLVED_INTENT_STATES, IntentState.SENT)
                if not allow_repeat
                else UNRESOLVED_INTENT_STATES
            )
            existing = intents.blocking_intent(conn, row["id"], kind, blocking)
            if existing is not None:
                raise IntentConflict(
                    f"order {key.number} already has a {kind.value} that is "
                    f"{existing['state']} (intent {existing['id']})",
                    hint="an unresolved one must be reconciled first; a sent one is not repeated",
                )
            intent_id = intents.insert_intent(conn, row["id"], kind, dict(payload), now)
            events.insert_event(
                conn, row["id"], now, "intent_begun", {"intent": intent_id, "kind": kind.value}
            )
        return intent_id

    def complete_intent(
        self, intent_id: int, reference: str | None, details: Mapping[str, Any] | None = None
    ) -> None:
        """The shop confirmed the step; ``reference`` is its case / return number."""
        self._settle(
            intent_id,
            IntentState.SENT,
            "intent_sent",
            reference=reference,
            details=dict(details or {}),
        )

    def fail_intent(self, intent_id: int, reason: str, definitely_not_sent: bool) -> None:
        """The step failed. Unless it certainly never reached the shop (e.g. the form
        would not submit), the intent stays unresolved, for reconciliation."""
        state = IntentState.NOT_SENT if definitely_not_sent else IntentState.UNCERTAIN
        self._settle(intent_id, state, "intent_failed", reason=reason)

    def resolve_intent(self, intent_id: int, found_reference: str | None, how: str) -> None:
        """Settle an unresolved intent from what the shop shows (``how``: where we looked).

        ``found_reference`` None means the shop shows no trace of it: it was not
        sent and may be submitted again. When the shop cannot tell, do not call
        this: ``finish(key, EndState.NEEDS_HUMAN, ...)`` and leave the intent open.
        """
        if found_reference is None:
            self._settle(intent_id, IntentState.NOT_SENT, "intent_resolved", how=how)
        else:
            self._settle(
                intent_id, IntentState.SENT, "intent_resolved", reference=found_reference, how=how
            )

    def adopt_intent(self, key: OrderKey, kind: IntentKind, reference: str | None, how: str) -> int:
        """Record as sent a step the shop shows was already taken (by another data dir,
        or on the site): ``how`` says where it was found. Refused like
        :meth:`begin_intent` while one of this kind is unresolved or sent."""
        intent_id = self.begin_intent(key, kind, {"adopted": True, "how": how})
        # Died between the two writes: the open intent is reconciled like any other.
        self._settle(intent_id, IntentState.SENT, "intent_adopted", reference=reference, how=how)
        return intent_id

    def open_intents(self, key: OrderKey) -> list[Intent]:
        """Intents whose outcome is unknown (open or uncertain), oldest first."""
        states = [state.value for state in UNRESOLVED_INTENT_STATES]
        return self._intents(key, intents_table.c.state.in_(states))

    def has_sent(self, key: OrderKey, kind: IntentKind) -> Intent | None:
        """The first sent intent of this kind, if any."""
        sent = self._sent(key, kind)
        return sent[0] if sent else None

    def count_sent(self, key: OrderKey, kind: IntentKind) -> int:
        return len(self._sent(key, kind))

    def intents(self, key: OrderKey) -> list[Intent]:
        """Every intent of the order, oldest first."""
        return self._intents(key, None)

    # --- per site -------------------------------------------------------------------------

    def remember_url(self, site: str, name: str, url: str) -> None:
        """Keep a URL reached by clicking (e.g. ``"order_list"``) to go straight there."""
        with self._write() as conn:
            site_memory.remember_url(conn, site, name, url, iso(self._clock()))

    def remembered_urls(self, site: str) -> dict[str, str]:
        with self._read() as conn:
            return site_memory.remembered_urls(conn, site)

    def forget_url(self, site: str, name: str) -> None:
        """Drop a remembered URL that no longer works."""
        with self._write() as conn:
            site_memory.forget_url(conn, site, name)

    def credentials_fingerprint(self, email: str, password: str) -> str:
        """A salted hash of e-mail + password; the password itself is never stored."""
        with self._read() as conn:
            return credential_blocks.credentials_fingerprint(conn, email, password)

    def block_credentials(self, site: str, email: str, fingerprint: str, reason: str) -> None:
        """The site rejected these credentials: do not try them again until they change."""
        with self._write() as conn:
            credential_blocks.block_credentials(
                conn, site, email, fingerprint, reason, iso(self._clock())
            )

    def credentials_blocked(self, site: str, email: str, fingerprint: str) -> str | None:
        """Why these exact credentials were rejected before; None if not (or changed since)."""
        with self._read() as conn:
            return credential_blocks.credentials_blocked(conn, site, email, fingerprint)

    def clear_credentials_block(self, site: str, email: str) -> None:
        """A sign-in worked: forget an earlier rejection."""
        with self._write() as conn:
            credential_blocks.clear_credentials_block(conn, site, email)

    # --- many accounts (agent/ledger/accounts.py; secrets sealed by agent.secret_box) ------

    def put_account(self, account: StoredAccount) -> None:
        with self._write() as conn:
            accounts.put_account(conn, account, iso(self._clock()))

    def account(self, name: str) -> StoredAccount | None:
        with self._read() as conn:
            return accounts.get_account(conn, name)

    def list_accounts(self) -> list[StoredAccount]:
        with self._read() as conn:
            return accounts.list_accounts(conn)

    def remove_account(self, name: str) -> bool:
        """False when there is no such account."""
        with self._write() as conn:
            return accounts.remove_account(conn, name)

    def tie_order(self, key: OrderKey, name: str) -> None:
        """Work on the (tracked) order as the stored account ``name``."""
        with self._write() as conn:
            accounts.tie_order(conn, key, name)

    def account_of(self, key: OrderKey) -> str | None:
        with self._read() as conn:
            return accounts.account_of(conn, key)

    def save_browser_session(self, site: str, email: str, sealed: str) -> None:
        with self._write() as conn:
            accounts.save_session(conn, site, email, sealed, iso(self._clock()))

    def browser_session(self, site: str, email: str) -> str | None:
        with self._read() as conn:
            return accounts.load_session(conn, site, email)

    def forget_browser_session(self, site: str, email: str) -> None:
        with self._write() as conn:
            accounts.forget_session(conn, site, email)

    # --- internals ------------------------------------------------------------------------

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
                f"cannot {verb} the ledger {self.where}: {_first_line(exc.orig)}"
            ) from exc

    def _get_required(self, key: OrderKey) -> TrackedOrder:
        order = self.get(key)
        if order is None:
            raise OrderNotTracked(f"order {key} is not in the ledger {self.where}")
        return order

    def _sent(self, key: OrderKey, kind: IntentKind) -> list[Intent]:
        return self._intents(
            key,
            (intents_table.c.kind == IntentKind(kind).value)
            & (intents_table.c.state == IntentState.SENT.value),
        )

    def _intents(self, key: OrderKey, where: Any) -> list[Intent]:
        with self._read() as conn:
            return intents.order_intents(conn, key, where)

    def _settle(
        self,
        intent_id: int,
        state: IntentState,
        event: str,
        *,
        reference: str | None = None,
        details: dict[str, Any] | None = None,
        reason: str | None = None,
        how: str | None = None,
    ) -> None:
        now = iso(self._clock())
        with self._write() as conn:
            row = intents.intent_row(conn, intent_id)
            if row is None:
                raise LedgerError(f"no intent {intent_id} in the ledger {self.where}")
            if row["state"] not in UNRESOLVED_INTENT_STATES:
                raise LedgerError(f"intent {intent_id} is already {row['state']}")
            intents.settle_intent(
                conn,
                intent_id,
                state=state.value,
                reference=reference,
                details=dumps(details or {}),
                reason=reason,
                how=how,
                finished_at=now,
            )
            events.insert_event(
                conn,
                row["order_id"],
                now,
                event,
                {
                    "intent": intent_id,
                    "kind": row["kind"],
                    "state": state.value,
                    "reference": reference,
                    "reason": reason,
                    "how": how,
                },
            )


def _parse_url(text: str) -> URL:
    try:
        return database_url(text)
    except sa_exc.ArgumentError as exc:
        # The message would repeat the URL, password and all: say only what is wrong.
        raise StorageError(
            "ORDER_AGENT_DATABASE_URL is not a database URL",
            hint="e.g. postgresql://order-agent@db.example/ledger",
        ) from exc


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else ""
