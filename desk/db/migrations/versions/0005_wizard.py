"""Guided wizard: per-case playbook walks and the shop's own scripts.

Revision ID: 0005_wizard
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_wizard"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wizard_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("playbook_id", sa.String(length=64), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("outcome_id", sa.String(length=64), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_wizard_runs_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wizard_runs")),
        sa.UniqueConstraint("case_id", name=op.f("uq_wizard_runs_case_id")),
    )
    with op.batch_alter_table("wizard_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wizard_runs_case_id"), ["case_id"], unique=False)
    op.create_table(
        "shop_scripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ident", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_scripts")),
        sa.UniqueConstraint("ident", name=op.f("uq_shop_scripts_ident")),
    )


def downgrade() -> None:
    op.drop_table("shop_scripts")
    with op.batch_alter_table("wizard_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wizard_runs_case_id"))
    op.drop_table("wizard_runs")
