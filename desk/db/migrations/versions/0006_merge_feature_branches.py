"""Join the parallel feature branches (cases, evidence, orders, wizard) into one head.

Revision ID: 0006_merge
Revises: 0002_cases_depth, 0003_evidence_depth, 0004_orders, 0005_wizard
Create Date: 2026-11-27
"""

from __future__ import annotations

revision = "0006_merge"
down_revision = ("0002_cases_depth", "0003_evidence_depth", "0004_orders", "0005_wizard")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
