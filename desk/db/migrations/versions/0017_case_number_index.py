"""Indexes on the return's and the reship's waybills: ``ix_cases_return_tracking_no`` and
``ix_cases_reship_tracking_no``.

A number read in an evidence picture that is not the case's own is looked up among the other cases' order,
after-sales and waybill numbers, to offer moving the picture to the case it belongs to
(desk/services/recognition.py). The order, after-sales and outbound waybill numbers were indexed already;
with these two the lookup is one indexed query (an OR of index lookups) instead of a scan of every case
each time a picture is shown. Only indexes change; the profile is backed up before this runs, like before
every upgrade (desk/opening.py).

Revision ID: 0017_case_number_index
Revises: 0016_buyer_history_index
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017_case_number_index"
down_revision = "0016_buyer_history_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_return_tracking_no", "cases", ["return_tracking_no"])
    op.create_index("ix_cases_reship_tracking_no", "cases", ["reship_tracking_no"])


def downgrade() -> None:
    op.drop_index("ix_cases_reship_tracking_no", table_name="cases")
    op.drop_index("ix_cases_return_tracking_no", table_name="cases")
