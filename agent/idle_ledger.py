"""The idle ``run``'s look at a SQLite ledger, with the standard library only.

Cron starts ``run`` every few minutes and almost every time nothing is due. The
ledger package stands on SQLAlchemy, whose import alone costs more than the whole
answer, so this look reads the file with ``sqlite3``, read-only, and says how many
orders wait for later, or ``None`` when the run must go the full way: anything due,
expiring or parked, a file of another schema version, or any doubt at all.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from agent.ledger.revisions import LEDGER_FILENAME, SCHEMA_VERSION

_STILL_WORKED_ON = "none"  # EndState.NONE
_NEEDS_HUMAN = "needs_human"  # EndState.NEEDS_HUMAN

_COUNTS = """
SELECT
    COALESCE(SUM(until IS NOT NULL AND until <= :at), 0),
    COALESCE(SUM(next_due_at IS NOT NULL AND next_due_at <= :at), 0),
    COALESCE(SUM(next_due_at IS NOT NULL AND next_due_at > :at), 0)
FROM orders WHERE end_state = :active
"""
_PARKED = "SELECT 1 FROM orders WHERE end_state = ? AND parked_fingerprint IS NOT NULL LIMIT 1"


def waiting_when_idle(data_dir: Path, now: datetime) -> int | None:
    """Orders waiting for a later check when none is due, expiring or parked; else ``None``."""
    path = data_dir / LEDGER_FILENAME
    if not path.is_file():
        return None
    # The ledger's own text form of a moment, so that text order is time order.
    at = now.astimezone(UTC).isoformat(timespec="microseconds")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version != SCHEMA_VERSION:
            return None
        expiring, due, waiting = conn.execute(
            _COUNTS, {"at": at, "active": _STILL_WORKED_ON}
        ).fetchone()
        parked = conn.execute(_PARKED, (_NEEDS_HUMAN,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if expiring or due or parked:
        return None
    return int(waiting)
