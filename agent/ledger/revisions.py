"""Which schema a ledger carries: its revisions and their SQLite ``user_version``.

Light on purpose (no SQLAlchemy): the idle ``run`` (:mod:`agent.idle_ledger`) reads a
file's version with ``sqlite3`` and needs to know the one this release writes.
"""

from __future__ import annotations

LEDGER_FILENAME = "ledger.sqlite3"
BASELINE_REVISION = "0001"
# The last schema of the releases before Alembic (``PRAGMA user_version`` 1, 2, 3).
BASELINE_VERSION = 3
# Each revision, in order, and the PRAGMA user_version a SQLite ledger at it carries.
REVISION_VERSIONS = {BASELINE_REVISION: BASELINE_VERSION, "0002": 4, "0003": 5}
HEAD_REVISION = "0003"
SCHEMA_VERSION = REVISION_VERSIONS[HEAD_REVISION]
