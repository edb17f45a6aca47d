"""The ledger: one SQLite file in the data dir that remembers every tracked order.

It is the single source of truth for scheduled runs (``watch``/``add``/``list``/
``forget``/``run``) and for the one-shot commands (``cancel``, ``return``), so that
running a command twice, or a scheduled job every few minutes for weeks, across
crashes, never sends the same request twice.

Opening::

    with Ledger.open(settings.data_dir) as ledger:   # <data_dir>/ledger.sqlite3
        ...

The data dir is created 0700 and the file 0600 before SQLite touches it. A file
that is not SQLite, not an order-agent ledger, or written by a newer version is
never modified: :class:`ordercore.errors.LedgerError` says which file and what to do.
The schema is versioned with ``PRAGMA user_version`` and moved forward by
:data:`MIGRATIONS` (append a function for v2; never edit a released one).

Orders are keyed by :class:`OrderKey` (site URL, account e-mail, order number),
each normalised on construction, so ``"#MK-70001"`` and ``"70001"`` are one order.

Write-ahead intents, for every irreversible step (submitting a contact form,
submitting a return)::

    if (sent := ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)):
        return sent.reference                         # `cancel` twice sends once
    for intent in ledger.open_intents(key):            # an earlier run died mid-step
        reference = <look at Support Requests / the order's return status>
        if <the shop shows it>:   ledger.resolve_intent(intent.id, reference, "support requests")
        elif <no trace at all>:   ledger.resolve_intent(intent.id, None, "support requests")
        else:                     ledger.finish(key, EndState.NEEDS_HUMAN, "...")  # cannot tell
    intent_id = ledger.begin_intent(key, IntentKind.CANCELLATION_REQUEST, {"message": text})
    # committed (fsynced) before the click
    <click Submit>
    ledger.complete_intent(intent_id, case_number, {"confirmation": words})
    # or, when it failed: ledger.fail_intent(intent_id, reason, definitely_not_sent=...)

A request the shop already shows (sent from another data dir, or by hand) is
recorded with ``adopt_intent(key, kind, reference, how)``: sent, never submitted.
:mod:`agent.submitting` is the one caller of this protocol.

``begin_intent`` refuses (:class:`IntentConflict`) while an intent of the same kind
is unresolved or already sent, so even two racing processes submit at most once.
A failure that may have gone through (``definitely_not_sent=False``) stays in
``open_intents`` and must be reconciled like a crash. Follow-ups use their own
kind (:attr:`IntentKind.FOLLOW_UP`), so there is at most one.

Scheduling (the ``run`` command, which holds :class:`agent.locking.DataDirLock`)::

    for order in ledger.expire_overdue():   # past --until: end state "expired"
        notify(...)
    for order in ledger.due():              # cheap: no Playwright import needed
        ... ledger.record_status(order.key, status, raw)
        ... ledger.schedule_next(order.key, now + order.every)   # or ledger.finish(...)

Findings (schema v2): ``record_finding`` counts a check stopped by what may be a
hiccup (same kind as last time: one more pass in a row), ``clear_finding`` forgets
it after a good check; ``TrackedOrder.finding`` shows it. Orders ended with
``finish(..., parked_on=fingerprint)`` come back with ``resume_parked`` once the
configured credentials' fingerprint differs.

Times are timezone-aware datetimes, stored as UTC ISO-8601 text. Every write is
one short ``BEGIN IMMEDIATE`` transaction (WAL, ``synchronous=FULL``: a commit
survives a crash or power cut, and many processes may read and write at once).
Nothing is deleted: ``forget`` only sets an end state. Payloads, details and event
data are the caller's and must hold no secrets; keys that name one (password,
totp, cookie, token, ...) are refused with ``ValueError`` as a safety net.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

from ordercore.errors import LedgerError, StorageError, UsageError
from ordercore.models import Goal, OrderStatus
from ordercore.order_numbers import normalise_order_number

LEDGER_FILENAME = "ledger.sqlite3"
# "OAgL": lets us tell our ledger from any other SQLite file someone points us at.
APPLICATION_ID = 0x4F41674C
BUSY_TIMEOUT_SECONDS = 15.0
SQLITE_HEADER = b"SQLite format 3\x00"


class EndState(StrEnum):
    """Why an order is no longer worked on (``NONE``: it still is)."""

    NONE = "none"
    CANCELLED = "cancelled"
    LABEL_SAVED = "label_saved"
    NEEDS_HUMAN = "needs_human"
    EXPIRED = "expired"
    FORGOTTEN = "forgotten"


class IntentKind(StrEnum):
    """Irreversible steps that are written ahead."""

    CANCELLATION_REQUEST = "cancellation_request"
    FOLLOW_UP = "follow_up"
    RETURN_REQUEST = "return_request"


class IntentState(StrEnum):
    OPEN = "open"  # begun, no outcome: the process died (or is still clicking)
    UNCERTAIN = "uncertain"  # failed in a way that may still have reached the shop
    SENT = "sent"  # the shop confirmed it (or showed it when reconciling)
    NOT_SENT = "not_sent"  # it certainly did not reach the shop: safe to submit again


UNRESOLVED_INTENT_STATES = (IntentState.OPEN, IntentState.UNCERTAIN)


class IntentConflict(LedgerError):
    """An intent of this kind is already sent or still unresolved for the order."""


class OrderNotTracked(LedgerError):
    """The order has no row in the ledger (call ``track`` or ``ensure_order`` first)."""


# --- keys ---------------------------------------------------------------------------------


def normalise_site(url: str) -> str:
    """The site URL as the ledger keys it: lower-case scheme and host, no trailing '/'."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        raise UsageError(f"not a site URL: {url.strip()!r}")
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, "")
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class OrderKey:
    """One order of one account on one site; every field normalised on construction."""

    site: str
    email: str
    number: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "site", normalise_site(self.site))
        object.__setattr__(self, "email", normalise_email(self.email))
        object.__setattr__(self, "number", normalise_order_number(self.number))

    def __str__(self) -> str:
        return f"{self.number} ({self.email} at {self.site})"


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderOptions:
    """What the shopper asked for besides the goal (``every``/``until`` live on the order)."""

    reason: str | None = None
    items: tuple[str, ...] = ()
    no_return: bool = False
    follow_up_after: timedelta | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "items": list(self.items),
            "no_return": self.no_return,
            "follow_up_after": _seconds(self.follow_up_after),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OrderOptions:
        return cls(
            reason=data.get("reason"),
            items=tuple(data.get("items") or ()),
            no_return=bool(data.get("no_return", False)),
            follow_up_after=_timedelta(data.get("follow_up_after")),
        )


@dataclass(frozen=True)
class Finding:
    """Something that stopped a check but may be a hiccup: retried on later passes.

    ``kind`` names it (the error's class, e.g. ``SiteNotUnderstood``); ``count`` is how
    many passes in a row found it, from ``first_at`` to ``last_at``.
    """

    kind: str
    message: str
    count: int
    first_at: datetime
    last_at: datetime

    @property
    def span(self) -> timedelta:
        return self.last_at - self.first_at


@dataclass(frozen=True)
class TrackedOrder:
    key: OrderKey
    goal: Goal
    options: OrderOptions
    every: timedelta | None  # None: a one-shot order, never due by itself
    until: datetime | None
    last_status: OrderStatus | None
    last_raw_status: str | None
    last_seen_at: datetime | None
    next_due_at: datetime | None
    end_state: EndState
    end_message: str | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # The last passes' finding, while it may still be a hiccup (None after a good check).
    finding: Finding | None = None
    # Parked until the configured credentials change: the fingerprint they were refused on.
    parked_fingerprint: str | None = None

    @property
    def active(self) -> bool:
        return self.end_state is EndState.NONE


@dataclass(frozen=True)
class Intent:
    id: int
    key: OrderKey
    kind: IntentKind
    state: IntentState
    payload: dict[str, Any]
    reference: str | None
    details: dict[str, Any]
    reason: str | None  # why it failed
    how: str | None  # how a reconciliation decided
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


# --- schema -------------------------------------------------------------------------------

Migration = Callable[[sqlite3.Connection], None]

_V1_STATEMENTS = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        email TEXT NOT NULL,
        number TEXT NOT NULL,
        goal TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        every_seconds INTEGER,
        until TEXT,
        last_status TEXT,
        last_raw_status TEXT,
        last_seen_at TEXT,
        next_due_at TEXT,
        end_state TEXT NOT NULL DEFAULT 'none',
        end_message TEXT,
        ended_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (site, email, number)
    )""",
    "CREATE INDEX orders_due ON orders (end_state, next_due_at)",
    """CREATE TABLE intents (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES orders (id),
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        reference TEXT,
        details TEXT NOT NULL DEFAULT '{}',
        reason TEXT,
        how TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT
    )""",
    "CREATE INDEX intents_by_order ON intents (order_id, kind, state)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES orders (id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX events_by_order ON events (order_id, id)",
    """CREATE TABLE site_urls (
        site TEXT NOT NULL,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (site, name)
    )""",
    """CREATE TABLE credential_blocks (
        site TEXT NOT NULL,
        email TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        reason TEXT NOT NULL,
        blocked_at TEXT NOT NULL,
        PRIMARY KEY (site, email)
    )""",
)


def _migrate_to_v1(conn: sqlite3.Connection) -> None:
    for statement in _V1_STATEMENTS:
        conn.execute(statement)
    # The salt makes a credentials fingerprint useless outside this ledger.
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('fingerprint_salt', ?)", (secrets.token_hex(32),)
    )


_V2_STATEMENTS = (
    # A finding (a check stopped by what may be a hiccup) and how often it repeated.
    "ALTER TABLE orders ADD COLUMN finding_kind TEXT",
    "ALTER TABLE orders ADD COLUMN finding_message TEXT",
    "ALTER TABLE orders ADD COLUMN finding_count INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE orders ADD COLUMN finding_first_at TEXT",
    "ALTER TABLE orders ADD COLUMN finding_last_at TEXT",
    # An order handed to a person because the shop refused these credentials (their
    # keyed fingerprint, see credentials_fingerprint): it resumes once they change.
    "ALTER TABLE orders ADD COLUMN parked_fingerprint TEXT",
)


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    for statement in _V2_STATEMENTS:
        conn.execute(statement)


# Index i moves the schema from version i to i + 1. Append only.
MIGRATIONS: list[Migration] = [_migrate_to_v1, _migrate_to_v2]


# --- the ledger ---------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """The ledger file, open. One per process; not shared between threads."""

    def __init__(self, path: Path, conn: sqlite3.Connection, clock: Callable[[], datetime]) -> None:
        self.path = path
        self._conn = conn
        self._clock = clock

    @classmethod
    def open(cls, data_dir: Path, *, clock: Callable[[], datetime] = utc_now) -> Ledger:
        """Open (creating or migrating) ``<data_dir>/ledger.sqlite3``."""
        data_dir = Path(data_dir)
        path = data_dir / LEDGER_FILENAME
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                _create_ledger(path)
            _refuse_foreign_file(path)
        except OSError as exc:
            raise StorageError(
                f"cannot create the ledger {path}: {exc.strerror}",
                hint="check that the data dir is writable",
            ) from exc
        except sqlite3.Error as exc:
            raise StorageError(f"cannot create the ledger {path}: {exc}") from exc
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the ledger {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        try:
            # One read transaction: another process may be creating the schema meanwhile.
            conn.execute("BEGIN")
            try:
                _check_version(conn, path)
            finally:
                conn.rollback()  # only read: ends the transaction, whatever happened
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # Only for a file not made by _create_ledger (an empty one, or an old copy).
                conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed intent must survive a power cut, not just a crash.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            _migrate(conn, path)
        except sqlite3.OperationalError as exc:
            conn.close()
            raise StorageError(f"cannot open the ledger {path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _not_a_ledger(path, str(exc)) from exc
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, clock)

    def close(self) -> None:
        self._conn.close()

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
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

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
        now = _iso(self._clock())
        every_seconds = _seconds(every)
        with self._write() as conn:
            row = _order_row(conn, key)
            if row is None:
                order_id = conn.execute(
                    """INSERT INTO orders (site, email, number, goal, options, every_seconds,
                        until, next_due_at, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        key.site,
                        key.email,
                        key.number,
                        Goal(goal).value,
                        _dumps(options.to_json()),
                        every_seconds,
                        _iso_or_none(until),
                        now if every_seconds else None,
                        now,
                        now,
                    ),
                ).lastrowid
                kind = "tracked"
            else:
                order_id = row["id"]
                # Decided here rather than in SQL: the write lock is held since the read.
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
                conn.execute(
                    """UPDATE orders SET goal = :goal, options = :options, every_seconds = :every,
                        until = :until, end_state = :end_state, end_message = :end_message,
                        ended_at = :ended_at, next_due_at = :next_due, updated_at = :now,
                        parked_fingerprint = CASE WHEN :revive THEN NULL
                            ELSE parked_fingerprint END,
                        finding_kind = CASE WHEN :revive THEN NULL ELSE finding_kind END,
                        finding_count = CASE WHEN :revive THEN 0 ELSE finding_count END
                       WHERE id = :id""",
                    {
                        "goal": Goal(goal).value,
                        "options": _dumps(options.to_json()),
                        "every": every_seconds,
                        "until": _iso_or_none(until),
                        "end_state": EndState.NONE.value if revive else row["end_state"],
                        "end_message": None if revive else row["end_message"],
                        "ended_at": None if revive else row["ended_at"],
                        "next_due": next_due,
                        "now": now,
                        "revive": revive,
                        "id": order_id,
                    },
                )
                kind = "revived" if revive else "updated"
            _insert_event(
                conn,
                order_id,
                now,
                kind,
                {
                    "goal": Goal(goal).value,
                    "options": options.to_json(),
                    "every": every_seconds,
                    "until": _iso_or_none(until),
                },
            )
        return self._get_required(key)

    def ensure_order(
        self, key: OrderKey, goal: Goal, options: OrderOptions | None = None
    ) -> TrackedOrder:
        """The order's row for a one-shot command, created unscheduled if missing.

        An existing row (perhaps watched on a schedule) is returned unchanged.
        """
        now = _iso(self._clock())
        with self._write() as conn:
            if _order_row(conn, key) is None:
                order_id = conn.execute(
                    """INSERT INTO orders (site, email, number, goal, options,
                        created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (
                        key.site,
                        key.email,
                        key.number,
                        Goal(goal).value,
                        _dumps((options or OrderOptions()).to_json()),
                        now,
                        now,
                    ),
                ).lastrowid
                _insert_event(conn, order_id, now, "recorded", {"goal": Goal(goal).value})
        return self._get_required(key)

    def get(self, key: OrderKey) -> TrackedOrder | None:
        row = _order_row(self._conn, key)
        return _tracked_order(row) if row is not None else None

    def forget(self, key: OrderKey) -> bool:
        """Stop working on an order (its history stays). False if it was never tracked."""
        now = _iso(self._clock())
        with self._write() as conn:
            row = _order_row(conn, key)
            if row is None:
                return False
            conn.execute(
                """UPDATE orders SET end_state = 'forgotten', end_message = 'forgotten',
                    ended_at = ?, next_due_at = NULL, updated_at = ? WHERE id = ?""",
                (now, now, row["id"]),
            )
            _insert_event(conn, row["id"], now, "forgotten", {})
        return True

    def list_tracked(self, *, include_forgotten: bool = False) -> list[TrackedOrder]:
        """Every order in the ledger, oldest first (forgotten ones only on request)."""
        rows = self._conn.execute(
            "SELECT * FROM orders WHERE ? OR end_state != 'forgotten' ORDER BY id",
            (include_forgotten,),
        ).fetchall()
        return [_tracked_order(row) for row in rows]

    def due(self, now: datetime | None = None) -> list[TrackedOrder]:
        """Orders still worked on whose next check is at or before ``now``, soonest first."""
        rows = self._conn.execute(
            """SELECT * FROM orders WHERE end_state = 'none' AND next_due_at IS NOT NULL
               AND next_due_at <= ? ORDER BY next_due_at, id""",
            (_iso(now or self._clock()),),
        ).fetchall()
        return [_tracked_order(row) for row in rows]

    def expire_overdue(self, now: datetime | None = None) -> list[TrackedOrder]:
        """End (as ``expired``) every active order whose ``until`` has passed; returns them."""
        at = _iso(now or self._clock())
        with self._write() as conn:
            rows = conn.execute(
                """SELECT id FROM orders WHERE end_state = 'none' AND until IS NOT NULL
                   AND until <= ? ORDER BY id""",
                (at,),
            ).fetchall()
            for row in rows:
                _set_end_state(conn, row["id"], at, EndState.EXPIRED, "watched until its end date")
            expired = [
                conn.execute("SELECT * FROM orders WHERE id = ?", (row["id"],)).fetchone()
                for row in rows
            ]
        return [_tracked_order(row) for row in expired]

    def record_status(
        self, key: OrderKey, status: OrderStatus, raw: str, at: datetime | None = None
    ) -> None:
        """What the order page said. An event is kept only when the words change,
        so a job that looks every few minutes for weeks does not fill the disk."""
        seen = _iso(at or self._clock())
        with self._write() as conn:
            row = _order_row_required(conn, key)
            conn.execute(
                """UPDATE orders SET last_status = ?, last_raw_status = ?, last_seen_at = ?,
                    updated_at = ? WHERE id = ?""",
                (OrderStatus(status).value, raw, seen, seen, row["id"]),
            )
            if (row["last_status"], row["last_raw_status"]) != (OrderStatus(status).value, raw):
                _insert_event(
                    conn,
                    row["id"],
                    seen,
                    "status",
                    {"status": OrderStatus(status).value, "raw": raw, "was": row["last_status"]},
                )

    def schedule_next(self, key: OrderKey, at: datetime) -> None:
        with self._write() as conn:
            row = _order_row_required(conn, key)
            conn.execute(
                "UPDATE orders SET next_due_at = ?, updated_at = ? WHERE id = ?",
                (_iso(at), _iso(self._clock()), row["id"]),
            )

    def finish(
        self, key: OrderKey, end_state: EndState, message: str, *, parked_on: str | None = None
    ) -> None:
        """Stop working on an order, saying why (``message`` is shown by ``list``).

        ``parked_on``: the fingerprint of credentials the shop refused; the order
        resumes by itself once the configured ones differ (:meth:`resume_parked`).
        """
        now = _iso(self._clock())
        with self._write() as conn:
            row = _order_row_required(conn, key)
            _set_end_state(conn, row["id"], now, EndState(end_state), message)
            conn.execute(
                "UPDATE orders SET parked_fingerprint = ? WHERE id = ?", (parked_on, row["id"])
            )

    # --- findings: what may be a hiccup, retried before anyone is bothered ----------------

    def record_finding(self, key: OrderKey, kind: str, message: str) -> Finding:
        """A check was stopped by ``kind``: count it (one more pass in a row if it is the
        same kind as last time, else a new finding), and return it."""
        now = _iso(self._clock())
        with self._write() as conn:
            row = _order_row_required(conn, key)
            same = row["finding_kind"] == kind and row["finding_count"] > 0
            count = row["finding_count"] + 1 if same else 1
            first = row["finding_first_at"] if same else now
            conn.execute(
                """UPDATE orders SET finding_kind = ?, finding_message = ?, finding_count = ?,
                    finding_first_at = ?, finding_last_at = ?, updated_at = ? WHERE id = ?""",
                (kind, message, count, first, now, now, row["id"]),
            )
            _insert_event(
                conn, row["id"], now, "finding", {"kind": kind, "message": message, "count": count}
            )
        return Finding(kind, message, count, _datetime(first), _datetime(now))

    def clear_finding(self, key: OrderKey) -> None:
        """A check went through: whatever stopped earlier ones was a hiccup."""
        now = _iso(self._clock())
        with self._write() as conn:
            row = _order_row_required(conn, key)
            if not row["finding_count"]:
                return
            conn.execute(
                """UPDATE orders SET finding_kind = NULL, finding_message = NULL,
                    finding_count = 0, finding_first_at = NULL, finding_last_at = NULL,
                    updated_at = ? WHERE id = ?""",
                (now, row["id"]),
            )
            _insert_event(conn, row["id"], now, "finding_cleared", {"kind": row["finding_kind"]})

    # --- orders parked on refused credentials ---------------------------------------------

    def has_parked(self) -> bool:
        """Whether some order waits for its account's credentials to change."""
        row = self._conn.execute(
            """SELECT 1 FROM orders WHERE end_state = 'needs_human'
               AND parked_fingerprint IS NOT NULL LIMIT 1"""
        ).fetchone()
        return row is not None

    def resume_parked(self, site: str, email: str, fingerprint: str) -> list[TrackedOrder]:
        """Put back to work (due at once) the scheduled orders of this account that were
        parked on other credentials than ``fingerprint``; returns them."""
        now = _iso(self._clock())
        with self._write() as conn:
            rows = conn.execute(
                """SELECT id, parked_fingerprint FROM orders WHERE site = ? AND email = ?
                   AND end_state = 'needs_human' AND parked_fingerprint IS NOT NULL
                   AND every_seconds IS NOT NULL ORDER BY id""",
                (normalise_site(site), normalise_email(email)),
            ).fetchall()
            resumed = [
                row["id"]
                for row in rows
                if not secrets.compare_digest(row["parked_fingerprint"], fingerprint)
            ]
            for order_id in resumed:
                conn.execute(
                    """UPDATE orders SET end_state = 'none', end_message = NULL, ended_at = NULL,
                        parked_fingerprint = NULL, finding_kind = NULL, finding_count = 0,
                        next_due_at = ?, updated_at = ? WHERE id = ?""",
                    (now, now, order_id),
                )
                _insert_event(conn, order_id, now, "resumed", {"why": "credentials changed"})
            found = [
                conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
                for order_id in resumed
            ]
        return [_tracked_order(row) for row in found]

    def record_event(self, key: OrderKey, kind: str, data: Mapping[str, Any] | None = None) -> None:
        now = _iso(self._clock())
        with self._write() as conn:
            row = _order_row_required(conn, key)
            _insert_event(conn, row["id"], now, kind, dict(data or {}))

    def record_notification(
        self, key: OrderKey, event: str, title: str, *, delivered: bool
    ) -> None:
        self.record_event(
            key, "notification", {"event": event, "title": title, "delivered": delivered}
        )

    def events(self, key: OrderKey) -> list[Event]:
        """The order's history, oldest first."""
        rows = self._conn.execute(
            """SELECT events.at, events.kind, events.data FROM events
               JOIN orders ON orders.id = events.order_id
               WHERE orders.site = ? AND orders.email = ? AND orders.number = ?
               ORDER BY events.id""",
            (key.site, key.email, key.number),
        ).fetchall()
        return [Event(_datetime(row["at"]), row["kind"], json.loads(row["data"])) for row in rows]

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
        now = _iso(self._clock())
        with self._write() as conn:
            row = _order_row_required(conn, key)
            blocking = (
                (*UNRESOLVED_INTENT_STATES, IntentState.SENT)
                if not allow_repeat
                else UNRESOLVED_INTENT_STATES
            )
            existing = conn.execute(
                f"""SELECT id, state FROM intents WHERE order_id = ? AND kind = ?
                    AND state IN ({", ".join("?" * len(blocking))}) ORDER BY id LIMIT 1""",
                (row["id"], kind.value, *(state.value for state in blocking)),
            ).fetchone()
            if existing is not None:
                raise IntentConflict(
                    f"order {key.number} already has a {kind.value} that is "
                    f"{existing['state']} (intent {existing['id']})",
                    hint="an unresolved one must be reconciled first; a sent one is not repeated",
                )
            intent_id = conn.execute(
                """INSERT INTO intents (order_id, kind, state, payload, started_at)
                   VALUES (?, ?, 'open', ?, ?)""",
                (row["id"], kind.value, _dumps(payload), now),
            ).lastrowid
            _insert_event(
                conn, row["id"], now, "intent_begun", {"intent": intent_id, "kind": kind.value}
            )
        assert intent_id is not None
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
        return self._intents(
            key, "state IN (?, ?)", tuple(state.value for state in UNRESOLVED_INTENT_STATES)
        )

    def has_sent(self, key: OrderKey, kind: IntentKind) -> Intent | None:
        """The first sent intent of this kind, if any."""
        sent = self._intents(
            key, "kind = ? AND state = ?", (IntentKind(kind).value, IntentState.SENT.value)
        )
        return sent[0] if sent else None

    def count_sent(self, key: OrderKey, kind: IntentKind) -> int:
        return len(
            self._intents(
                key, "kind = ? AND state = ?", (IntentKind(kind).value, IntentState.SENT.value)
            )
        )

    def intents(self, key: OrderKey) -> list[Intent]:
        """Every intent of the order, oldest first."""
        return self._intents(key, "1", ())

    # --- per site -------------------------------------------------------------------------

    def remember_url(self, site: str, name: str, url: str) -> None:
        """Keep a URL reached by clicking (e.g. ``"order_list"``) to go straight there."""
        with self._write() as conn:
            conn.execute(
                """INSERT INTO site_urls (site, name, url, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (site, name) DO UPDATE SET url = excluded.url,
                   updated_at = excluded.updated_at""",
                (normalise_site(site), name, url, _iso(self._clock())),
            )

    def remembered_urls(self, site: str) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT name, url FROM site_urls WHERE site = ? ORDER BY name", (normalise_site(site),)
        ).fetchall()
        return {row["name"]: row["url"] for row in rows}

    def forget_url(self, site: str, name: str) -> None:
        """Drop a remembered URL that no longer works."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM site_urls WHERE site = ? AND name = ?", (normalise_site(site), name)
            )

    def credentials_fingerprint(self, email: str, password: str) -> str:
        """A salted hash of e-mail + password; the password itself is never stored."""
        salt = self._conn.execute(
            "SELECT value FROM meta WHERE key = 'fingerprint_salt'"
        ).fetchone()["value"]
        material = f"{normalise_email(email)}\0{password}".encode()
        return hashlib.blake2b(material, key=bytes.fromhex(salt), digest_size=32).hexdigest()

    def block_credentials(self, site: str, email: str, fingerprint: str, reason: str) -> None:
        """The site rejected these credentials: do not try them again until they change."""
        with self._write() as conn:
            conn.execute(
                """INSERT INTO credential_blocks (site, email, fingerprint, reason, blocked_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (site, email) DO UPDATE SET fingerprint = excluded.fingerprint,
                   reason = excluded.reason, blocked_at = excluded.blocked_at""",
                (
                    normalise_site(site),
                    normalise_email(email),
                    fingerprint,
                    reason,
                    _iso(self._clock()),
                ),
            )

    def credentials_blocked(self, site: str, email: str, fingerprint: str) -> str | None:
        """Why these exact credentials were rejected before; None if not (or changed since)."""
        row = self._conn.execute(
            "SELECT fingerprint, reason FROM credential_blocks WHERE site = ? AND email = ?",
            (normalise_site(site), normalise_email(email)),
        ).fetchone()
        if row is None or not secrets.compare_digest(row["fingerprint"], fingerprint):
            return None
        return str(row["reason"])

    def clear_credentials_block(self, site: str, email: str) -> None:
        """A sign-in worked: forget an earlier rejection."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM credential_blocks WHERE site = ? AND email = ?",
                (normalise_site(site), normalise_email(email)),
            )

    # --- internals ------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short transaction. IMMEDIATE takes the write lock up front, so a busy
        ledger makes us wait (busy timeout) rather than fail half-way."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"cannot write the ledger {self.path}: {exc}") from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            conn.rollback()  # a no-op if SQLite already rolled back
            if isinstance(exc, sqlite3.OperationalError):
                raise StorageError(f"cannot write the ledger {self.path}: {exc}") from exc
            raise

    def _get_required(self, key: OrderKey) -> TrackedOrder:
        order = self.get(key)
        if order is None:
            raise OrderNotTracked(f"order {key} is not in the ledger {self.path}")
        return order

    def _intents(self, key: OrderKey, where: str, params: tuple[Any, ...]) -> list[Intent]:
        rows = self._conn.execute(
            f"""SELECT intents.*, orders.site, orders.email, orders.number FROM intents
                JOIN orders ON orders.id = intents.order_id
                WHERE orders.site = ? AND orders.email = ? AND orders.number = ? AND ({where})
                ORDER BY intents.id""",
            (key.site, key.email, key.number, *params),
        ).fetchall()
        return [_intent(row) for row in rows]

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
        now = _iso(self._clock())
        with self._write() as conn:
            row = conn.execute(
                "SELECT order_id, kind, state FROM intents WHERE id = ?", (intent_id,)
            ).fetchone()
            if row is None:
                raise LedgerError(f"no intent {intent_id} in the ledger {self.path}")
            if row["state"] not in UNRESOLVED_INTENT_STATES:
                raise LedgerError(f"intent {intent_id} is already {row['state']}")
            conn.execute(
                """UPDATE intents SET state = ?, reference = ?, details = ?, reason = ?,
                    how = ?, finished_at = ? WHERE id = ?""",
                (state.value, reference, _dumps(details or {}), reason, how, now, intent_id),
            )
            _insert_event(
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


# --- helpers ------------------------------------------------------------------------------


def _create_ledger(path: Path) -> None:
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
        conn = sqlite3.connect(draft, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            _migrate(conn, draft)
        finally:
            conn.close()
        # If another process was first, its ledger is as good as ours.
        with suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def _refuse_foreign_file(path: Path) -> None:
    """Only read the first bytes: a file that is not SQLite must stay exactly as it is."""
    try:
        with path.open("rb") as existing:
            header = existing.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    if header and header != SQLITE_HEADER:
        raise _not_a_ledger(path, "not a SQLite database")


def _not_a_ledger(path: Path, why: str) -> LedgerError:
    return LedgerError(
        f"the ledger {path} is unreadable ({why}); it was left untouched",
        hint="move it aside to start a new ledger, or point ORDER_AGENT_DATA_DIR elsewhere",
    )


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise LedgerError(
            f"the ledger {path} is from a newer order-agent (schema v{version}, "
            f"this one knows v{len(MIGRATIONS)}); it was left untouched",
            hint="upgrade order-agent, or point ORDER_AGENT_DATA_DIR elsewhere",
        )
    application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    has_tables = conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
    if (version > 0 and application_id != APPLICATION_ID) or (version == 0 and has_tables):
        raise _not_a_ledger(path, "a SQLite database of another program")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) == len(MIGRATIONS):
        return
    # Another process may be migrating the same file: decide under the write lock.
    conn.execute("BEGIN IMMEDIATE")
    try:
        _check_version(conn, path)
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for migration in MIGRATIONS[version:]:
            migration(conn)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()  # a no-op if SQLite already rolled back
        raise


def _order_row(conn: sqlite3.Connection, key: OrderKey) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM orders WHERE site = ? AND email = ? AND number = ?",
        (key.site, key.email, key.number),
    ).fetchone()
    return row


def _order_row_required(conn: sqlite3.Connection, key: OrderKey) -> sqlite3.Row:
    row = _order_row(conn, key)
    if row is None:
        raise OrderNotTracked(f"order {key} is not in the ledger")
    return row


def _set_end_state(
    conn: sqlite3.Connection, order_id: int, at: str, end_state: EndState, message: str
) -> None:
    conn.execute(
        """UPDATE orders SET end_state = ?, end_message = ?, ended_at = ?, next_due_at = NULL,
            updated_at = ? WHERE id = ?""",
        (end_state.value, message, at, at, order_id),
    )
    _insert_event(
        conn, order_id, at, "finished", {"end_state": end_state.value, "message": message}
    )


def _insert_event(
    conn: sqlite3.Connection, order_id: int, at: str, kind: str, data: Mapping[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO events (order_id, at, kind, data) VALUES (?, ?, ?, ?)",
        (order_id, at, kind, _dumps(data)),
    )


def _tracked_order(row: sqlite3.Row) -> TrackedOrder:
    return TrackedOrder(
        key=OrderKey(row["site"], row["email"], row["number"]),
        goal=Goal(row["goal"]),
        options=OrderOptions.from_json(json.loads(row["options"])),
        every=_timedelta(row["every_seconds"]),
        until=_datetime_or_none(row["until"]),
        last_status=OrderStatus(row["last_status"]) if row["last_status"] else None,
        last_raw_status=row["last_raw_status"],
        last_seen_at=_datetime_or_none(row["last_seen_at"]),
        next_due_at=_datetime_or_none(row["next_due_at"]),
        end_state=EndState(row["end_state"]),
        end_message=row["end_message"],
        ended_at=_datetime_or_none(row["ended_at"]),
        created_at=_datetime(row["created_at"]),
        updated_at=_datetime(row["updated_at"]),
        finding=_finding(row),
        parked_fingerprint=row["parked_fingerprint"],
    )


def _finding(row: sqlite3.Row) -> Finding | None:
    if not row["finding_count"] or not row["finding_kind"]:
        return None
    return Finding(
        kind=row["finding_kind"],
        message=row["finding_message"] or "",
        count=row["finding_count"],
        first_at=_datetime(row["finding_first_at"]),
        last_at=_datetime(row["finding_last_at"]),
    )


def _intent(row: sqlite3.Row) -> Intent:
    return Intent(
        id=row["id"],
        key=OrderKey(row["site"], row["email"], row["number"]),
        kind=IntentKind(row["kind"]),
        state=IntentState(row["state"]),
        payload=json.loads(row["payload"]),
        reference=row["reference"],
        details=json.loads(row["details"]),
        reason=row["reason"],
        how=row["how"],
        started_at=_datetime(row["started_at"]),
        finished_at=_datetime_or_none(row["finished_at"]),
    )


_SECRET_KEY_WORDS = frozenset(
    {"password", "passwd", "secret", "totp", "otp", "cookie", "cookies", "token", "credentials"}
)


def _refuse_secret_keys(data: Any) -> None:
    if isinstance(data, Mapping):
        for name, value in data.items():
            if _SECRET_KEY_WORDS & set(re.split(r"[^a-z0-9]+", str(name).lower())):
                raise ValueError(f"refusing to store a field named {name!r} in the ledger")
            _refuse_secret_keys(value)
    elif isinstance(data, list | tuple):
        for value in data:
            _refuse_secret_keys(value)


def _dumps(data: Mapping[str, Any]) -> str:
    _refuse_secret_keys(data)
    return json.dumps(data, default=str, sort_keys=True)


def _iso(moment: datetime) -> str:
    # One fixed format, so that text order is time order in SQL comparisons.
    if moment.tzinfo is None:
        raise ValueError("the ledger needs timezone-aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _iso_or_none(moment: datetime | None) -> str | None:
    return _iso(moment) if moment is not None else None


def _datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _datetime_or_none(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _seconds(span: timedelta | None) -> int | None:
    return round(span.total_seconds()) if span is not None else None


def _timedelta(seconds: float | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds is not None else None
