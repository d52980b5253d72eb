"""model cards: a racer's model as the DeepRacer tools describe it (board.model_cards)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_cards",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("racer_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["racer_id"],
            ["racers.id"],
            name=op.f("fk_model_cards_racer_id_racers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_cards")),
        sa.UniqueConstraint("racer_id", "name_key", name=op.f("uq_model_cards_racer_id")),
    )
    with op.batch_alter_table("model_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_cards_racer_id"), ["racer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_cards_racer_id"))
    op.drop_table("model_cards")
