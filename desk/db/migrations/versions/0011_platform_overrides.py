"""The operator's hides and rewordings of the story a platform reads (desk.audience); where an evidence
picture's time comes from (its own metadata, or stated by the operator), so a file's modification time is
never shown as when it was taken.

Revision ID: 0011_platform_overrides
Revises: 0010_keys
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_platform_overrides"
down_revision = "0010_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_overrides",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=64), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_platform_overrides_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "entry_key", name=op.f("pk_platform_overrides")),
    )

    op.add_column(
        "evidence", sa.Column("captured_source", sa.String(length=16), server_default="", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("evidence", "captured_source")
    op.drop_table("platform_overrides")
