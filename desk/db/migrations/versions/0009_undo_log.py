"""The undo log: reversible operations (trash, restore, bulk changes, evidence removal and kinds).

Revision ID: 0009_undo_log
Revises: 0008_search_visible
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_undo_log"
down_revision = "0008_search_visible"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "undo_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undo_log")),
    )
    with op.batch_alter_table("undo_log", schema=None) as batch_op:
        batch_op.create_index("ix_undo_log_actor_id", ["actor", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("undo_log", schema=None) as batch_op:
        batch_op.drop_index("ix_undo_log_actor_id")
    op.drop_table("undo_log")
