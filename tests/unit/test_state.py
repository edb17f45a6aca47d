"""The ledger, against real SQLite files in a temporary data dir and (tests taking
``ledger_url``) a fresh PostgreSQL database; no browser."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from agent import ledger as state
from agent.ledger import (
    EndState,
    IntentConflict,
    IntentKind,
    IntentState,
    Ledger,
    OrderKey,
    OrderNotTracked,
    OrderOptions,
    legacy,
    normalise_order_number,
)
from agent.ledger import engine as ledger_engine
from agent.ledger.engine import database_url
from ordercore.errors import LedgerError, StorageError, UsageError
from ordercore.models import Goal, OrderStatus

REPO = Path(__file__).resolve().parents[2]
SITE = "http://127.0.0.1:8000/us/"
EMAIL = "jane@example.com"
PASSWORD = "correct-horse-battery-staple"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def ledger(data_dir: Path, clock: Clock, ledger_url: str | None) -> Iterator[Ledger]:
    """The ledger on each backend: the SQLite file in the data dir, then PostgreSQL."""
    with Ledger.open(data_dir, clock=clock, database_url=ledger_url) as opened:
        yield opened


def key(number: str = "70001", site: str = SITE, email: str = EMAIL) -> OrderKey:
    return OrderKey(site, email, number)


def run_python(code: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("#MK-70001", "70001"),
        ("MK-70001", "70001"),
        ("70001", "70001"),
        (" # 70001 ", "70001"),
        ("mk70001", "70001"),
        ("A1B2-33", "A1B2-33"),
        ("a1b2-33", "A1B2-33"),
        ("#W-2024-118", "2024-118"),
    ],
)
def test_order_numbers_are_normalised(given: str, expected: str) -> None:
    assert normalise_order_number(given) == expected


@pytest.mark.parametrize("given", ["", "#", "MK-", "70 001", "70001; DROP TABLE orders"])
def test_what_is_not_an_order_number_is_a_usage_error(given: str) -> None:
    with pytest.raises(UsageError, match="order number"):
        normalise_order_number(given)


def test_order_keys_are_equal_however_they_were_typed() -> None:
    assert OrderKey("HTTP://127.0.0.1:8000/us/", " Jane@Example.com", "#MK-70001") == OrderKey(
        "http://127.0.0.1:8000/us", "jane@example.com", "70001"
    )
    assert key(site="http://127.0.0.1:8000/uk/") != key()


# --- the file -----------------------------------------------------------------------------


@pytest.mark.ledger_backends("sqlite")
def test_a_new_ledger_is_private_wal_and_versioned(ledger: Ledger, data_dir: Path) -> None:
    ledger.track(key(), Goal.CANCEL)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    files = sorted(p.name for p in data_dir.iterdir())  # no draft left behind
    assert files == ["ledger.sqlite3", "ledger.sqlite3-shm", "ledger.sqlite3-wal"]
    for name in files:
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
    raw = sqlite3.connect(data_dir / "ledger.sqlite3")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == state.SCHEMA_VERSION == 5
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0003"
    finally:
        raw.close()
    assert ledger.schema_version == 5


def test_a_file_that_is_not_sqlite_is_never_touched(data_dir: Path) -> None:
    data_dir.mkdir()
    path = data_dir / "ledger.sqlite3"
    path.write_bytes(b"these are not the rows you are looking for\n" * 100)
    before = file_digest(path)
    with pytest.raises(LedgerError, match=r"ledger\.sqlite3.*not a SQLite database.*untouched"):
        Ledger.open(data_dir)
    assert file_digest(path) == before
    assert sorted(p.name for p in data_dir.iterdir()) == ["ledger.sqlite3"]


def test_a_sqlite_file_with_damaged_pages_is_reported_and_kept(data_dir: Path) -> None:
    with Ledger.open(data_dir) as ledger:
        ledger.track(key(), Goal.CANCEL)
    path = data_dir / "ledger.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.execute("PRAGMA journal_mode = DELETE")
    raw.close()
    damaged = bytearray(path.read_bytes())
    damaged[100:4096] = b"\xff" * (4096 - 100)  # the schema page, after the header
    path.write_bytes(bytes(damaged))
    with pytest.raises(LedgerError, match="untouched"):
        Ledger.open(data_dir)
    assert path.read_bytes() == bytes(damaged)


def test_a_ledger_from_a_newer_version_is_never_touched(data_dir: Path) -> None:
    with Ledger.open(data_dir) as ledger:
        ledger.track(key(), Goal.CANCEL)
    path = data_dir / "ledger.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = file_digest(path)
    with pytest.raises(LedgerError, match=r"newer order-agent \(schema v99.*knows v5"):
        Ledger.open(data_dir)
    assert file_digest(path) == before


def test_another_programs_sqlite_database_is_not_taken_over(data_dir: Path) -> None:
    data_dir.mkdir()
    path = data_dir / "ledger.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE recipes (name TEXT)")
    raw.commit()
    raw.close()
    before = file_digest(path)
    with pytest.raises(LedgerError, match="another program"):
        Ledger.open(data_dir)
    assert file_digest(path) == before


# What the releases before Alembic wrote: schema v1 (frozen here, as they created it),
# then their later steps (agent.ledger.legacy) up to the version asked for.
PRE_ALEMBIC_V1 = (
    f"PRAGMA application_id = {state.APPLICATION_ID}",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE orders (id INTEGER PRIMARY KEY, site TEXT NOT NULL, email TEXT NOT NULL,
        number TEXT NOT NULL, goal TEXT NOT NULL, options TEXT NOT NULL DEFAULT '{}',
        every_seconds INTEGER, until TEXT, last_status TEXT, last_raw_status TEXT,
        last_seen_at TEXT, next_due_at TEXT, end_state TEXT NOT NULL DEFAULT 'none',
        end_message TEXT, ended_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        UNIQUE (site, email, number))""",
    "CREATE INDEX orders_due ON orders (end_state, next_due_at)",
    """CREATE TABLE intents (id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES orders (id), kind TEXT NOT NULL,
        state TEXT NOT NULL, payload TEXT NOT NULL DEFAULT '{}', reference TEXT,
        details TEXT NOT NULL DEFAULT '{}', reason TEXT, how TEXT, started_at TEXT NOT NULL,
        finished_at TEXT)""",
    "CREATE INDEX intents_by_order ON intents (order_id, kind, state)",
    """CREATE TABLE events (id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES orders (id), at TEXT NOT NULL,
        kind TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX events_by_order ON events (order_id, id)",
    """CREATE TABLE site_urls (site TEXT NOT NULL, name TEXT NOT NULL, url TEXT NOT NULL,
        updated_at TEXT NOT NULL, PRIMARY KEY (site, name))""",
    """CREATE TABLE credential_blocks (site TEXT NOT NULL, email TEXT NOT NULL,
        fingerprint TEXT NOT NULL, reason TEXT NOT NULL, blocked_at TEXT NOT NULL,
        PRIMARY KEY (site, email))""",
    "INSERT INTO meta (key, value) VALUES ('fingerprint_salt', '00112233445566778899')",
)


def write_pre_alembic_ledger(data_dir: Path, version: int) -> sqlite3.Connection:
    """A ledger file as the release with schema ``version`` (1-3) left it; still open."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    raw = sqlite3.connect(data_dir / "ledger.sqlite3", isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    for statement in PRE_ALEMBIC_V1:
        raw.execute(statement)
    for step in legacy.LEGACY_STEPS[: version - 1]:
        for statement in step:
            raw.execute(statement)
    raw.execute(f"PRAGMA user_version = {version}")
    return raw


def test_a_v3_ledger_from_before_alembic_is_stamped_and_upgraded_keeping_its_rows(
    data_dir: Path, clock: Clock
) -> None:
    raw = write_pre_alembic_ledger(data_dir, 3)
    at = START.isoformat()
    raw.execute(
        """INSERT INTO orders (id, site, email, number, goal, every_seconds, next_due_at,
           created_at, updated_at) VALUES (1, ?, ?, '70001', 'cancel', 300, ?, ?, ?)""",
        (key().site, key().email, at, at, at),
    )
    raw.close()
    with Ledger.open(data_dir, clock=clock) as ledger:
        assert ledger.schema_version == 5
        [order] = ledger.list_tracked()
        assert (order.key, order.every) == (key(), timedelta(minutes=5))
        assert ledger.claim(key(), "worker-1", timedelta(minutes=5))  # the 0002 columns
        # The salt written by the old release is the one fingerprints are keyed with.
        salted = hashlib.blake2b(
            f"{EMAIL}\0{PASSWORD}".encode(),
            key=bytes.fromhex("00112233445566778899"),
            digest_size=32,
        ).hexdigest()
        assert ledger.credentials_fingerprint(EMAIL, PASSWORD) == salted
    raw = sqlite3.connect(data_dir / "ledger.sqlite3")
    assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0003",)]
    raw.close()
    before = file_digest(data_dir / "ledger.sqlite3")
    with Ledger.open(data_dir, clock=clock) as ledger:  # already current: nothing runs twice
        assert ledger.schema_version == 5
    assert file_digest(data_dir / "ledger.sqlite3") == before


def test_a_v1_ledger_gains_findings_and_parking_and_keeps_its_rows(
    data_dir: Path, clock: Clock
) -> None:
    # A ledger written by the release before findings existed (schema v1): its rows are
    # written as that release wrote them, since this one's reads need the v2 columns.
    raw = write_pre_alembic_ledger(data_dir, 1)
    at = START.isoformat()
    raw.execute(
        """INSERT INTO orders (id, site, email, number, goal, every_seconds, next_due_at,
           created_at, updated_at) VALUES (1, ?, ?, '70001', 'cancel', 300, ?, ?, ?)""",
        (key().site, key().email, at, at, at),
    )
    raw.execute(
        """INSERT INTO intents (order_id, kind, state, reference, started_at)
           VALUES (1, 'cancellation_request', 'sent', 'CS-1', ?)""",
        (at,),
    )
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    raw.close()
    with Ledger.open(data_dir, clock=clock) as ledger:
        assert ledger.schema_version == 5
        [order] = ledger.list_tracked()
        assert (order.key, order.every, order.finding, order.parked_fingerprint) == (
            key(),
            timedelta(minutes=5),
            None,
            None,
        )
        assert ledger.has_sent(key(), IntentKind.CANCELLATION_REQUEST).reference == "CS-1"
        ledger.record_finding(key(), "SiteNotUnderstood", "no sign-in link")
        [order] = ledger.list_tracked()
        assert order.finding is not None and order.finding.count == 1


def test_a_v2_ledger_gains_return_tracking_and_keeps_its_rows(data_dir: Path, clock: Clock) -> None:
    # Written by the release before returns were followed to their refund (schema v2): an
    # order that ended with its label saved, and one still watched, its options without
    # --ship-by. Both read on; the watched one gets the default reminder delay.
    raw = write_pre_alembic_ledger(data_dir, 2)
    at = START.isoformat()
    old_options = '{"reason": null, "items": [], "no_return": false, "follow_up_after": 86400}'
    raw.execute(
        """INSERT INTO orders (id, site, email, number, goal, options, every_seconds,
           end_state, end_message, ended_at, created_at, updated_at)
           VALUES (1, ?, ?, '70004', 'cancel', ?, 900, 'label_saved',
           'return label saved: /tmp/l.pdf', ?, ?, ?)""",
        (key().site, key().email, old_options, at, at, at),
    )
    raw.execute(
        """INSERT INTO orders (id, site, email, number, goal, options, every_seconds,
           next_due_at, created_at, updated_at) VALUES (2, ?, ?, '70001', 'cancel', ?, 900,
           ?, ?, ?)""",
        (key().site, key().email, old_options, at, at, at),
    )
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    raw.close()
    with Ledger.open(data_dir, clock=clock) as ledger:
        assert ledger.schema_version == 5
        ended, watched = sorted(ledger.list_tracked(), key=lambda o: o.key.number, reverse=True)
        assert (ended.key.number, ended.end_state, ended.end_message) == (
            "70004",
            EndState.LABEL_SAVED,
            "return label saved: /tmp/l.pdf",
        )
        assert (ended.return_label, ended.label_saved_at, ended.refund) == (None, None, None)
        assert watched.active and watched.options.ship_by == state.DEFAULT_SHIP_BY
        assert watched.options.follow_up_after == timedelta(days=1)
        clock.now = START + timedelta(hours=2)
        saved = ledger.record_return(watched.key, label="/tmp/70001.pdf", tracking="1Z1")
        assert (saved.return_label, saved.label_saved_at, saved.return_tracking) == (
            "/tmp/70001.pdf",
            START + timedelta(hours=2),
            "1Z1",
        )


def test_a_return_is_recorded_once_and_its_label_time_kept(ledger: Ledger, clock: Clock) -> None:
    ledger.track(key(), Goal.CANCEL, OrderOptions(ship_by=None), every=timedelta(minutes=5))
    assert ledger.get(key()).options.ship_by is None  # --ship-by never
    ledger.record_return(key(), label="/tmp/a.pdf")
    clock.now = START + timedelta(days=1)
    ledger.record_return(key(), label="/tmp/a.pdf", tracking="1Z9")  # the label: no change
    done = ledger.record_return(key(), refund="$150.00")
    assert (done.label_saved_at, done.return_tracking, done.refund) == (START, "1Z9", "$150.00")
    assert [e.data for e in ledger.events(key()) if e.kind == "return"] == [
        {"return_label": "/tmp/a.pdf"},
        {"return_tracking": "1Z9"},
        {"refund": "$150.00"},
    ]


# --- tracking -----------------------------------------------------------------------------


def test_tracking_twice_updates_and_never_duplicates(ledger: Ledger, clock: Clock) -> None:
    first = ledger.track(key("#MK-70001"), Goal.CANCEL, every=timedelta(minutes=10))
    assert first.next_due_at == START
    assert first.active
    clock.now = START + timedelta(minutes=1)
    options = OrderOptions(
        reason="Ordered by mistake",
        items=("Linen Shirt",),
        no_return=True,
        follow_up_after=timedelta(days=2),
    )
    until = START + timedelta(days=14)
    second = ledger.track(key("70001"), Goal.CANCEL, options, timedelta(minutes=5), until)
    assert [order.key for order in ledger.list_tracked()] == [key()]
    assert second.options == options
    assert second.every == timedelta(minutes=5)
    assert second.until == until
    assert second.next_due_at == START  # re-adding does not push the next check back
    assert [event.kind for event in ledger.events(key())] == ["tracked", "updated"]


def test_due_returns_what_is_due_soonest_first(ledger: Ledger, clock: Clock) -> None:
    every = timedelta(minutes=5)
    for number in ("70001", "70002", "70003"):
        ledger.track(key(number), Goal.CANCEL, every=every)
    ledger.schedule_next(key("70001"), START + timedelta(minutes=10))
    ledger.schedule_next(key("70002"), START + timedelta(minutes=3))
    ledger.schedule_next(key("70003"), START + timedelta(minutes=5))
    assert ledger.due(START) == []
    assert [o.key.number for o in ledger.due(START + timedelta(minutes=5))] == ["70002", "70003"]
    clock.now = START + timedelta(hours=1)
    assert [o.key.number for o in ledger.due()] == ["70002", "70003", "70001"]


def test_a_one_shot_order_is_recorded_but_never_due(ledger: Ledger) -> None:
    order = ledger.ensure_order(key(), Goal.CANCEL)
    assert order.every is None and order.next_due_at is None
    assert ledger.due(START + timedelta(days=365)) == []


def test_a_one_shot_command_leaves_a_watched_order_as_it_is(ledger: Ledger) -> None:
    watched = ledger.track(key(), Goal.RETURN, OrderOptions(reason="Too big"), timedelta(hours=1))
    assert ledger.ensure_order(key(), Goal.CANCEL) == watched


def test_finished_and_forgotten_orders_are_not_due(ledger: Ledger, clock: Clock) -> None:
    every = timedelta(minutes=5)
    ledger.track(key("70001"), Goal.CANCEL, every=every)
    ledger.track(key("70002"), Goal.CANCEL, every=every)
    ledger.finish(key("70001"), EndState.CANCELLED, "the shop cancelled it")
    assert ledger.forget(key("70002"))
    assert not ledger.forget(key("70099"))
    assert ledger.due(START + timedelta(days=1)) == []
    assert [o.key.number for o in ledger.list_tracked()] == ["70001"]
    assert [o.end_state for o in ledger.list_tracked(include_forgotten=True)] == [
        EndState.CANCELLED,
        EndState.FORGOTTEN,
    ]
    cancelled = ledger.get(key("70001"))
    assert cancelled is not None
    assert cancelled.end_message == "the shop cancelled it"
    assert cancelled.ended_at == START


def test_watching_a_forgotten_order_again_brings_it_back(ledger: Ledger, clock: Clock) -> None:
    ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=5))
    ledger.forget(key())
    clock.now = START + timedelta(hours=2)
    revived = ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=5))
    assert revived.end_state is EndState.NONE
    assert revived.next_due_at == clock.now
    assert [e.kind for e in ledger.events(key())] == ["tracked", "forgotten", "revived"]


def test_watching_a_cancelled_order_again_changes_nothing_to_do(ledger: Ledger) -> None:
    ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=5))
    ledger.finish(key(), EndState.CANCELLED, "cancelled")
    again = ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=5))
    assert again.end_state is EndState.CANCELLED
    assert ledger.due(START + timedelta(days=1)) == []


def test_orders_past_their_end_date_expire(ledger: Ledger, clock: Clock) -> None:
    every = timedelta(minutes=5)
    ledger.track(key("70001"), Goal.CANCEL, every=every, until=START + timedelta(days=1))
    ledger.track(key("70002"), Goal.CANCEL, every=every, until=START + timedelta(days=3))
    ledger.track(key("70003"), Goal.CANCEL, every=every)
    assert ledger.expire_overdue(START + timedelta(hours=23)) == []
    clock.now = START + timedelta(days=2)
    [expired] = ledger.expire_overdue()
    assert expired.key.number == "70001"
    assert expired.end_state is EndState.EXPIRED
    assert [o.key.number for o in ledger.due()] == ["70002", "70003"]
    assert ledger.expire_overdue() == []


def test_status_is_kept_and_only_changes_become_events(ledger: Ledger, clock: Clock) -> None:
    ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=5))
    for minute in range(5):
        ledger.record_status(
            key(), OrderStatus.PROCESSING, "Processing", START + timedelta(minutes=minute)
        )
    ledger.record_status(key(), OrderStatus.SHIPPED, "Shipped", START + timedelta(minutes=9))
    order = ledger.get(key())
    assert order is not None
    assert (order.last_status, order.last_raw_status) == (OrderStatus.SHIPPED, "Shipped")
    assert order.last_seen_at == START + timedelta(minutes=9)
    statuses = [e.data for e in ledger.events(key()) if e.kind == "status"]
    assert statuses == [
        {"status": "processing", "raw": "Processing", "was": None},
        {"status": "shipped", "raw": "Shipped", "was": "processing"},
    ]


def test_events_carry_their_time_and_data(ledger: Ledger, clock: Clock) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    clock.now = START + timedelta(seconds=90)
    ledger.record_event(key(), "signed_in", {"remembered_url": True})
    ledger.record_notification(key(), "request_sent", "Cancellation requested", delivered=False)
    events = ledger.events(key())
    assert [(e.at, e.kind) for e in events] == [
        (START, "recorded"),
        (clock.now, "signed_in"),
        (clock.now, "notification"),
    ]
    assert events[1].data == {"remembered_url": True}
    assert events[2].data == {
        "event": "request_sent",
        "title": "Cancellation requested",
        "delivered": False,
        "configured": True,
    }


def test_writing_about_an_untracked_order_is_refused(ledger: Ledger) -> None:
    with pytest.raises(OrderNotTracked):
        ledger.record_status(key(), OrderStatus.PROCESSING, "Processing")
    with pytest.raises(OrderNotTracked):
        ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})


def test_naive_datetimes_are_refused(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.schedule_next(key(), datetime(2025, 3, 1, 9, 0))


# --- write-ahead intents ------------------------------------------------------------------


def test_a_sent_request_is_found_and_never_begun_again(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    assert ledger.has_sent(key(), IntentKind.CANCELLATION_REQUEST) is None
    intent_id = ledger.begin_intent(
        key(), IntentKind.CANCELLATION_REQUEST, {"message": "Please cancel order 70001."}
    )
    [pending] = ledger.open_intents(key())
    assert (pending.id, pending.state) == (intent_id, IntentState.OPEN)
    ledger.complete_intent(
        intent_id, "CS-482913", {"confirmation": "Your case number is CS-482913"}
    )
    assert ledger.open_intents(key()) == []
    sent = ledger.has_sent(key("#MK-70001"), IntentKind.CANCELLATION_REQUEST)
    assert sent is not None
    assert (sent.id, sent.reference, sent.state) == (intent_id, "CS-482913", IntentState.SENT)
    assert sent.payload == {"message": "Please cancel order 70001."}
    assert ledger.count_sent(key(), IntentKind.CANCELLATION_REQUEST) == 1
    with pytest.raises(IntentConflict, match="sent"):
        ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})
    with pytest.raises(LedgerError, match="already sent"):
        ledger.complete_intent(intent_id, "CS-000000")


def test_at_most_one_follow_up_quoting_the_first_case(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    first = ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {"message": "Cancel"})
    ledger.complete_intent(first, "CS-1")
    assert ledger.count_sent(key(), IntentKind.FOLLOW_UP) == 0
    follow_up = ledger.begin_intent(
        key(), IntentKind.FOLLOW_UP, {"message": "Following up on case CS-1"}
    )
    ledger.complete_intent(follow_up, "CS-2")
    assert ledger.count_sent(key(), IntentKind.FOLLOW_UP) == 1
    with pytest.raises(IntentConflict):
        ledger.begin_intent(key(), IntentKind.FOLLOW_UP, {"message": "again"})
    assert [i.reference for i in ledger.intents(key())] == ["CS-1", "CS-2"]


def test_an_unresolved_intent_blocks_a_second_submission(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    intent_id = ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})
    with pytest.raises(IntentConflict, match="open"):
        ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {}, allow_repeat=True)
    # Other kinds and other orders are independent.
    ledger.begin_intent(key(), IntentKind.RETURN_REQUEST, {"items": ["Linen Shirt"]})
    ledger.ensure_order(key("70002"), Goal.CANCEL)
    ledger.begin_intent(key("70002"), IntentKind.CANCELLATION_REQUEST, {})
    assert [(i.id, i.kind) for i in ledger.open_intents(key())] == [
        (intent_id, IntentKind.CANCELLATION_REQUEST),
        (intent_id + 1, IntentKind.RETURN_REQUEST),
    ]


def test_a_failure_that_may_have_reached_the_shop_stays_open(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    intent_id = ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})
    ledger.fail_intent(intent_id, "the connection dropped after Submit", definitely_not_sent=False)
    [uncertain] = ledger.open_intents(key())
    assert uncertain.state is IntentState.UNCERTAIN
    assert uncertain.reason == "the connection dropped after Submit"
    with pytest.raises(IntentConflict):
        ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})


def test_a_failure_that_certainly_did_not_send_allows_a_new_attempt(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    first = ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})
    ledger.fail_intent(first, "the form showed an error", definitely_not_sent=True)
    assert ledger.open_intents(key()) == []
    second = ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})
    assert second != first


def test_reconciliation_settles_open_intents(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    found = ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {})
    ledger.resolve_intent(found, "CS-7", "listed under Support Requests")
    sent = ledger.has_sent(key(), IntentKind.CANCELLATION_REQUEST)
    assert sent is not None
    assert (sent.reference, sent.how) == ("CS-7", "listed under Support Requests")

    ledger.ensure_order(key("70002"), Goal.CANCEL)
    lost = ledger.begin_intent(key("70002"), IntentKind.CANCELLATION_REQUEST, {})
    ledger.resolve_intent(lost, None, "not listed under Support Requests")
    assert ledger.has_sent(key("70002"), IntentKind.CANCELLATION_REQUEST) is None
    assert [i.state for i in ledger.intents(key("70002"))] == [IntentState.NOT_SENT]
    ledger.begin_intent(key("70002"), IntentKind.CANCELLATION_REQUEST, {})  # resubmission allowed
    kinds = [e.kind for e in ledger.events(key("70002"))]
    assert kinds == ["recorded", "intent_begun", "intent_resolved", "intent_begun"]


def test_fields_that_name_a_secret_are_refused(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    with pytest.raises(ValueError, match="password"):
        ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {"form": {"password": "x"}})
    with pytest.raises(ValueError, match="totp_code"):
        ledger.record_event(key(), "signed_in", {"totp_code": "123456"})
    assert ledger.intents(key()) == []


# --- per site -----------------------------------------------------------------------------


def test_urls_are_remembered_per_site(ledger: Ledger) -> None:
    ledger.remember_url(SITE, "order_list", "http://127.0.0.1:8000/us/account/orders")
    ledger.remember_url(SITE, "order_list", "http://127.0.0.1:8000/us/orders")
    ledger.remember_url(SITE, "contact", "http://127.0.0.1:8000/us/help/contact")
    assert ledger.remembered_urls("http://127.0.0.1:8000/us") == {
        "contact": "http://127.0.0.1:8000/us/help/contact",
        "order_list": "http://127.0.0.1:8000/us/orders",
    }
    assert ledger.remembered_urls("http://127.0.0.1:8000/uk/") == {}
    ledger.forget_url(SITE, "contact")
    assert list(ledger.remembered_urls(SITE)) == ["order_list"]


@pytest.mark.ledger_backends("sqlite")  # reads the file's bytes for the password
def test_rejected_credentials_stay_blocked_until_they_change(
    ledger: Ledger, data_dir: Path
) -> None:
    fingerprint = ledger.credentials_fingerprint(EMAIL, PASSWORD)
    assert ledger.credentials_blocked(SITE, EMAIL, fingerprint) is None
    ledger.block_credentials(SITE, EMAIL, fingerprint, "the site said the password is incorrect")
    assert ledger.credentials_blocked(SITE, "JANE@example.com", fingerprint) == (
        "the site said the password is incorrect"
    )
    assert ledger.credentials_blocked("http://127.0.0.1:8000/uk/", EMAIL, fingerprint) is None
    changed = ledger.credentials_fingerprint(EMAIL, PASSWORD + "!")
    assert ledger.credentials_blocked(SITE, EMAIL, changed) is None
    ledger.clear_credentials_block(SITE, EMAIL)
    assert ledger.credentials_blocked(SITE, EMAIL, fingerprint) is None

    ledger.block_credentials(SITE, EMAIL, fingerprint, "incorrect")
    stored = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.is_file())
    assert fingerprint.encode() in stored  # the store really was searched...
    assert PASSWORD.encode() not in stored  # ...and holds no password


def test_fingerprints_are_salted_per_ledger(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "a") as first, Ledger.open(tmp_path / "b") as second:
        assert first.credentials_fingerprint(EMAIL, PASSWORD) != second.credentials_fingerprint(
            EMAIL, PASSWORD
        )
        plain = hashlib.blake2b(f"{EMAIL}\0{PASSWORD}".encode()).hexdigest()
        assert first.credentials_fingerprint(EMAIL, PASSWORD) != plain


# --- findings and parked orders ----------------------------------------------------------


def test_a_finding_counts_passes_in_a_row_and_a_good_check_clears_it(
    ledger: Ledger, clock: Clock
) -> None:
    ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=15))
    first = ledger.record_finding(key(), "SiteNotUnderstood", "no sign-in link")
    assert (first.count, first.span) == (1, timedelta(0))
    clock.now += timedelta(minutes=40)
    again = ledger.record_finding(key(), "SiteNotUnderstood", "no sign-in link either")
    assert (again.count, again.first_at, again.span) == (2, START, timedelta(minutes=40))
    # Another kind is another finding: the count starts over.
    clock.now += timedelta(minutes=40)
    other = ledger.record_finding(key(), "UnknownStatus", "On Hold")
    assert (other.count, other.first_at) == (1, clock.now)
    tracked = ledger.get(key())
    assert tracked is not None and tracked.finding == other

    ledger.clear_finding(key())
    tracked = ledger.get(key())
    assert tracked is not None and tracked.finding is None
    kinds = [e.kind for e in ledger.events(key())]
    assert kinds.count("finding") == 3 and kinds.count("finding_cleared") == 1
    ledger.clear_finding(key())  # nothing pending: no event
    assert [e.kind for e in ledger.events(key())].count("finding_cleared") == 1


def test_orders_parked_on_refused_credentials_resume_only_when_they_change(
    ledger: Ledger, clock: Clock
) -> None:
    refused = ledger.credentials_fingerprint(EMAIL, PASSWORD)
    for number in ("70001", "70002"):
        ledger.track(key(number), Goal.CANCEL, every=timedelta(minutes=15))
    ledger.finish(key("70001"), EndState.NEEDS_HUMAN, "password refused", parked_on=refused)
    ledger.finish(key("70002"), EndState.NEEDS_HUMAN, "bot check")  # not parked: stays
    assert ledger.has_parked()

    assert ledger.resume_parked(SITE, EMAIL, refused) == []  # the same credentials
    assert ledger.resume_parked("http://127.0.0.1:8000/uk/", EMAIL, "other") == []
    clock.now += timedelta(hours=2)
    changed = ledger.credentials_fingerprint(EMAIL, PASSWORD + "!")
    [resumed] = ledger.resume_parked(SITE, EMAIL, changed)
    assert resumed.key == key("70001") and resumed.active
    assert resumed.next_due_at == clock.now and resumed.parked_fingerprint is None
    assert [o.key for o in ledger.due()] == [key("70001")]
    assert not ledger.has_parked()
    bot_check = ledger.get(key("70002"))
    assert bot_check is not None and bot_check.end_state is EndState.NEEDS_HUMAN


def test_a_request_found_on_the_shop_is_adopted_as_sent(ledger: Ledger) -> None:
    ledger.ensure_order(key(), Goal.CANCEL)
    ledger.adopt_intent(key(), IntentKind.CANCELLATION_REQUEST, "CS-9", "support requests page")
    sent = ledger.has_sent(key(), IntentKind.CANCELLATION_REQUEST)
    assert sent is not None
    assert (sent.reference, sent.how, sent.payload["adopted"]) == (
        "CS-9",
        "support requests page",
        True,
    )
    with pytest.raises(IntentConflict):
        ledger.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {"m": "again"})


# --- across processes ---------------------------------------------------------------------

WRITES_PER_PROCESS = 25
PROCESSES = 4


def _hammer(data_dir: str, worker: int, start: Barrier, won: Queue[int]) -> None:
    start.wait()
    with Ledger.open(Path(data_dir)) as ledger:  # all open a brand-new file at once
        shared = key("70001")
        ledger.track(shared, Goal.CANCEL, every=timedelta(minutes=5))
        ledger.track(key(f"8000{worker}"), Goal.RETURN, every=timedelta(minutes=5))
        for n in range(WRITES_PER_PROCESS):
            ledger.record_event(shared, "ping", {"worker": worker, "n": n})
        try:
            ledger.begin_intent(shared, IntentKind.CANCELLATION_REQUEST, {"worker": worker})
            won.put(worker)
        except IntentConflict:
            pass


def test_processes_writing_at_once_lose_nothing_and_submit_once(data_dir: Path) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    won: Queue[int] = context.Queue()
    workers = [
        context.Process(target=_hammer, args=(str(data_dir), worker, start, won))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
    assert [process.exitcode for process in workers] == [0] * PROCESSES
    with Ledger.open(data_dir) as ledger:
        assert len(ledger.list_tracked()) == 1 + PROCESSES
        pings = [e.data for e in ledger.events(key("70001")) if e.kind == "ping"]
        assert len(pings) == PROCESSES * WRITES_PER_PROCESS
        assert {(p["worker"], p["n"]) for p in pings} == {
            (w, n) for w in range(PROCESSES) for n in range(WRITES_PER_PROCESS)
        }
        [intent] = ledger.intents(key("70001"))
        assert intent.payload == {"worker": won.get(timeout=5)}
    assert won.empty()


def test_an_intent_survives_the_process_being_killed(data_dir: Path) -> None:
    child = run_python(
        f"""
import sys
from pathlib import Path
from ordercore.models import Goal
from agent.ledger import IntentKind, Ledger, OrderKey
ledger = Ledger.open(Path({str(data_dir)!r}))
key = OrderKey({SITE!r}, {EMAIL!r}, "70001")
ledger.ensure_order(key, Goal.CANCEL)
print(ledger.begin_intent(key, IntentKind.CANCELLATION_REQUEST, {{"message": "Please cancel"}}),
      flush=True)
sys.stdin.read()  # "clicking Submit" until killed
""",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        intent_id = int(child.stdout.readline())
    finally:
        child.kill()
        child.wait(timeout=10)
    assert child.returncode == -9
    with Ledger.open(data_dir) as ledger:
        [pending] = ledger.open_intents(key())
    assert (pending.id, pending.state) == (intent_id, IntentState.OPEN)
    assert pending.payload == {"message": "Please cancel"}


def test_the_idle_check_needs_no_browser(data_dir: Path) -> None:
    with Ledger.open(data_dir) as ledger:
        for number in range(70001, 70051):
            ledger.track(key(str(number)), Goal.CANCEL, every=timedelta(minutes=5))
            ledger.schedule_next(key(str(number)), datetime.now(UTC) + timedelta(hours=1))
    child = run_python(
        f"""
import sys
from pathlib import Path
from agent.ledger import Ledger
with Ledger.open(Path({str(data_dir)!r})) as ledger:
    due = ledger.due()
print(len(due), "playwright" in sys.modules)
""",
        stdout=subprocess.PIPE,
    )
    output, _ = child.communicate(timeout=30)
    due, playwright_loaded = output.split()
    assert due == "0"
    # What makes it cheap: no browser library is even imported. How fast it is on a quiet
    # machine is the benchmark's to judge (`make bench`, "idle run"), not a test's.
    assert playwright_loaded == "False"


# --- claims: one worker at a time per order ----------------------------------------------


def test_a_claim_holds_until_released_or_its_lease_runs_out(ledger: Ledger, clock: Clock) -> None:
    ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=5))
    lease = timedelta(minutes=10)
    assert ledger.claim(key(), "host-a:1", lease)
    assert not ledger.claim(key(), "host-b:2", lease)
    assert ledger.claim(key(), "host-a:1", lease)  # the holder renews it
    assert not ledger.release(key(), "host-b:2")  # only the holder gives it back
    clock.now = START + timedelta(minutes=9)
    assert not ledger.claim(key(), "host-b:2", lease)  # renewed at START: still held
    clock.now = START + timedelta(minutes=10, microseconds=1)
    assert ledger.claim(key(), "host-b:2", lease)  # host-a died: its lease ran out
    assert not ledger.claim(key(), "host-a:1", lease)
    assert ledger.release(key(), "host-b:2")
    assert ledger.claim(key(), "host-a:1", lease)
    assert ledger.claim(key(), "host-c:3", lease, take_over=True)  # its holder is known dead


def test_claiming_an_order_not_in_the_ledger_is_refused(ledger: Ledger) -> None:
    with pytest.raises(OrderNotTracked):
        ledger.claim(key(), "host-a:1", timedelta(minutes=1))


def test_workers_racing_for_the_same_orders_each_get_one_winner(
    data_dir: Path, ledger: Ledger, ledger_url: str | None
) -> None:
    # Separate engines and connections, as separate worker processes would have; the
    # barrier lines the claims up so they really do meet.
    orders = [key(str(70001 + n)) for n in range(8)]
    for order in orders:
        ledger.track(order, Goal.CANCEL, every=timedelta(minutes=5))
    won: dict[str, list[str]] = {str(order): [] for order in orders}

    def worker(own: Ledger, name: str, line_up: Callable[[], object]) -> None:
        for order in orders:
            line_up()
            if own.claim(order, name, timedelta(minutes=5)):
                won[str(order)].append(name)

    _race(4, data_dir, ledger_url, worker)
    assert all(len(winners) == 1 for winners in won.values()), won


def test_workers_racing_to_begin_the_same_request_begin_it_once(
    data_dir: Path, ledger: Ledger, ledger_url: str | None
) -> None:
    # The order's row is locked while the intent is decided on: on PostgreSQL too, where
    # two READ COMMITTED transactions would otherwise both find no intent and both insert.
    ledger.ensure_order(key(), Goal.CANCEL)
    workers = 4
    begun: list[str] = []
    refused: list[str] = []

    def worker(own: Ledger, name: str, line_up: Callable[[], object]) -> None:
        line_up()
        try:
            own.begin_intent(key(), IntentKind.CANCELLATION_REQUEST, {"worker": name})
            begun.append(name)
        except IntentConflict:
            refused.append(name)

    _race(workers, data_dir, ledger_url, worker)
    assert (len(begun), len(refused)) == (1, workers - 1)
    [intent] = ledger.intents(key())
    assert intent.payload == {"worker": begun[0]}


def test_a_database_that_cannot_be_reached_is_named_without_its_password(
    data_dir: Path,
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://agent:s3cret-pw@127.0.0.1:{port}/ledger"
    with pytest.raises(StorageError) as raised:
        Ledger.open(data_dir, database_url=url)
    shown = f"{raised.value} {raised.value.hint}"
    assert f"agent:***@127.0.0.1:{port}/ledger" in shown
    assert "s3cret-pw" not in shown
    assert not data_dir.exists()  # no SQLite file made instead


@pytest.mark.ledger_backends("postgresql")  # the file's: test_a_ledger_from_a_newer_version
def test_a_server_ledger_from_a_newer_order_agent_is_refused(
    data_dir: Path, ledger: Ledger, ledger_url: str
) -> None:
    engine = create_engine(database_url(ledger_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(LedgerError, match=r"newer order-agent \(schema revision 0099.*knows v5"):
        Ledger.open(data_dir, database_url=ledger_url)


@pytest.mark.ledger_backends("postgresql")  # the file's: the multiprocess tests above
@pytest.mark.new_ledger  # they create it: an empty database
def test_workers_opening_a_new_server_ledger_together_create_it_once(
    data_dir: Path, ledger_url: str
) -> None:
    workers = 4
    barrier = threading.Barrier(workers)
    salts: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=60)
            with Ledger.open(data_dir, database_url=ledger_url) as own:
                salts.append(own.credentials_fingerprint(EMAIL, PASSWORD))
                assert own.schema_version == state.SCHEMA_VERSION
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(salts) == workers and len(set(salts)) == 1  # one schema, one salt
    engine = create_engine(database_url(ledger_url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [("0003",)]
    engine.dispose()


@pytest.mark.ledger_backends("sqlite")
def test_a_ledger_another_process_keeps_locked_fails_in_one_line_naming_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_engine, "BUSY_TIMEOUT_SECONDS", 0.05)
    with Ledger.open(data_dir) as ledger:
        holder = sqlite3.connect(data_dir / "ledger.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StorageError) as raised:
                ledger.track(key(), Goal.CANCEL, every=timedelta(minutes=5))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert str(raised.value) == (
            f"cannot write the ledger {data_dir / 'ledger.sqlite3'}: database is locked"
        )
        assert ledger.list_tracked() == []  # and once the lock is gone, it works


def _race(
    workers: int,
    data_dir: Path,
    ledger_url: str | None,
    body: Callable[[Ledger, str, Callable[[], object]], None],
) -> None:
    """Run ``body`` on ``workers`` threads, each with its own engine and connections (as
    separate worker processes would have) and a barrier (``line_up``) that makes their
    steps really meet; any thread's error fails the test."""
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            with Ledger.open(data_dir, database_url=ledger_url) as own:
                body(own, name, lambda: barrier.wait(timeout=60))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(f"host:{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
