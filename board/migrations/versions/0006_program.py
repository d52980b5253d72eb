"""the program of rounds: rounds.kind/status/state, a round on all tracks, runs' and queue
entries' own track

A round now has a kind (external | timed | bracket | shootout), a status (pending | open |
closed) and the live core's JSON document about it (`state`); its track_id may be NULL, a
round raced on all of the event's tracks, which references no track row. A run and a queue
entry name their track: the rows stored before take their round's track.

On SQLite, `rounds` is rebuilt (copy, drop, rename) to make track_id nullable; with foreign
keys on, the drop would cascade into the runs, so this refuses to run unless they are off
(`board.store.migrate.upgrade` turns them off around the migration).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _refuse_sqlite_with_foreign_keys() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0006 rebuilds the rounds table, and with SQLite foreign keys on that "
            "deletes every run; upgrade with `lapgate db upgrade` (it turns them off)"
        )


def _check_sqlite_foreign_keys() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration 0006: rows with a broken foreign key: {broken[:5]}")


def upgrade() -> None:
    _refuse_sqlite_with_foreign_keys()
    for table in ("runs", "queue_entries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("track_id", sa.String(length=100), nullable=False, server_default="")
            )
        op.execute(
            f"UPDATE {table} SET track_id = COALESCE("
            f"(SELECT rounds.track_id FROM rounds WHERE rounds.id = {table}.round_id), '')"
        )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="timed")
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="open")
        )
        batch_op.add_column(sa.Column("state", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.alter_column(
            "track_id", existing_type=sa.String(length=100), existing_nullable=False, nullable=True
        )
    _check_sqlite_foreign_keys()


def downgrade() -> None:
    _refuse_sqlite_with_foreign_keys()
    # a round on all tracks becomes a round on a track named "", which the old schema needs
    op.execute(
        "INSERT INTO tracks (event_id, id, name) SELECT DISTINCT rounds.event_id, '', '' "
        "FROM rounds WHERE rounds.track_id IS NULL AND NOT EXISTS (SELECT 1 FROM tracks "
        "WHERE tracks.event_id = rounds.event_id AND tracks.id = '')"
    )
    op.execute("UPDATE rounds SET track_id = '' WHERE track_id IS NULL")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.alter_column(
            "track_id", existing_type=sa.String(length=100), existing_nullable=True, nullable=False
        )
        batch_op.drop_column("state")
        batch_op.drop_column("status")
        batch_op.drop_column("kind")
    for table in ("queue_entries", "runs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("track_id")
    _check_sqlite_foreign_keys()
