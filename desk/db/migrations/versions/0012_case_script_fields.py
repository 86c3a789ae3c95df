"""The fields the scripts need: a case's 补发单号 (the waybill of what was sent again) and 协商补偿金额 (the
compensation agreed with the buyer, not yet a cost). 退货运单号 and 运费 already had columns.

Plain ADD COLUMN, no table rebuild: the search index's triggers on `cases` stay as they are.

Revision ID: 0012_case_script_fields
Revises: 0011_platform_overrides
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_case_script_fields"
down_revision = "0011_platform_overrides"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cases", sa.Column("reship_tracking_no", sa.String(length=64), server_default="", nullable=False)
    )
    op.add_column("cases", sa.Column("agreed_compensation", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN as well (SQLite 3.35+): a batch rebuild would drop the search triggers.
    op.drop_column("cases", "agreed_compensation")
    op.drop_column("cases", "reship_tracking_no")
