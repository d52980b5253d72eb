"""Routing crossings: each gate feeds its own track's run; decoders route by transponder."""

from __future__ import annotations

from typing import Any

from web_support import FakeClock

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store import MemoryStore
from lapgate.config import settings_from_dict
from lapgate.timer.events import Crossing


def _host(settings_data: dict[str, Any], clock: FakeClock) -> EngineHost:
    settings = settings_from_dict(settings_data)
    clocks = {gate.id: clock for gate in settings.gate}
    host = EngineHost(Race(MemoryStore(), settings, clocks))
    host.start()
    return host


def _laps(host: EngineHost, track_id: str) -> list[int]:
    def work(race: Race) -> list[int]:
        track = race.track(track_id)
        run = race.runs[track.current_run_id or ""]
        return [lap.duration_ns // 1_000_000 for lap in run.state.laps]

    return host.call(work)


def _stage(host: EngineHost, track_id: str, alias: str, car: str = "") -> None:
    def work(race: Race) -> None:
        race.queue_add(track_id, race.add_racer(alias), car)
        race.stage(track_id)

    host.call(work)


def test_two_tracks_each_time_their_own_gate() -> None:
    clock = FakeClock()
    host = _host(
        {
            "gate": [{"id": "north", "kind": "simulated"}, {"id": "south", "kind": "simulated"}],
            "track": [{"id": "a", "gate": "north"}, {"id": "b", "gate": "south"}],
        },
        clock,
    )
    try:
        _stage(host, "a", "Alice")
        _stage(host, "b", "Bob")
        for gate, after_s in (("north", 1), ("south", 1), ("north", 9), ("south", 8)):
            host.on_crossing(Crossing(gate, clock.advance(after_s), "test"))
        host.sync()
        assert _laps(host, "a") == [10000]  # north: t+1 → t+11
        assert _laps(host, "b") == [17000]  # south: t+2 → t+19
        snapshot = host.snapshot()
        names = {t["track_id"]: t["run"]["racer"] for t in snapshot["tracks"]}
        assert names == {"a": "Alice", "b": "Bob"}
        rounds = {t["round"]["round_id"] for t in snapshot["tracks"]}
        assert len(rounds) == 1  # one round raced on both tracks
        board = [(row["name"], row["value_ms"]) for row in snapshot["tracks"][0]["leaderboard"]]
        assert board == [("Alice", 10000), ("Bob", 17000)]  # combined, by result
        assert snapshot["tracks"][1]["leaderboard"] == snapshot["tracks"][0]["leaderboard"]
    finally:
        host.stop()


def test_decoder_crossings_follow_the_transponder() -> None:
    clock = FakeClock()
    host = _host(
        {
            "gate": [
                {"id": "loop", "kind": "tcp", "transponders": {"07": "Red car", "09": "Blue car"}}
            ],
            "track": [{"id": "a", "gate": "loop"}],
        },
        clock,
    )
    try:
        _stage(host, "a", "Alice", car="Red car")
        host.on_crossing(Crossing("loop", clock.advance(1), "decoder", transponder="09"))
        host.on_crossing(Crossing("loop", clock.advance(1), "decoder", transponder="07"))
        host.on_crossing(Crossing("loop", clock.advance(10), "decoder", transponder="07"))
        host.sync()
        assert _laps(host, "a") == [10000]  # the blue car's pass did not count for Alice
    finally:
        host.stop()


def test_a_gate_lockout_overrides_the_round_lockout() -> None:
    clock = FakeClock()
    host = _host({"gate": [{"id": "finish", "kind": "simulated", "lockout_s": 0.5}]}, clock)
    try:
        _stage(host, "track-1", "Alice")
        for after_s in (1, 2, 0.6):  # 0.6 s is outside a 0.5 s lockout (round default: 3 s)
            host.on_crossing(Crossing("finish", clock.advance(after_s), "test"))
        host.sync()
        assert _laps(host, "track-1") == [2000, 600]
    finally:
        host.stop()
