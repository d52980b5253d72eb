"""Migration 0009 (teams) on a database made at 0008, SQLite and PostgreSQL: runs, their
logs and queue entries survive with no driver; teams and drivers store; a downgrade keeps
the runs."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from test_store_migration_0006 import CONFIG, fill_at_0005

from lapgate.board.domain import QueueEntry, Racer, RunInfo, Team
from lapgate.board.store.engine import make_engine
from lapgate.board.store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    sqlite_foreign_keys_off,
    upgrade,
)
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import RuleViolation


def test_upgrade_from_0008_keeps_runs_and_stores_teams(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        fill_at_0005(engine)
        upgrade(engine, "0008")
    finally:
        engine.dispose()
    store = SqlStore(store_url)  # upgrades to 0009 on open
    try:
        assert current_revision(store.engine) == head_revision()  # 0009 and any later one
        [run] = store.list_runs("r1")
        assert (run.run_id, run.raced_by, run.proxy) == ("run1", None, False)
        assert len(store.load_log("run1").entries) == 1
        assert store.load_queue("r1")[0].raced_by is None
        store.save_racer(Racer("team1", "Rocket Co"))
        store.save_racer(Racer("pat", "Pat"))
        store.save_team(Team("t1", "ev1", "team1", "Rocket Co", "DR-7", ("racer1", "racer2")))
        assert store.list_teams("ev1") == [
            Team("t1", "ev1", "team1", "Rocket Co", "DR-7", ("racer1", "racer2"))
        ]
        store.save_racer(Racer("team2", "Comet Co"))
        with pytest.raises(RuleViolation, match="one team per racer per event"):
            store.save_team(Team("t2", "ev1", "team2", "Comet Co", "", ("racer2",)))
        store.create_run(RunInfo("run2", "r1", "team1", 2, CONFIG, raced_by="pat", proxy=True))
        store.save_queue("r1", [QueueEntry("q2", "r1", "team1", 0, raced_by="racer1")])
        assert store.list_runs("r1")[1].raced_by == "pat"
        assert store.load_queue("r1")[0].raced_by == "racer1"
        config = alembic_config()
        with store.engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM runs")).scalar() == 2
            assert conn.execute(text("SELECT count(*) FROM run_events")).scalar() == 1
    finally:
        store.close()
