"""Many accounts: stored accounts (secrets encrypted), an order's account, saved sessions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("full_name", sa.Text),
        sa.Column("secrets", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    op.create_table(
        "order_accounts",
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
    )
    op.create_table(
        "browser_sessions",
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("saved_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("site", "email"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA user_version = 5")


def downgrade() -> None:
    raise NotImplementedError("the ledger only moves forward")
