"""The final shootout: running order from the bracket, one lap each, places 1..K."""

from __future__ import annotations

import pytest

from lapgate.timer.bracket_layout import BracketKind, build_layout
from lapgate.timer.brackets import bracket_state, new_bracket, record_result
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import LapSource
from lapgate.timer.formats import RunLaps
from lapgate.timer.run import Lap, RunStatus
from lapgate.timer.shootout import next_runner, running_order, shootout_places

MS = 1_000_000


def flying(
    run_id: str, seq: int, *laps_ms: int, valid: bool = True, status: RunStatus = RunStatus.FINISHED
) -> RunLaps:
    laps = []
    t = seq * 10**12
    for number, ms in enumerate(laps_ms, start=1):
        ok = valid or number > 1
        laps.append(Lap(number, t, t + ms * MS, 0, ok, () if ok else ("x",), LapSource.GATE, 2))
        t += ms * MS
    return RunLaps(run_id, seq, status, tuple(laps))


def finished_final_eight() -> tuple[str, ...]:
    layout = build_layout(8, BracketKind.DOUBLE, stop_at=3)
    log = new_bracket(layout, tuple(f"s{i}" for i in range(1, 9)))
    state = bracket_state(log)
    with pytest.raises(RuleViolation, match="not finished"):
        running_order(state)
    while state.next_up:
        match = state.match(state.next_up[0])
        log = record_result(log, match.match_id, min(match.racers, key=log.seed_of))
        state = bracket_state(log)
    return running_order(state)


def test_the_best_placed_finalist_runs_last() -> None:
    # s1 and s2 are undefeated, s3 came through the last-chance bracket
    assert finished_final_eight() == ("s3", "s2", "s1")


def test_fastest_single_lap_wins_and_only_the_first_lap_counts() -> None:
    order = ("s3", "s2", "s1")
    runs = {
        "s3": [flying("a", 1, 8_100, 7_000)],  # the second lap does not count
        "s2": [flying("b", 2, 8_300)],
        "s1": [flying("c", 3, 8_200)],
    }
    places = shootout_places(order, runs)
    assert [(p.place, p.racer_id) for p in places] == [(1, "s3"), (2, "s1"), (3, "s2")]
    assert places[0].lap is not None and places[0].lap.value_ns == 8_100 * MS
    assert places[0].running_position == 1


def test_no_valid_lap_places_last_and_equal_laps_go_to_the_better_bracket_place() -> None:
    order = ("s3", "s2", "s1")
    runs = {
        "s3": [flying("a", 1, 8_000)],
        "s2": [flying("b", 2, 7_000, valid=False)],
        "s1": [flying("c", 3, 8_000)],
    }
    places = shootout_places(order, runs)
    assert [p.racer_id for p in places] == ["s1", "s3", "s2"]
    assert places[2].lap is None


def test_one_run_each_an_aborted_run_may_be_run_again() -> None:
    order = ("s3", "s2", "s1")
    aborted = flying("a0", 1, 9_000, status=RunStatus.ABORTED)
    assert next_runner(order, {}) == "s3"
    assert next_runner(order, {"s3": [aborted]}) == "s3"
    assert next_runner(order, {"s3": [aborted, flying("a", 2, 8_000)]}) == "s2"
    all_ran = {r: [flying(r, i, 8_000 + i)] for i, r in enumerate(order, start=1)}
    assert next_runner(order, all_ran) is None
    with pytest.raises(RuleViolation, match="expected one run each"):
        shootout_places(order, {"s1": [flying("c", 3, 8_000), flying("d", 4, 7_000)]})
    with pytest.raises(RuleViolation, match="expected only"):
        shootout_places(order, {"zz": [flying("z", 1, 8_000)]})
    with pytest.raises(RuleViolation, match="unique racers"):
        shootout_places(("s1", "s1"), {})
