"""Evidence at full depth: video and animation facts, weight, rotation, kind confirmation, marks, key frames.

Revision ID: 0003_evidence_depth
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_evidence_depth"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        # Plain "0"/"1" defaults (not sa.false()/sa.true(), which are SQL expressions): with a constant default
        # SQLite adds the column in place; an expression makes Alembic rebuild the table, and a rebuild drops
        # the triggers on evidence that keep the case search index (0002_cases_depth) up to date.
        batch_op.add_column(sa.Column("animated", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("weight_grams", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rotation", sa.Integer(), server_default="0", nullable=False))
        # Rows from before this revision were filed by the operator (or the demo): their kind stands.
        batch_op.add_column(sa.Column("kind_confirmed", sa.Boolean(), server_default="1", nullable=False))

    op.create_table(
        "evidence_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "shape",
            sa.Enum("redact", "box", "arrow", "text", name="markshape", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("x0", sa.Float(), nullable=False),
        sa.Column("y0", sa.Float(), nullable=False),
        sa.Column("x1", sa.Float(), nullable=False),
        sa.Column("y1", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_evidence_marks_evidence_id_evidence"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_marks")),
    )
    op.create_index(op.f("ix_evidence_marks_evidence_id"), "evidence_marks", ["evidence_id"], unique=False)

    op.create_table(
        "evidence_frames",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("at_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_evidence_frames_evidence_id_evidence"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_frames")),
        sa.UniqueConstraint("evidence_id", "at_ms", name=op.f("uq_evidence_frames_evidence_id")),
    )
    op.create_index(op.f("ix_evidence_frames_evidence_id"), "evidence_frames", ["evidence_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_frames_evidence_id"), table_name="evidence_frames")
    op.drop_table("evidence_frames")
    op.drop_index(op.f("ix_evidence_marks_evidence_id"), table_name="evidence_marks")
    op.drop_table("evidence_marks")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("kind_confirmed")
        batch_op.drop_column("rotation")
        batch_op.drop_column("weight_grams")
        batch_op.drop_column("duration_ms")
        batch_op.drop_column("animated")
