"""sync ownership and refusals; the shared text limits (lapgate.config.limits)

`sync_owners`: on the central league, which timer created each synced record (only its
token may change it). `sync_refusals`: the records the sync refused and why (a venue's
quarantine; the league's list for its staff page). Events' and racers' region widen to
100 characters and runs' and queue entries' car to 200, the lengths a venue accepts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (table, column, old length, new length)
WIDENED = (
    ("events", "region", 50, 100),
    ("racers", "region", 50, 100),
    ("runs", "car", 100, 200),
    ("queue_entries", "car", 100, 200),
)


def upgrade() -> None:
    op.create_table(
        "sync_owners",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("timer_id", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name=op.f("pk_sync_owners")),
    )
    op.create_index(op.f("ix_sync_owners_timer_id"), "sync_owners", ["timer_id"], unique=False)
    op.create_table(
        "sync_refusals",
        sa.Column("timer_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("timer_id", "kind", "record_id", name=op.f("pk_sync_refusals")),
    )
    _resize(new=True)


def downgrade() -> None:
    _resize(new=False)
    op.drop_table("sync_refusals")
    op.drop_index(op.f("ix_sync_owners_timer_id"), table_name="sync_owners")
    op.drop_table("sync_owners")


def _resize(*, new: bool) -> None:
    for table, column, old_length, new_length in WIDENED:
        from_length, to_length = (old_length, new_length) if new else (new_length, old_length)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=from_length),
                type_=sa.String(length=to_length),
                existing_nullable=False,
            )
