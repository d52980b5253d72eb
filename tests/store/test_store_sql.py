"""SqlStore as a RaceStore, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from lapgate.board.domain import EventInfo, QueueEntry, Racer, RoundInfo, RunInfo
from lapgate.board.store.memory import MemoryStore
from lapgate.board.store.migrate import current_revision, head_revision
from lapgate.board.store.models import LapRow, RunEventRow
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import RuleViolation, UnknownEvent
from lapgate.timer.events import (
    AdjustResets,
    Crossing,
    GateCrossing,
    InvalidateLap,
    ManualCrossing,
    Undo,
)
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig, RunLog, run_state
from lapgate.timer.staff import record
from lapgate.timer.units import NS_PER_S

CONFIG = RunConfig(time_limit_ns=120 * NS_PER_S, max_resets_per_lap=2)


def setup_run(store: SqlStore, run_id: str = "run1") -> RunInfo:
    store.save_event(EventInfo("ev1", "2024", "Summit", venue="Hall B", date="2024-05-01"))
    store.save_round(
        RoundInfo("r1", "ev1", "track-1", "Qualifying", 1, Format.average(3), CONFIG, 2)
    )
    store.save_racer(Racer("racer1", "Ada", user_id="u-1", country="GB"))
    run = RunInfo(
        run_id,
        "r1",
        "racer1",
        1,
        CONFIG,
        car="car-7",
        model_name="fast-v3",
        model_meta={"learning_rate": 0.0003, "batch": 64},
        proxy=True,
    )
    store.create_run(run)
    return run


def crossing(t_s: float) -> GateCrossing:
    return GateCrossing(Crossing("finish", int(t_s * NS_PER_S), "gpio:BCM17"))


def test_schema_is_at_alembic_head(store: SqlStore) -> None:
    assert head_revision() is not None
    assert current_revision(store.engine) == head_revision()


def test_event_round_racer_round_trip(store: SqlStore) -> None:
    run = setup_run(store)
    assert store.load_event("ev1") == EventInfo(
        "ev1", "2024", "Summit", venue="Hall B", date="2024-05-01"
    )
    assert store.load_event("nope") is None
    [round_info] = store.list_rounds("ev1")
    assert round_info.format == Format.average(3)
    assert round_info.run_config == CONFIG
    assert round_info.runs_per_racer == 2
    assert store.get_racer("racer1") == Racer("racer1", "Ada", "u-1", "GB", "")
    assert store.list_runs("r1") == [run]
    assert store.get_run("run1") == run


def test_run_records_car_model_metadata_and_proxy(store: SqlStore) -> None:
    setup_run(store)
    stored = store.get_run("run1")
    assert stored is not None
    assert (stored.car, stored.model_name, stored.proxy) == ("car-7", "fast-v3", True)
    assert stored.model_meta == {"learning_rate": 0.0003, "batch": 64}


def test_append_and_load_log_rebuilds_the_run(store: SqlStore) -> None:
    setup_run(store)
    log = RunLog(CONFIG)
    events = [
        crossing(1.0),
        crossing(12.5),
        AdjustResets(at_ns=int(13 * NS_PER_S), delta=1),
        crossing(14.0),  # inside the lockout: recorded, ignored by the fold
        crossing(24.25),
        ManualCrossing(int(36.0 * NS_PER_S)),
        InvalidateLap(at_ns=int(30 * NS_PER_S), reason="cut the chicane"),
    ]
    for event in events:
        log = record(log, event)
        store.append_event("run1", log.next_id - 1, event)
    log = record(log, Undo(target_id=7))
    store.append_event("run1", 8, log.entries[-1].event)
    loaded = store.load_log("run1")
    assert loaded == log
    assert run_state(loaded) == run_state(log)
    assert store.stored_lap_count("run1") == len(run_state(log).laps) == 3


def test_event_payloads_are_json_not_pickles(store: SqlStore) -> None:
    setup_run(store)
    store.append_event("run1", 1, crossing(1.0))
    with store._tx() as s:
        row = s.scalars(select(RunEventRow)).one()
        assert row.kind == "crossing"
        assert row.payload == {
            "kind": "crossing",
            "gate_id": "finish",
            "t_ns": NS_PER_S,
            "source": "gpio:BCM17",
            "transponder": None,
        }


def test_append_refuses_gaps_duplicates_and_unknown_runs(store: SqlStore) -> None:
    setup_run(store)
    store.append_event("run1", 1, crossing(1.0))
    with pytest.raises(RuleViolation, match="got 3, expected 2"):
        store.append_event("run1", 3, crossing(2.0))
    with pytest.raises(RuleViolation, match="got 1, expected 2"):
        store.append_event("run1", 1, crossing(2.0))
    with pytest.raises(UnknownEvent, match="nope"):
        store.append_event("nope", 1, crossing(2.0))
    with pytest.raises(UnknownEvent):
        store.load_log("nope")
    assert len(store.load_log("run1").entries) == 1


def test_create_run_twice_or_for_unknown_racer_is_refused(store: SqlStore) -> None:
    run = setup_run(store)
    with pytest.raises(RuleViolation, match="expected a new id"):
        store.create_run(run)
    with pytest.raises(RuleViolation, match="not stored"):
        store.create_run(RunInfo("run2", "r1", "ghost", 2, CONFIG))


def test_round_needs_its_event(store: SqlStore) -> None:
    with pytest.raises(UnknownEvent, match="not stored"):
        store.save_round(RoundInfo("r9", "nope", "t", "R", 1, Format(), CONFIG))


def test_queue_round_trip(store: SqlStore) -> None:
    setup_run(store)
    store.save_racer(Racer("racer2", "Bob"))
    entries = [
        QueueEntry("q1", "r1", "racer2", 5, car="c2"),
        QueueEntry("q2", "r1", "racer1", 9, model_name="m"),
    ]
    store.save_queue("r1", entries)
    loaded = store.load_queue("r1")
    assert [(e.entry_id, e.position) for e in loaded] == [("q1", 5), ("q2", 9)]  # as given
    store.save_queue("r1", entries[1:])
    assert [e.entry_id for e in store.load_queue("r1")] == ["q2"]


def test_user_id_belongs_to_one_racer(store: SqlStore) -> None:
    store.save_racer(Racer("a", "Ada", user_id="u-1"))
    with pytest.raises(RuleViolation, match="belongs to another racer"):
        store.save_racer(Racer("b", "Bob", user_id="u-1"))


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(tmp_path: object) -> None:
    store = SqlStore(f"sqlite:///{tmp_path}/x.sqlite3")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


def test_migrations_match_the_models(store: SqlStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from lapgate.board.store.models import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_run_keeps_its_clock_and_only_an_empty_run_may_move_clocks(store: SqlStore) -> None:
    info = setup_run(store)
    assert store.list_runs(info.round_id)[0].clock_id == ""
    store.set_run_clock(info.run_id, "boot-b")
    assert store.list_runs(info.round_id)[0].clock_id == "boot-b"
    store.append_event(info.run_id, 1, crossing(1.0))
    with pytest.raises(RuleViolation, match="cannot change"):
        store.set_run_clock(info.run_id, "boot-c")
    with pytest.raises(UnknownEvent):
        store.set_run_clock("nope", "boot-c")


@pytest.mark.parametrize("memory", [False, True], ids=["sql", "memory"])
def test_only_a_run_with_no_event_may_be_deleted(store: SqlStore, memory: bool) -> None:
    target: SqlStore | MemoryStore = MemoryStore() if memory else store
    info = setup_run(target)  # type: ignore[arg-type]
    target.create_run(RunInfo("run2", info.round_id, info.racer_id, 2, CONFIG))
    target.append_event(info.run_id, 1, crossing(1.0))
    with pytest.raises(RuleViolation, match="has 1 events; it cannot be deleted"):
        target.delete_empty_run(info.run_id)
    target.delete_empty_run("run2")
    assert [run.run_id for run in target.list_runs(info.round_id)] == [info.run_id]
    with pytest.raises(UnknownEvent):
        target.delete_empty_run("run2")


def test_laps_given_by_the_caller_are_stored_as_the_store_would_derive_them(
    store: SqlStore,
) -> None:
    given = setup_run(store, "given")
    derived = RunInfo("derived", given.round_id, given.racer_id, 2, CONFIG)
    store.create_run(derived)
    log = RunLog(CONFIG)
    for event_id, t_s in enumerate((1.0, 11.0, 21.5, 33.0), start=1):
        log = record(log, crossing(t_s))
        store.append_event("given", event_id, log.entries[-1].event, run_state(log).laps)
        store.append_event("derived", event_id, log.entries[-1].event)
    assert store.stored_lap_count("given") == store.stored_lap_count("derived") == 3
    with store._tx() as s:
        rows = {
            run_id: [
                (r.number, r.duration_ns, r.end_event_id)
                for r in s.scalars(
                    select(LapRow).where(LapRow.run_id == run_id).order_by(LapRow.number)
                )
            ]
            for run_id in ("given", "derived")
        }
    assert rows["given"] == rows["derived"]
