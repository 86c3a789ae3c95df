"""What evidence pictures say, for search: ``evidence.picture_text`` (the text the recognition worker read,
phone numbers masked), and search index version 4, which joins it to each picture's caption
(desk/db/search_schema.py).

Plain ADD COLUMN, no table rebuild (a rebuild of `evidence` would drop the search triggers): the evidence
triggers are replaced by version 4's, and no case needs indexing again, since no picture has text yet.
The profile is backed up before this runs, like before every upgrade (desk/opening.py).

Revision ID: 0015_picture_text
Revises: 0014_case_facts
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_picture_text"
down_revision = "0014_case_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from desk.db import search_schema

    op.add_column("evidence", sa.Column("picture_text", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        search_schema.upgrade_sqlite_search_v4(bind.exec_driver_sql)
    elif bind.dialect.name == "postgresql":
        search_schema.create_postgresql_search(bind, search_schema.PG_TRGM_INDEXES_V4)


def downgrade() -> None:
    from desk.db import search_schema

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        search_schema.downgrade_sqlite_search_v4(bind.exec_driver_sql)
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {search_schema.PG_PICTURES_INDEX_V4}")
    # Plain DROP COLUMN as well (SQLite 3.35+): a batch rebuild would drop the search triggers.
    op.drop_column("evidence", "picture_text")
