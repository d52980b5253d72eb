"""The store cannot commit (disk full): crossings are held in order, shown red, stored later.

A real SQLite database is filled with `PRAGMA max_page_count` (the page limit of a full
disk: SQLite answers "database or disk is full"), set on every connection of the store's
engine and lifted again. No host thread: the race is driven directly, with synthetic ns.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from lapgate.board.live import backlog
from lapgate.board.live.backlog import CrossingBacklog
from lapgate.board.live.race import Race
from lapgate.board.live.views import gates_view, snapshot_view, store_view
from lapgate.board.store import MemoryStore
from lapgate.board.store.api import StoreUnavailable
from lapgate.board.store.sql import SqlStore
from lapgate.config import settings_from_dict
from lapgate.config.settings import Settings
from lapgate.timer.events import Crossing, GateCrossing, InvalidateLap
from lapgate.timer.units import NS_PER_S

LAP_NS = 9 * NS_PER_S
START_NS = 1_000 * NS_PER_S


@dataclass
class Disk:
    """The store's database with a page limit switched on and off (a disk filling up)."""

    store: SqlStore
    limit: int | None = None

    def __post_init__(self) -> None:
        event.listen(self.store.engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if self.limit is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count={self.limit}")

    def fill(self) -> None:
        with self.store.engine.connect() as connection:
            self.limit = int(connection.execute(text("PRAGMA page_count")).scalar_one())
        self.store.engine.dispose()  # every new connection gets the limit

    def free(self) -> None:
        self.limit = None
        self.store.engine.dispose()


@dataclass
class Clock:
    now_ns: int = START_NS

    def __call__(self) -> int:
        return self.now_ns


@dataclass
class Venue:
    race: Race
    disk: Disk
    clock: Clock
    journal: Path
    sent: list[Crossing] = field(default_factory=list)

    def cross(self, n: int = 1) -> None:
        for _ in range(n):
            self.clock.now_ns += LAP_NS
            crossing = Crossing("finish", self.clock.now_ns, "test")
            self.sent.append(crossing)
            self.race.crossing(crossing)

    def cross_until_refused(self) -> None:
        """Cross until the store refuses one (free space in its pages takes a few first)."""
        for _ in range(200):
            self.cross()
            if self.race.backlog.held:
                return
        raise AssertionError("the full store took 200 crossings")

    def stored(self) -> list[Crossing]:
        run_id = self.race.tracks["track-1"].current_run_id
        assert run_id is not None
        log = self.race.store.load_log(run_id)
        return [e.event.crossing for e in log.entries if isinstance(e.event, GateCrossing)]

    def restart(self) -> Race:
        """A new process on the same database and journal (the memory is gone)."""
        race = Race(self.race.store, self.race.settings, {"finish": self.clock})
        race.load()
        self.race = race
        return race


def _settings(tmp_path: Path, journal: Path) -> Settings:
    return settings_from_dict(
        {
            "event": {"name": "Full Disk Summit", "season": "2026"},
            "round": {"time_limit_s": 600, "grace_s": 60},
            "store": {"data_dir": str(tmp_path / "data"), "fallback_journal": str(journal)},
        }
    )


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    journal = tmp_path / "run" / "crossings.jsonl"
    store = SqlStore(f"sqlite:///{tmp_path / 'lapgate.sqlite'}")
    clock = Clock()
    race = Race(store, _settings(tmp_path, journal), {"finish": clock})
    race.load()
    race.queue_add(None, race.add_racer("Alice"))
    race.stage(None)
    yield Venue(race, Disk(store), clock, journal)
    store.close()


def test_crossings_are_held_in_order_shown_red_and_stored_when_space_returns(
    venue: Venue,
) -> None:
    venue.cross(2)  # rolling start and one lap, stored
    venue.disk.fill()
    venue.cross_until_refused()
    venue.cross(5)
    race = venue.race
    held = race.backlog.crossings
    assert held >= 6
    assert race.store_health.level == "error"
    assert "database or disk is full" in race.store_health.detail
    assert f"{held} crossing(s) held in memory and in {venue.journal}" in race.store_health.detail
    assert all(g["level"] == "error" for g in gates_view(race).values())  # every gate light
    assert snapshot_view(race)["store"] == store_view(race)
    assert store_view(race)["held"] == held
    journalled = [json.loads(line) for line in venue.journal.read_text().splitlines()]
    assert [j["t_ns"] for j in journalled] == [c.t_ns for c in venue.sent[-held:]]
    assert len(venue.stored()) == len(venue.sent) - held  # nothing shown that is not stored
    with pytest.raises(StoreUnavailable, match="wait for the store"):  # no action jumps ahead
        race.apply(race.tracks["track-1"].current_run_id or "", InvalidateLap(START_NS))

    venue.disk.free()
    assert backlog.retry(race)
    assert venue.stored() == venue.sent  # every crossing, in order, once
    assert race.store_health.level == "ok"
    assert "stored" in race.store_health.detail
    assert not venue.journal.exists()
    run = race.runs[race.tracks["track-1"].current_run_id or ""]
    assert {lap.duration_ns for lap in run.state.laps} == {LAP_NS}  # no lap across a gap
    assert len(run.state.laps) == len(venue.sent) - 1


def test_a_new_crossing_waits_behind_the_held_ones_even_when_space_is_back(
    venue: Venue,
) -> None:
    venue.cross()
    venue.disk.fill()
    venue.cross_until_refused()
    venue.disk.free()
    venue.cross()  # the held crossings go first, then this one
    assert venue.stored() == venue.sent
    assert not venue.race.backlog.held


def test_a_restart_while_the_disk_is_full_keeps_the_journalled_crossings(venue: Venue) -> None:
    venue.cross(2)
    venue.disk.fill()
    venue.cross_until_refused()
    venue.cross(3)
    held = venue.race.backlog.crossings
    race = venue.restart()  # the journal is read back; the store is still full
    assert race.backlog.crossings == held
    assert race.store_health.level == "error"
    venue.disk.free()
    assert backlog.retry(race)
    assert venue.stored() == venue.sent
    assert not venue.journal.exists()


def test_journalled_crossings_already_stored_are_not_stored_twice(venue: Venue) -> None:
    venue.cross(3)
    stored = venue.stored()
    venue.clock.now_ns += LAP_NS
    late = Crossing("finish", venue.clock.now_ns, "test")
    # a process stopped after storing the first three but before removing its journal
    journal = CrossingBacklog(venue.journal)
    for crossing in (*stored, late):
        journal.hold(crossing)
    race = venue.restart()
    assert venue.stored() == [*stored, late]
    assert race.store_health.level == "ok"
    assert not venue.journal.exists()


def test_crossings_truly_lost_flag_the_lap_that_spans_them(venue: Venue) -> None:
    venue.cross(2)
    venue.race.backlog.max_held = 2  # memory for two more crossings only
    venue.disk.fill()
    venue.cross_until_refused()
    venue.cross(4)  # one more held, three lost
    race = venue.race
    assert race.backlog.lost == 3
    assert "3 crossing(s) lost" in race.store_health.detail
    venue.disk.free()
    assert backlog.retry(race)
    venue.cross()  # the first crossing after the loss closes the lap that spans it
    run = race.runs[race.tracks["track-1"].current_run_id or ""]
    long_laps = [lap for lap in run.state.laps if lap.duration_ns > LAP_NS]
    assert [lap.duration_ns for lap in long_laps] == [4 * LAP_NS]
    assert not long_laps[0].valid  # never counted as one lap
    reasons = [e.event.reason for e in run.log.entries if isinstance(e.event, InvalidateLap)]
    assert reasons and "3 crossing(s) of gate finish were lost" in reasons[0]
    notices = [m for m in race.outbox if getattr(m, "kind", "") == "crossings_lost"]
    assert notices


def test_time_up_waits_for_the_held_crossings(venue: Venue) -> None:
    venue.cross()
    venue.disk.fill()
    venue.cross_until_refused()
    race = venue.race
    venue.clock.now_ns += 700 * NS_PER_S  # past the deadline and grace
    race.expire()  # a held crossing may finish the last lap: no TimeUp before it
    run_id = race.tracks["track-1"].current_run_id or ""
    assert not race.runs[run_id].state.is_over
    venue.disk.free()
    assert backlog.retry(race)
    assert venue.stored() == venue.sent
    assert race.runs[run_id].state.is_over  # then the time ran out


def test_no_journal_path_keeps_crossings_in_memory_and_says_so(venue: Venue) -> None:
    venue.race.backlog.journal = venue.journal.parent / "missing" / "\0bad"
    venue.cross()
    venue.disk.fill()
    venue.cross_until_refused()
    assert "in memory only" in venue.race.store_health.detail
    venue.disk.free()
    assert backlog.retry(venue.race)
    assert venue.stored() == venue.sent


class FlakyStore(MemoryStore):
    """A memory store whose commits fail while `full` (a disk that fills and frees)."""

    full = False

    def append_event(self, *args: Any, **kwargs: Any) -> None:
        if self.full:
            raise StoreUnavailable("the store cannot commit (database or disk is full)")
        super().append_event(*args, **kwargs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["cross", "fill", "free", "retry", "restart"]), max_size=40))
def test_whatever_the_disk_does_every_crossing_is_stored_once_in_order(ops: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "crossings.jsonl"
        store = FlakyStore()
        clock = Clock()
        settings_ = _settings(Path(folder), journal)
        race = Race(store, settings_, {"finish": clock})
        race.load()
        race.queue_add(None, race.add_racer("Alice"))
        run_id = race.stage(None)
        sent: list[Crossing] = []
        for op in ops:
            if op == "cross":
                clock.now_ns += LAP_NS
                sent.append(Crossing("finish", clock.now_ns, "test"))
                race.crossing(sent[-1])
            elif op in ("fill", "free"):
                store.full = op == "fill"
            elif op == "retry":
                backlog.retry(race)
            else:
                race = Race(store, settings_, {"finish": clock})
                race.load()
            stored = [
                e.event.crossing
                for e in store.load_log(run_id).entries
                if isinstance(e.event, GateCrossing)
            ]
            held = [c for c in race.backlog.held if isinstance(c, Crossing)]
            assert stored + held == sent  # nothing lost, nothing twice, in order
            assert (race.store_health.level == "error") == bool(held)
        store.full = False
        assert backlog.retry(race)
        assert [
            e.event.crossing
            for e in store.load_log(run_id).entries
            if isinstance(e.event, GateCrossing)
        ] == sent
        assert not journal.exists()
