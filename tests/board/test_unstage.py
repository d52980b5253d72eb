"""Unstage: a staged run with nothing logged is taken back and leaves no trace (issue 13).

Every step goes through the command table (`EngineHost.execute`), as the control page does;
the store is a SQLite file, so a restart shows what was kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import FakeClock, make_settings

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import Crossing


class Venue:
    def __init__(self, path: Path) -> None:
        self.settings = make_settings(runs_per_racer=1)
        self.store = SqlStore(f"sqlite:///{path}")
        self.clock = FakeClock()
        self.host = self._start()

    def _start(self) -> EngineHost:
        host = EngineHost(Race(self.store, self.settings, {"finish": self.clock}), tick_s=0.01)
        host.start()
        return host

    def restart(self) -> None:
        self.host.stop()
        self.host = self._start()

    def do(self, command: str, **payload: Any) -> Any:
        return self.host.execute(command, payload)

    def track(self) -> dict[str, Any]:
        view: dict[str, Any] = self.host.snapshot()["tracks"][0]
        return view


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    opened = Venue(tmp_path / "board.db")
    yield opened
    opened.host.stop()
    opened.store.close()


def test_an_unstaged_run_leaves_no_trace_and_its_racer_heads_the_queue(venue: Venue) -> None:
    venue.do("queue_add", alias="Ada", car="Red")
    venue.do("queue_add", alias="Bob")
    run_id = venue.do("stage")["run_id"]
    assert venue.track()["run"]["racer"] == "Ada"
    entry_id = venue.do("unstage")["entry_id"]
    track = venue.track()
    assert track["run"] is None
    assert [(e["name"], e["car"], e["entry_id"]) for e in track["queue"]] == [
        ("Ada", "Red", entry_id),
        ("Bob", "", track["queue"][1]["entry_id"]),
    ]
    round_id = track["round"]["round_id"]
    assert venue.store.list_runs(round_id) == []
    # it did not count: with one run per racer, Ada is staged again and races
    assert venue.do("stage")["run_id"] != run_id
    venue.host.on_crossing(Crossing("finish", venue.clock.advance(1), "test"))
    venue.host.sync()
    venue.restart()
    assert [r.racer_id for r in venue.store.list_runs(round_id)] == [
        venue.track()["run"]["racer_id"]
    ]
    assert venue.track()["run"]["racer"] == "Ada"


def test_the_previous_run_becomes_current_again(venue: Venue) -> None:
    venue.do("queue_add", alias="Ada")
    first = venue.do("stage")["run_id"]
    venue.do("end")
    venue.do("queue_add", alias="Bob")
    venue.do("stage")
    venue.do("unstage")
    assert venue.track()["run"]["run_id"] == first  # as a restart would show it
    venue.restart()
    assert venue.track()["run"]["run_id"] == first
    assert [e["name"] for e in venue.track()["queue"]] == ["Bob"]


def test_a_run_with_anything_logged_is_aborted_not_unstaged(venue: Venue) -> None:
    venue.do("queue_add", alias="Ada")
    venue.do("stage")
    venue.host.on_crossing(Crossing("finish", venue.clock.advance(1), "test"))
    venue.host.sync()
    with pytest.raises(RuleViolation, match=r"Ada's run has 1 events logged .* abort it"):
        venue.do("unstage")
    venue.do("end")
    with pytest.raises(RuleViolation, match="unstage: no run is staged"):
        venue.do("unstage")
