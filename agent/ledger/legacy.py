"""Ledgers written before Alembic: schema v1 and v2 files brought to v3, the baseline.

Those releases versioned a SQLite ledger with ``PRAGMA user_version`` and moved it
forward with hand-written steps; these are the two later ones, frozen. A v3 file
needs nothing here: :mod:`agent.ledger.schema` stamps it at revision 0001.
"""

from __future__ import annotations

from sqlalchemy import Connection

from agent.ledger.revisions import BASELINE_VERSION

# What each step added (index 0: v1 -> v2, index 1: v2 -> v3). Never edit.
LEGACY_STEPS: tuple[tuple[str, ...], ...] = (
    (
        # A finding (a check stopped by what may be a hiccup) and how often it repeated.
        "ALTER TABLE orders ADD COLUMN finding_kind TEXT",
        "ALTER TABLE orders ADD COLUMN finding_message TEXT",
        "ALTER TABLE orders ADD COLUMN finding_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE orders ADD COLUMN finding_first_at TEXT",
        "ALTER TABLE orders ADD COLUMN finding_last_at TEXT",
        # An order parked on credentials the shop refused (their keyed fingerprint).
        "ALTER TABLE orders ADD COLUMN parked_fingerprint TEXT",
    ),
    (
        # A return followed to its refund: the label and when, tracking, the refund.
        "ALTER TABLE orders ADD COLUMN return_label TEXT",
        "ALTER TABLE orders ADD COLUMN label_saved_at TEXT",
        "ALTER TABLE orders ADD COLUMN return_tracking TEXT",
        "ALTER TABLE orders ADD COLUMN refund TEXT",
    ),
)
# One step per version before the baseline: step N moves a file from version N to N + 1,
# and the last one leads to BASELINE_VERSION.


def bring_to_baseline(conn: Connection, version: int) -> None:
    """A v1/v2 SQLite ledger, in the caller's write transaction, made v3."""
    for step in LEGACY_STEPS[version - 1 :]:
        for statement in step:
            conn.exec_driver_sql(statement)
    conn.exec_driver_sql(f"PRAGMA user_version = {BASELINE_VERSION}")
