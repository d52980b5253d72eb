"""brackets: a round's head-to-head bracket as one JSON document

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brackets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_brackets_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brackets")),
    )
    with op.batch_alter_table("brackets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brackets_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("brackets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brackets_round_id"))
    op.drop_table("brackets")
