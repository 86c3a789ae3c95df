"""Search index version 2: invisible characters (zero-width spaces, joiners, direction marks …) are left
out of the indexed text, so text pasted with them is found by what it shows (desk/db/search_schema.py).

Revision ID: 0008_search_visible
Revises: 0007_packet_kind
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008_search_visible"
down_revision = "0007_packet_kind"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from desk.db import search_schema

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        search_schema.upgrade_sqlite_search_v2(bind.exec_driver_sql)
    elif bind.dialect.name == "postgresql":
        for name in search_schema.PG_INDEXES_V1:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        search_schema.create_postgresql_search(bind)


def downgrade() -> None:
    from desk.db import search_schema

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # The text stays as it is (the indexes agree with it); edits are indexed as version 1 did.
        for name in search_schema.FILL_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in search_schema.SQLITE_TRIGGERS_V1:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS case_search_pg_cases_v2")
        op.execute("DROP INDEX IF EXISTS case_search_pg_captions_v2")
        search_schema.create_postgresql_search(bind, search_schema.PG_TRGM_INDEXES_V1)
