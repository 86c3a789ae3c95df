"""The reminders' index: ``ix_cases_running_due`` (deleted_at, due_paused_at, due_at, status).

Reminders ask, when the desk opens and at each wake, for the running cases due within the lead time and
for the number overdue. Without this index SQLite took the trash index and read every live case: about
75 ms per question over 100,000 cases, on the read worker the case list shares, so a scroll that asked for
rows at that moment waited (bench_cases: 120-180 ms from scroll to rows). With it each is one range of the
index: ~8 ms for the overdue count, well under 1 ms for the cases due soon. Only an index is added; the
profile is backed up before this runs, like before every upgrade (desk/opening.py).

Revision ID: 0018_running_due_index
Revises: 0017_case_number_index
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0018_running_due_index"
down_revision = "0017_case_number_index"
branch_labels = None
depends_on = None

COLUMNS = ["deleted_at", "due_paused_at", "due_at", "status"]


def upgrade() -> None:
    op.create_index("ix_cases_running_due", "cases", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_cases_running_due", table_name="cases")
