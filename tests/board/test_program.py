"""The event's program on the live core: open, close, reopen, entrants, overrides, restart.

Every step goes through the command table (`EngineHost.execute`), as staff's pages do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import FakeClock, make_settings

from lapgate.board.live import program
from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import ActionError, Race
from lapgate.board.store.sql import SqlStore
from lapgate.config import settings_from_dict
from lapgate.config.settings import Settings
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import Crossing, EndRun

PROGRAM = [
    {"name": "Heats", "advance": "top", "advance_count": 3},
    {"name": "Final", "entry_from": ["Heats"], "advance": "none"},
]


def program_settings(rounds: list[dict[str, Any]], **extra: Any) -> Settings:
    base = make_settings().model_dump(mode="json", exclude_none=True)
    return settings_from_dict({**base, "rounds": rounds, **extra})


class Venue:
    """A host on a SQLite file and a fake clock per gate; restart keeps the file."""

    def __init__(self, settings: Settings, path: Path) -> None:
        self.settings = settings
        self.store = SqlStore(f"sqlite:///{path}")
        self.clock = FakeClock()
        self.host = self._start()

    def _start(self) -> EngineHost:
        clocks = {gate.id: self.clock for gate in self.settings.gate}
        host = EngineHost(Race(self.store, self.settings, clocks), tick_s=0.01)
        host.start()
        return host

    def restart(self) -> None:
        self.host.stop()
        self.host = self._start()

    def do(self, command: str, **payload: Any) -> Any:
        return self.host.execute(command, payload)

    def race(self, alias: str, laps_s: list[float], track_id: str | None = None) -> str:
        """Queue `alias`, stage them, drive `laps_s` through the track's gate, end the run."""
        self.do("queue_add", alias=alias, track_id=track_id)
        run_id: str = self.do("stage", track_id=track_id)["run_id"]
        gate = self.host.call(lambda race: race.track(track_id).gate_id)
        self.host.on_crossing(Crossing(gate, self.clock.advance(1.0), "test"))
        for lap_s in laps_s:
            self.host.on_crossing(Crossing(gate, self.clock.advance(lap_s), "test"))
        self.host.sync()
        self.host.call(lambda race: race.apply(run_id, EndRun(self.clock.now_ns)))
        return run_id

    def program(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: r for r in self.host.snapshot()["program"]}


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    venue = Venue(program_settings(PROGRAM), tmp_path / "venue.db")
    yield venue
    venue.host.stop()
    venue.store.close()


def names(rows: list[dict[str, Any]] | None) -> list[str]:
    return [r["name"] for r in rows or []]


def test_rounds_start_pending_and_nothing_queues_before_one_opens(venue: Venue) -> None:
    assert {r["status"] for r in venue.program().values()} == {"pending"}
    with pytest.raises(RuleViolation, match="no round is open on track track-1"):
        venue.do("queue_add", alias="Ann")
    with pytest.raises(RuleViolation, match=r"Heats.*has not finished"):
        venue.do("round_open", round_id="Final")


def test_a_round_opens_closes_and_its_advancers_enter_the_next(venue: Venue) -> None:
    venue.do("round_open", round_id="Heats")
    for alias, lap_s in (("Ann", 9.0), ("Ben", 9.5), ("Cat", 10.0), ("Dan", 11.0)):
        venue.race(alias, [lap_s])
    preview = venue.host.call(lambda race: program.preview(race, race.find_round("Final").round_id))
    assert names(preview["entrants"]) == ["Ann", "Ben", "Cat"]
    assert preview["problem"] == "provisional: Heats not closed yet"
    first = preview["entrants"][0]  # why, in English and as a code for other languages
    assert first["reason"] == "Heats: 1st overall"
    assert first["reason_code"] == {"code": "overall", "nth": 1, "round": "Heats"}
    closed = venue.do("round_close", round_id="Heats")
    assert closed["left_in_queue"] == 0
    heats = venue.program()["Heats"]
    assert heats["status"] == "closed"
    assert names(heats["outcome"]["advanced"]) == ["Ann", "Ben", "Cat"]
    assert heats["outcome"]["advanced"][1]["reason_code"] == {"code": "overall", "nth": 2}
    venue.do("round_open", round_id="Final")
    final = venue.program()["Final"]
    assert names(final["entrants"]) == ["Ann", "Ben", "Cat"]
    track = venue.host.snapshot()["tracks"][0]
    assert track["round"]["name"] == "Final" and track["round"]["status"] == "open"


def test_the_queue_refuses_non_entrants_unless_staff_give_a_reason(venue: Venue) -> None:
    venue.do("round_open", round_id="Heats")
    for alias, lap_s in (("Ann", 9.0), ("Ben", 9.5), ("Cat", 10.0), ("Dan", 11.0)):
        venue.race(alias, [lap_s])
    venue.do("round_close", round_id="Heats")
    venue.do("round_open", round_id="Final")
    with pytest.raises(RuleViolation, match="Dan is not an entrant of Final"):
        venue.do("queue_add", alias="Dan", same_racer=True)
    venue.do(
        "queue_add",
        alias="Dan",
        same_racer=True,
        override_reason="Cat's car broke; Dan races instead",
    )
    log = venue.program()["Final"]["entrant_log"]
    assert log[-1] == {
        "action": "override",
        "racer_id": log[-1]["racer_id"],
        "reason": "Cat's car broke; Dan races instead",
        "name": "Dan",
    }


def test_staff_add_and_remove_entrants_with_a_logged_reason(venue: Venue) -> None:
    venue.do("round_open", round_id="Heats")
    for alias, lap_s in (("Ann", 9.0), ("Ben", 9.5), ("Cat", 10.0), ("Dan", 11.0)):
        venue.race(alias, [lap_s])
    venue.do("round_close", round_id="Heats")
    cat = venue.host.call(lambda race: next(r for r in race.racers.values() if r.alias == "Cat"))
    with pytest.raises(ActionError, match="reason"):
        venue.do("round_open", round_id="Final", remove=[{"racer_id": cat.racer_id, "reason": ""}])
    venue.do(
        "round_open",
        round_id="Final",
        add=[{"alias": "Eve", "reason": "last year's champion"}],
        remove=[{"racer_id": cat.racer_id, "reason": "withdrew"}],
    )
    final = venue.program()["Final"]
    assert names(final["entrants"]) == ["Ann", "Ben", "Eve"]
    assert [(e["action"], e["name"], e["reason"]) for e in final["entrant_log"]] == [
        ("remove", "Cat", "withdrew"),
        ("add", "Eve", "last year's champion"),
    ]


def test_close_is_refused_while_a_run_is_on_track_and_names_it(venue: Venue) -> None:
    venue.do("round_open", round_id="Heats")
    venue.do("queue_add", alias="Ann")
    venue.do("stage")
    with pytest.raises(RuleViolation, match="close Heats: Ann's run is staged on Track"):
        venue.do("round_close", round_id="Heats")


def test_reopen_and_its_refusal_once_a_later_round_took_the_advancers(venue: Venue) -> None:
    venue.do("round_open", round_id="Heats")
    for alias, lap_s in (("Ann", 9.0), ("Ben", 9.5), ("Cat", 10.0)):
        venue.race(alias, [lap_s])
    venue.do("round_close", round_id="Heats")
    venue.do("round_reopen", round_id="Heats")
    venue.race("Dan", [8.0])  # a late racer, allowed while the round is open again
    venue.do("round_close", round_id="Heats")
    assert names(venue.program()["Heats"]["outcome"]["advanced"]) == ["Dan", "Ann", "Ben"]
    venue.do("round_open", round_id="Final")
    with pytest.raises(RuleViolation, match="Final took its advancers and is open"):
        venue.do("round_reopen", round_id="Heats")


def test_a_restart_resumes_the_same_round_in_the_same_state(venue: Venue) -> None:
    venue.do("round_open", round_id="Heats")
    venue.race("Ann", [9.0])
    venue.do("queue_add", alias="Ben")
    before = venue.host.snapshot()
    venue.restart()
    after = venue.host.snapshot()
    assert after["program"] == before["program"]
    assert [t["round"] for t in after["tracks"]] == [t["round"] for t in before["tracks"]]
    assert names(after["tracks"][0]["queue"]) == ["Ben"]
    assert names(after["tracks"][0]["leaderboard"]) == ["Ann"]


def test_an_external_round_takes_advancers_typed_in_or_from_csv(tmp_path: Path) -> None:
    rounds = [
        {"name": "Virtual", "kind": "external", "advance": "fixed", "fixed": ["placeholder"]},
        {"name": "Final", "entry_from": ["Virtual"], "advance": "none"},
    ]
    venue = Venue(program_settings(rounds), tmp_path / "ext.db")
    try:
        with pytest.raises(RuleViolation, match="only external rounds"):
            venue.do("round_advancers", round_id="Final", names=["Ann"])
        venue.do("round_advancers", round_id="Virtual", names=["Ann", "Ben"])
        venue.do("round_advancers_csv", round_id="Virtual", csv="Rank,Alias\n1,Cat\n2,Ann\n")
        with pytest.raises(ActionError, match="csv: column 'Alias' is empty"):
            venue.do("round_advancers_csv", round_id="Virtual", csv="Rank,Alias\n1,\n")
        venue.do("round_close", round_id="Virtual")
        assert names(venue.program()["Virtual"]["advancers"]) == ["Cat", "Ann"]
        venue.do("round_open", round_id="Final")
        assert names(venue.program()["Final"]["entrants"]) == ["Cat", "Ann"]
    finally:
        venue.host.stop()
        venue.store.close()


def test_a_round_tied_to_a_track_and_one_spanning_two(tmp_path: Path) -> None:
    rounds = [
        {"name": "Practice", "tracks": ["b"]},
        {"name": "Heats", "advance": "all"},
    ]
    settings = program_settings(
        rounds,
        gate=[{"id": "north", "kind": "simulated"}, {"id": "south", "kind": "simulated"}],
        track=[
            {"id": "a", "name": "North", "gate": "north"},
            {"id": "b", "name": "South", "gate": "south"},
        ],
    )
    venue = Venue(settings, tmp_path / "two.db")
    try:
        venue.do("round_open", round_id="Practice")
        tracks = {t["track_id"]: t["round"] for t in venue.host.snapshot()["tracks"]}
        assert tracks["a"] is None and tracks["b"]["name"] == "Practice"
        with pytest.raises(RuleViolation, match="open Heats: South still races Practice"):
            venue.do("round_open", round_id="Heats")
        venue.do("round_close", round_id="Practice")
        venue.do("round_open", round_id="Heats")
        venue.race("Slow", [12.0], track_id="a")
        venue.race("Fast", [8.0], track_id="b")
        snapshot = venue.host.snapshot()
        for track in snapshot["tracks"]:
            assert track["round"]["name"] == "Heats"
            assert names(track["leaderboard"]) == ["Fast", "Slow"]
    finally:
        venue.host.stop()
        venue.store.close()


def test_a_track_name_the_config_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match=r"round 'Heats' tracks: got \['moon'\]"):
        program_settings([{"name": "Heats", "tracks": ["moon"]}])


def test_a_bracket_match_nobody_raced_cannot_be_decided(tmp_path: Path) -> None:
    rounds = [
        {"name": "Heats", "advance": "top", "advance_count": 2},
        {"name": "Final", "kind": "bracket", "entry_from": ["Heats"], "bracket": "single"},
    ]
    venue = Venue(program_settings(rounds), tmp_path / "b.db")
    try:
        venue.do("round_open", round_id="Heats")
        venue.race("Ann", [9.0])
        venue.race("Ben", [9.5])
        venue.do("round_close", round_id="Heats")
        venue.do("round_open", round_id="Final")
        bracket_id = venue.program()["Final"]["bracket_id"]
        venue.do("bracket_stage", bracket_id=bracket_id)
        with pytest.raises(RuleViolation, match="decide W1-1: neither Ann nor Ben has raced"):
            venue.do("bracket_decide", bracket_id=bracket_id)
        with pytest.raises(RuleViolation, match="the bracket is not finished"):
            venue.do("round_close", round_id="Final")
    finally:
        venue.host.stop()
        venue.store.close()
