"""Migration 0006 (the program of rounds) on a database made at 0005, SQLite and PostgreSQL:
runs and queue entries take their round's track, rounds get their defaults, nothing is lost."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from lapgate.board.domain import ALL_TRACKS, EventInfo, QueueEntry, Racer, RoundInfo, RunInfo
from lapgate.board.store.codec import run_config_to_dict
from lapgate.board.store.engine import make_engine
from lapgate.board.store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    sqlite_foreign_keys_off,
    upgrade,
)
from lapgate.board.store.sql import SqlStore
from lapgate.timer.events import ManualCrossing, event_to_dict
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig
from lapgate.timer.units import NS_PER_S

CONFIG = RunConfig(time_limit_ns=120 * NS_PER_S)
JSON_VALUES = {
    "config": json.dumps(run_config_to_dict(CONFIG)),
    "payload": json.dumps(event_to_dict(ManualCrossing(NS_PER_S))),
}


def fill_at_0005(engine: Engine) -> None:
    """An event with one round on track-1, a run with one event, and a queue entry."""
    upgrade(engine, "0005")
    statements = [
        "INSERT INTO seasons (name) VALUES ('2026')",
        "INSERT INTO events (id, season, name, kind, date, venue, region, race_type, division)"
        " VALUES ('ev1', '2026', 'Summit', 'summit', '', '', '', '', '')",
        "INSERT INTO tracks (event_id, id, name) VALUES ('ev1', 'track-1', 'Track 1')",
        "INSERT INTO rounds (id, event_id, track_id, name, seq, format_kind, format_laps,"
        " run_config, runs_per_racer, advancement) VALUES ('r1', 'ev1', 'track-1', 'Quali',"
        " 1, 'fastest_lap', 1, :config, 0, '{}')",
        "INSERT INTO racers (id, alias, country, region) VALUES ('racer1', 'Ada', '', '')",
        "INSERT INTO racers (id, alias, country, region) VALUES ('racer2', 'Bob', '', '')",
        "INSERT INTO runs (id, round_id, racer_id, seq, config, car, model_name, model_meta,"
        " proxy, clock_id) VALUES ('run1', 'r1', 'racer1', 1, :config, '', '', '{}', false,"
        " 'boot-1')",
        "INSERT INTO run_events (run_id, event_id, kind, payload)"
        " VALUES ('run1', 1, 'manual_crossing', :payload)",
        "INSERT INTO queue_entries (id, round_id, racer_id, position, car, model_name)"
        " VALUES ('q1', 'r1', 'racer2', 0, 'c2', '')",
    ]
    with engine.begin() as conn:
        for statement in statements:
            statement_text = text(statement)
            used = {k: v for k, v in JSON_VALUES.items() if f":{k}" in statement}
            conn.execute(statement_text, used)


def test_upgrade_from_0005_backfills_the_tracks(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        fill_at_0005(engine)
        assert current_revision(engine) == "0005"
        store = SqlStore(store_url)  # upgrades on open
    finally:
        engine.dispose()
    try:
        assert current_revision(store.engine) == head_revision()  # 0006 and every later one
        [round_info] = store.list_rounds("ev1")
        assert round_info.track_id == "track-1"
        assert (round_info.kind, round_info.status, round_info.state) == ("timed", "open", {})
        [run] = store.list_runs("r1")
        assert (run.run_id, run.track_id, run.clock_id) == ("run1", "track-1", "boot-1")
        assert len(store.load_log("run1").entries) == 1  # the rebuild of rounds lost no run
        [entry] = store.load_queue("r1")
        assert (entry.entry_id, entry.track_id, entry.car) == ("q1", "track-1", "c2")
        store.save_round(RoundInfo("r2", "ev1", ALL_TRACKS, "Final", 2, Format(), CONFIG))
        assert store.list_rounds("ev1")[1].track_id == ALL_TRACKS
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:  # on again for the store's own work
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        store.close()


def test_downgrade_to_0005_keeps_rounds_on_all_tracks(store_url: str) -> None:
    store = SqlStore(store_url)
    try:
        store.save_event(EventInfo("ev1", "2026", "Summit"))
        store.save_racer(Racer("racer1", "Ada"))
        store.save_round(RoundInfo("r1", "ev1", ALL_TRACKS, "Open", 1, Format(), CONFIG))
        store.create_run(RunInfo("run1", "r1", "racer1", 1, CONFIG, track_id="track-b"))
        store.save_queue("r1", [QueueEntry("q1", "r1", "racer1", 0, track_id="track-a")])
        config = alembic_config()
        with store.engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
            config.attributes["connection"] = conn
            command.downgrade(config, "0005")
        assert current_revision(store.engine) == "0005"
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT track_id FROM rounds")).scalar() == ""
            assert conn.execute(text("SELECT count(*) FROM runs")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM queue_entries")).scalar() == 1
        upgrade(store.engine)
        assert store.list_runs("r1")[0].track_id == ""  # the round's track, as it now is
    finally:
        store.close()


def test_sqlite_upgrade_with_foreign_keys_on_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        fill_at_0005(engine)
        config = alembic_config()
        with pytest.raises(RuntimeError, match="foreign keys on"), engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert current_revision(engine) == "0005"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM runs")).scalar() == 1
    finally:
        engine.dispose()


def test_the_rebuild_keeps_recorded_at(tmp_path: Path) -> None:
    """A SQLite rebuild copies rows by value: the run event's wall-clock label survives."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    stamp = dt.datetime(2026, 11, 21, 18, 30)
    try:
        fill_at_0005(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE run_events SET recorded_at = :at"), {"at": stamp})
    finally:
        engine.dispose()
    store = SqlStore(url)
    try:
        assert store.latest_recorded_at() == stamp
    finally:
        store.close()
