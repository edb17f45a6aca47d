"""Order claims: which worker works on an order, until when (its lease).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite does it in place, rows untouched.
    op.add_column("orders", sa.Column("claimed_by", sa.Text))
    op.add_column("orders", sa.Column("claimed_until", sa.Text))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA user_version = 4")


def downgrade() -> None:
    raise NotImplementedError("the ledger only moves forward")
