"""The baseline: the ledger as the releases before Alembic left it (schema v3).

A SQLite ledger made by those releases (``PRAGMA user_version`` 3) is stamped at this
revision without running it; a v1 or v2 one is first brought to v3 by
:mod:`agent.ledger.legacy`.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPLICATION_ID = 0x4F41674C  # agent.ledger.engine.APPLICATION_ID, frozen here


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False, server_default="{}"),
        sa.Column("every_seconds", sa.Integer),
        sa.Column("until", sa.Text),
        sa.Column("last_status", sa.Text),
        sa.Column("last_raw_status", sa.Text),
        sa.Column("last_seen_at", sa.Text),
        sa.Column("next_due_at", sa.Text),
        sa.Column("end_state", sa.Text, nullable=False, server_default="none"),
        sa.Column("end_message", sa.Text),
        sa.Column("ended_at", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("finding_kind", sa.Text),
        sa.Column("finding_message", sa.Text),
        sa.Column("finding_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("finding_first_at", sa.Text),
        sa.Column("finding_last_at", sa.Text),
        sa.Column("parked_fingerprint", sa.Text),
        sa.Column("return_label", sa.Text),
        sa.Column("label_saved_at", sa.Text),
        sa.Column("return_tracking", sa.Text),
        sa.Column("refund", sa.Text),
        sa.UniqueConstraint("site", "email", "number"),
    )
    op.create_index("orders_due", "orders", ["end_state", "next_due_at"])
    op.create_table(
        "intents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False, server_default="{}"),
        sa.Column("reference", sa.Text),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
        sa.Column("reason", sa.Text),
        sa.Column("how", sa.Text),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text),
    )
    op.create_index("intents_by_order", "intents", ["order_id", "kind", "state"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("events_by_order", "events", ["order_id", "id"])
    op.create_table(
        "site_urls",
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("site", "name"),
    )
    op.create_table(
        "credential_blocks",
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("blocked_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("site", "email"),
    )
    # The salt makes a credentials fingerprint useless outside this ledger.
    op.bulk_insert(meta, [{"key": "fingerprint_salt", "value": secrets.token_hex(32)}])
    if sqlite:
        op.execute("PRAGMA user_version = 3")


def downgrade() -> None:
    raise NotImplementedError("the ledger only moves forward")
