"""teams: an entry can be a team; who drove a team's run

`teams`: a team of an event, racing as the racer record `entrant_id` (the team's name).
`team_members`: (event, racer) → team, so a racer is a member of one team per event.
`runs.raced_by_id` and `queue_entries.raced_by_id`: the racer who drives a team's run (a
member, or a proxy: `runs.proxy`); NULL for runs stored before, driven by their entrant.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

RACED_BY = (("runs", "fk_runs_raced_by_id_racers"), ("queue_entries", "fk_queue_entries_raced_by_id_racers"))


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("entrant_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("car", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["entrant_id"], ["racers.id"], name=op.f("fk_teams_entrant_id_racers")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_teams_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("event_id", "entrant_id", name=op.f("uq_teams_event_id")),
    )
    op.create_index(op.f("ix_teams_event_id"), "teams", ["event_id"], unique=False)
    op.create_table(
        "team_members",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("racer_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_team_members_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["racer_id"], ["racers.id"], name=op.f("fk_team_members_racer_id_racers")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "racer_id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_team_id"), "team_members", ["team_id"], unique=False)
    for table, fk_name in RACED_BY:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("raced_by_id", sa.String(length=32), nullable=True))
            batch_op.create_foreign_key(op.f(fk_name), "racers", ["raced_by_id"], ["id"])


def downgrade() -> None:
    for table, fk_name in RACED_BY:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(fk_name), type_="foreignkey")
            batch_op.drop_column("raced_by_id")
    op.drop_index(op.f("ix_team_members_team_id"), table_name="team_members")
    op.drop_table("team_members")
    op.drop_index(op.f("ix_teams_event_id"), table_name="teams")
    op.drop_table("teams")
