"""run_events.recorded_at: the wall-clock time (UTC) each event was stored

Only a label, for the start-up check that the wall clock is not behind the stored results
(board.wallclock); lap times never use it. Events stored before this revision keep NULL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.drop_column("recorded_at")
