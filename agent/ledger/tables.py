"""The ledger's tables as SQLAlchemy Core objects: what the queries are written against.

The schema itself is made and moved forward by the Alembic revisions in
``agent/ledger/migrations/versions`` (0001 is the schema v3 of the releases before
Alembic); this module must describe the head revision. Times are ISO-8601 text
(see :mod:`agent.ledger.codec`), JSON is text.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Ledger-wide values: the fingerprint salt.
meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("number", Text, nullable=False),
    Column("goal", Text, nullable=False),
    Column("options", Text, nullable=False, server_default="{}"),
    Column("every_seconds", Integer),
    Column("until", Text),
    Column("last_status", Text),
    Column("last_raw_status", Text),
    Column("last_seen_at", Text),
    Column("next_due_at", Text),
    Column("end_state", Text, nullable=False, server_default="none"),
    Column("end_message", Text),
    Column("ended_at", Text),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    # A finding: a check stopped by what may be a hiccup, and how often it repeated.
    Column("finding_kind", Text),
    Column("finding_message", Text),
    Column("finding_count", Integer, nullable=False, server_default="0"),
    Column("finding_first_at", Text),
    Column("finding_last_at", Text),
    # Parked until the configured credentials change: the fingerprint they were refused on.
    Column("parked_fingerprint", Text),
    # A return followed to its refund.
    Column("return_label", Text),
    Column("label_saved_at", Text),
    Column("return_tracking", Text),
    Column("refund", Text),
    # Revision 0002: the worker working on the order, until its lease runs out.
    Column("claimed_by", Text),
    Column("claimed_until", Text),
    UniqueConstraint("site", "email", "number"),
    Index("orders_due", "end_state", "next_due_at"),
)

intents = Table(
    "intents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("payload", Text, nullable=False, server_default="{}"),
    Column("reference", Text),
    Column("details", Text, nullable=False, server_default="{}"),
    Column("reason", Text),
    Column("how", Text),
    Column("started_at", Text, nullable=False),
    Column("finished_at", Text),
    Index("intents_by_order", "order_id", "kind", "state"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False),
    Column("at", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("data", Text, nullable=False, server_default="{}"),
    Index("events_by_order", "order_id", "id"),
)

site_urls = Table(
    "site_urls",
    metadata,
    Column("site", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("site", "name"),
)

credential_blocks = Table(
    "credential_blocks",
    metadata,
    Column("site", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("blocked_at", Text, nullable=False),
    PrimaryKeyConstraint("site", "email"),
)

# Revision 0003 (many accounts, agent/ledger/accounts.py). A stored shopper account: its
# password and TOTP secret only as a Fernet token (``secrets``), never in clear.
accounts = Table(
    "accounts",
    metadata,
    Column("name", Text, primary_key=True),
    Column("site", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("full_name", Text),
    Column("secrets", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)

# Which stored account an order is worked on as (``add ORDER --account NAME``).
order_accounts = Table(
    "order_accounts",
    metadata,
    Column("order_id", Integer, ForeignKey("orders.id"), primary_key=True),
    Column("account", Text, nullable=False),
)

# A saved browser session (Playwright storage state) per site + e-mail, as a Fernet token,
# so any worker on any machine can reuse it.
browser_sessions = Table(
    "browser_sessions",
    metadata,
    Column("site", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("saved_at", Text, nullable=False),
    PrimaryKeyConstraint("site", "email"),
)
