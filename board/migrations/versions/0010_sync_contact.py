"""sync contacts: each timer's last contact with the league and the backlog it reported

`sync_contacts`: on the central league, one row per timer, written on every batch it
delivers, so every league process (a restarted one, a second one behind a proxy) shows the
same last contact and backlog on its staff page.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_contacts",
        sa.Column("timer_id", sa.String(length=100), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(), nullable=False),
        sa.Column("backlog_records", sa.Integer(), nullable=True),
        sa.Column("backlog_events", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("timer_id", name=op.f("pk_sync_contacts")),
    )


def downgrade() -> None:
    op.drop_table("sync_contacts")
