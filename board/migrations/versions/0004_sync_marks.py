"""sync_marks: the outbox watermarks of the sync to a central store

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_marks",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("acked_event_id", sa.Integer(), nullable=False),
        sa.Column("acked_digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name=op.f("pk_sync_marks")),
    )


def downgrade() -> None:
    op.drop_table("sync_marks")
