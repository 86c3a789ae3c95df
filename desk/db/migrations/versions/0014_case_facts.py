"""Two yes/no facts of a case the wizard reads: whether the buyer bought 运费险 (freight_insurance) and whether
the platform refunded at once (express_refund); NULL means nobody knows yet. And search index version 3:
the 补发单号 and the 退货运单号 are searchable (desk/db/search_schema.py).

Plain ADD COLUMN, no table rebuild: the search index's triggers on `cases` are replaced by version 3's, and
only the cases that hold one of the two numbers are indexed again.

Revision ID: 0014_case_facts
Revises: 0013_outcomes
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_case_facts"
down_revision = "0013_outcomes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from desk.db import search_schema

    op.add_column("cases", sa.Column("freight_insurance", sa.Boolean(), nullable=True))
    op.add_column("cases", sa.Column("express_refund", sa.Boolean(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        search_schema.upgrade_sqlite_search_v3(bind.exec_driver_sql)
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {search_schema.PG_CASES_INDEX_V2}")
        search_schema.create_postgresql_search(bind, search_schema.PG_TRGM_INDEXES_V3)


def downgrade() -> None:
    from desk.db import search_schema

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        search_schema.downgrade_sqlite_search_v3(bind.exec_driver_sql)
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {search_schema.PG_CASES_INDEX_V3}")
        search_schema.create_postgresql_search(bind, search_schema.PG_TRGM_INDEXES_V2)
    # Plain DROP COLUMN as well (SQLite 3.35+): a batch rebuild would drop the search triggers.
    op.drop_column("cases", "express_refund")
    op.drop_column("cases", "freight_insurance")
