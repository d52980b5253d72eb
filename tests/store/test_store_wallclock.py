"""The wall-clock label of stored run events, and the check that compares it with now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.store import MemoryStore
from lapgate.board.store.sql import SqlStore
from lapgate.board.wallclock import SLACK, WallClockCheck, utc_now
from lapgate.timer.events import Crossing, GateCrossing
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig
from lapgate.timer.units import NS_PER_S

CONFIG = RunConfig(time_limit_ns=60 * NS_PER_S)
STORED_AT = dt.datetime(2026, 11, 21, 12, 0, 0)


class FakeWallClock:
    """Naive-UTC wall clock the test sets by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def setup_run(store: SqlStore | MemoryStore) -> str:
    store.save_event(EventInfo("ev1", "2026", "Summit"))
    store.save_round(RoundInfo("r1", "ev1", "track-1", "Qualifying", 1, Format(), CONFIG))
    store.save_racer(Racer("racer1", "Ada"))
    store.create_run(RunInfo("run1", "r1", "racer1", 1, CONFIG))
    return "run1"


def crossing(t_s: float) -> GateCrossing:
    return GateCrossing(Crossing("finish", int(t_s * NS_PER_S), "test"))


@pytest.fixture
def wall() -> FakeWallClock:
    return FakeWallClock(STORED_AT)


@pytest.fixture(params=["sql", "memory"])
def labelled_store(
    request: pytest.FixtureRequest, store_url: str, wall: FakeWallClock
) -> Iterator[SqlStore | MemoryStore]:
    if request.param == "memory":
        yield MemoryStore(wall_clock=wall)
        return
    store = SqlStore(store_url, wall_clock=wall)
    try:
        yield store
    finally:
        store.close()


def test_latest_recorded_at_is_the_wall_time_of_the_newest_stored_event(
    labelled_store: SqlStore | MemoryStore, wall: FakeWallClock
) -> None:
    assert labelled_store.latest_recorded_at() is None
    run_id = setup_run(labelled_store)
    assert labelled_store.latest_recorded_at() is None  # only run events are labelled
    labelled_store.append_event(run_id, 1, crossing(1.0))
    assert labelled_store.latest_recorded_at() == STORED_AT
    wall.now = STORED_AT + dt.timedelta(minutes=5, microseconds=250)
    labelled_store.append_event(run_id, 2, crossing(10.0))
    assert labelled_store.latest_recorded_at() == wall.now


def test_a_clock_set_back_does_not_lower_the_latest_label(
    labelled_store: SqlStore | MemoryStore, wall: FakeWallClock
) -> None:
    run_id = setup_run(labelled_store)
    labelled_store.append_event(run_id, 1, crossing(1.0))
    wall.now = dt.datetime(2024, 1, 1)  # a Pi that lost its date
    labelled_store.append_event(run_id, 2, crossing(10.0))
    assert labelled_store.latest_recorded_at() == STORED_AT


def test_the_label_survives_reopening_the_database(store_url: str, wall: FakeWallClock) -> None:
    store = SqlStore(store_url, wall_clock=wall)
    store.append_event(setup_run(store), 1, crossing(1.0))
    store.close()
    reopened = SqlStore(store_url)
    try:
        assert reopened.latest_recorded_at() == STORED_AT
    finally:
        reopened.close()


def test_a_wall_clock_behind_the_latest_label_warns_with_both_dates() -> None:
    wall = FakeWallClock(dt.datetime(2024, 1, 1, 0, 3))
    warning = WallClockCheck(STORED_AT, wall).warning()
    assert "2024-01-01 00:03 UTC" in warning
    assert "2026-11-21 12:00 UTC" in warning
    assert "set the date" in warning and "lap times are unaffected" in warning


@pytest.mark.parametrize(
    "now",
    [
        STORED_AT,
        STORED_AT + dt.timedelta(days=3),
        STORED_AT - SLACK + dt.timedelta(seconds=1),  # NTP stepping back a little
    ],
)
def test_a_wall_clock_at_or_after_the_latest_label_is_quiet(now: dt.datetime) -> None:
    assert WallClockCheck(STORED_AT, FakeWallClock(now)).warning() == ""


def test_just_past_the_slack_warns() -> None:
    now = STORED_AT - SLACK - dt.timedelta(seconds=1)
    assert WallClockCheck(STORED_AT, FakeWallClock(now)).warning() != ""


def test_nothing_stored_yet_is_quiet() -> None:
    assert WallClockCheck(None, FakeWallClock(dt.datetime(1970, 1, 1))).warning() == ""


def test_utc_now_is_naive_utc() -> None:
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    now = utc_now()
    assert now.tzinfo is None
    assert abs(now - before) < dt.timedelta(seconds=5)
