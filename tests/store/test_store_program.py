"""The program of rounds in every RaceStore (memory, SQLite, PostgreSQL): a round's kind,
status and state document, rounds on all tracks, and the track of each run and queue entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from store_backends import BACKENDS, make_store_url

from lapgate.board.domain import ALL_TRACKS, EventInfo, QueueEntry, Racer, RoundInfo, RunInfo
from lapgate.board.store.api import RaceStore
from lapgate.board.store.memory import MemoryStore
from lapgate.board.store.models import TrackRow
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import RuleViolation
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig
from lapgate.timer.units import NS_PER_S

CONFIG = RunConfig(time_limit_ns=180 * NS_PER_S)
STATE = {
    "tracks": ["track-a", "track-b"],
    "entrants": ["racer1", "racer2"],
    "entrant_log": [{"racer_id": "racer3", "change": "withdrawn", "reason": "car broke"}],
    "external_advancers": [{"alias": "Typed In", "rank": 1}],
    "nested": {"ratio": 0.25, "none": None, "flag": True},
}


@pytest.fixture(params=["memory", *BACKENDS])
def race_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RaceStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    for url in make_store_url(request.param, tmp_path, request):
        opened = SqlStore(url)
        try:
            yield opened
        finally:
            opened.close()


def setup_event(store: RaceStore) -> None:
    store.save_event(EventInfo("ev1", "2026", "Summit"))
    for racer_id, alias in (("racer1", "Ada"), ("racer2", "Bob"), ("racer3", "Cy")):
        store.save_racer(Racer(racer_id, alias))


def test_round_keeps_kind_status_and_state(race_store: RaceStore) -> None:
    setup_event(race_store)
    final = RoundInfo(
        "final", "ev1", ALL_TRACKS, "Final", 2, Format(), CONFIG, 1, {"top": 8}, "bracket",
        "pending", STATE,
    )  # fmt: skip
    race_store.save_round(final)
    race_store.save_round(RoundInfo("quali", "ev1", "track-a", "Qualifying", 1, Format(), CONFIG))
    quali, loaded = race_store.list_rounds("ev1")
    assert loaded == final
    assert (quali.track_id, quali.kind, quali.status) == ("track-a", "timed", "open")
    assert quali.state == {}


def test_saving_a_round_again_updates_its_status_and_state(race_store: RaceStore) -> None:
    setup_event(race_store)
    pending = RoundInfo("r1", "ev1", ALL_TRACKS, "Shootout", 1, Format(), CONFIG, kind="shootout")
    race_store.save_round(pending)
    closed = RoundInfo(
        "r1", "ev1", "track-b", "Shootout", 1, Format(), CONFIG, kind="shootout",
        status="closed", state={"winner": "racer2"},
    )  # fmt: skip
    race_store.save_round(closed)
    assert race_store.list_rounds("ev1") == [closed]
    race_store.save_round(pending)
    assert race_store.list_rounds("ev1") == [pending]


def test_a_loaded_state_is_a_copy(race_store: RaceStore) -> None:
    setup_event(race_store)
    state = {"entrants": ["racer1"]}
    race_store.save_round(RoundInfo("r1", "ev1", "t", "R", 1, Format(), CONFIG, state=state))
    state["entrants"].append("racer2")
    [loaded] = race_store.list_rounds("ev1")
    loaded.state["entrants"].append("racer3")
    assert race_store.list_rounds("ev1")[0].state == {"entrants": ["racer1"]}


def test_a_state_that_is_not_json_is_refused(race_store: RaceStore) -> None:
    setup_event(race_store)
    for bad in ({"when": object()}, {"ratio": float("nan")}):
        with pytest.raises(RuleViolation, match="round 'R': state: got a document that is not"):
            race_store.save_round(RoundInfo("r1", "ev1", "t", "R", 1, Format(), CONFIG, state=bad))
    assert race_store.list_rounds("ev1") == []


def test_runs_keep_their_track(race_store: RaceStore) -> None:
    setup_event(race_store)
    race_store.save_round(RoundInfo("r1", "ev1", ALL_TRACKS, "Open", 1, Format(), CONFIG))
    on_a = RunInfo("run-a", "r1", "racer1", 1, CONFIG, clock_id="boot-1", track_id="track-a")
    on_b = RunInfo("run-b", "r1", "racer2", 2, CONFIG, track_id="track-b")
    race_store.create_run(on_a)
    race_store.create_run(on_b)
    assert race_store.list_runs("r1") == [on_a, on_b]
    assert RunInfo("x", "r1", "racer1", 3, CONFIG).track_id == ""


def test_the_queues_of_all_tracks_are_saved_together(race_store: RaceStore) -> None:
    setup_event(race_store)
    race_store.save_round(RoundInfo("r1", "ev1", ALL_TRACKS, "Open", 1, Format(), CONFIG))
    entries = [
        QueueEntry("q-b0", "r1", "racer3", 0, track_id="track-b"),
        QueueEntry("q-a1", "r1", "racer2", 1, car="c2", track_id="track-a"),
        QueueEntry("q-a0", "r1", "racer1", 0, model_name="m1", track_id="track-a"),
    ]
    race_store.save_queue("r1", entries)
    loaded = race_store.load_queue("r1")
    assert loaded == [entries[2], entries[1], entries[0]]  # by (track_id, position)
    race_store.save_queue("r1", [entries[0]])  # the whole queue is replaced
    assert race_store.load_queue("r1") == [entries[0]]
    race_store.save_queue("r1", [])
    assert race_store.load_queue("r1") == []


def test_a_round_on_all_tracks_makes_no_track_row(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'lapgate.sqlite3'}")
    try:
        setup_event(store)
        store.save_round(RoundInfo("r1", "ev1", ALL_TRACKS, "Open", 1, Format(), CONFIG))
        store.save_round(RoundInfo("r2", "ev1", "track-a", "Heat", 2, Format(), CONFIG))
        with store._tx() as s:
            assert list(s.scalars(select(TrackRow.id))) == ["track-a"]
            assert s.scalar(select(func.count()).select_from(TrackRow)) == 1
    finally:
        store.close()
