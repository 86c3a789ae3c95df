"""Packets record the appeal type they were made for (their history showed it from the timeline text).

Revision ID: 0007_packet_kind
Revises: 0006_merge
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_packet_kind"
down_revision = "0006_merge"
branch_labels = None
depends_on = None

# How the timeline entry of a generated packet has named its type ("…｜SHA-256 abc…｜申诉类型 …").
_SHA = "SHA-256 "
_KIND = "申诉类型 "


def upgrade() -> None:
    with op.batch_alter_table("packets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    found: dict[tuple[int, str], str] = {}
    for case_id, detail in conn.execute(
        sa.text("SELECT case_id, detail FROM events WHERE kind = 'packet_generated' AND detail LIKE :k"),
        {"k": f"%{_KIND}%"},
    ):
        parts = (detail or "").split("｜")
        sha = next((p.removeprefix(_SHA) for p in parts if p.startswith(_SHA)), "")
        kind = next((p.removeprefix(_KIND) for p in parts if p.startswith(_KIND)), "")
        if sha and kind:
            found[(case_id, sha)] = kind
    for (case_id, sha), kind in found.items():
        conn.execute(
            sa.text("UPDATE packets SET kind = :kind WHERE case_id = :case AND substr(sha256, 1, 12) = :sha"),
            {"kind": kind, "case": case_id, "sha": sha},
        )


def downgrade() -> None:
    with op.batch_alter_table("packets", schema=None) as batch_op:
        batch_op.drop_column("kind")
