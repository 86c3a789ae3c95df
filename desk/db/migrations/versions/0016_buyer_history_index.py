"""The buyer history's index: ``ix_cases_buyer_history`` (buyer_nick, platform, created_at, deleted_at,
status) replaces ``ix_cases_buyer_nick``.

The 买家售后 column counts, for each row on screen, the buyer's cases in the 90 days before it. With a
common nickname (hundreds of cases share it) the nickname-only index made SQLite read every one of those
case rows: about 110 ms per block of 100 rows over 100,000 cases, against about 21 ms with this index,
which holds everything the count reads (docs/benchmarks.md, "Cases"). Only an index changes; the profile
is backed up before this runs, like before every upgrade (desk/opening.py).

Revision ID: 0016_buyer_history_index
Revises: 0015_picture_text
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0016_buyer_history_index"
down_revision = "0015_picture_text"
branch_labels = None
depends_on = None

COLUMNS = ["buyer_nick", "platform", "created_at", "deleted_at", "status"]


def upgrade() -> None:
    op.create_index("ix_cases_buyer_history", "cases", COLUMNS)
    op.drop_index("ix_cases_buyer_nick", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_buyer_nick", "cases", ["buyer_nick"])
    op.drop_index("ix_cases_buyer_history", table_name="cases")
