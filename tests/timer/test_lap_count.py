"""Lap-count races: the run ends with its Nth lap; ranks by the total of those N laps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lapgate.timer.bracket_match import MatchRules, MatchSide, decide_match
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import (
    Crossing,
    GateCrossing,
    InvalidateLap,
    ManualCrossing,
    StartMode,
    StartRun,
    Undo,
)
from lapgate.timer.formats import Format, FormatKind, RunLaps, metric
from lapgate.timer.leaderboard import RacerRuns, leaderboard
from lapgate.timer.run import RunConfig, RunLog, RunStatus, run_state
from lapgate.timer.staff import record
from tests.timer.test_leaderboard import MS, laps, runs

S = 1_000_000_000


def gate(t_ns: int) -> GateCrossing:
    return GateCrossing(Crossing("finish", t_ns, "gpio:BCM17"))


def played(crossings_ns: list[int], finish_laps: int, **config: object) -> RunLog:
    log = RunLog(RunConfig(finish_laps=finish_laps, lockout_ns=S, **config))  # type: ignore[arg-type]
    for t_ns in crossings_ns:
        log = record(log, gate(t_ns))
    return log


# ---- the format ---------------------------------------------------------------------


def test_lap_count_laps_are_one_to_ten() -> None:
    assert Format.lap_count(1).label == "total time of 1 lap"
    assert Format.lap_count(3).label == "total time of 3 laps"
    assert Format.of(FormatKind.LAP_COUNT, race_laps=5) == Format(FormatKind.LAP_COUNT, 5)
    assert Format.lap_count(4).finish_laps == 4
    assert Format.average(4).finish_laps is None
    for bad in (0, 11):
        with pytest.raises(RuleViolation, match=f"lap_count laps: got {bad}, expected 1–10"):
            Format.lap_count(bad)


def test_total_of_the_first_n_laps_ranks_not_the_mean() -> None:
    result = metric(Format.lap_count(3), runs(laps(10_000, 11_000, 12_000)))
    assert result is not None
    assert result.value_ns == 33_000 * MS
    assert result.complete
    assert result.tiebreak_ns == 10_000 * MS  # best single lap among the three
    assert [ref.lap_number for ref in result.laps] == [1, 2, 3]


def test_a_run_with_an_invalid_lap_among_its_n_keeps_only_its_leading_valid_laps() -> None:
    result = metric(Format.lap_count(3), runs(laps(10_000, 11_000, 9_000, invalid=(2,))))
    assert result is not None
    assert (result.laps_short, result.value_ns) == (2, 10_000 * MS)
    assert metric(Format.lap_count(3), runs(laps(10_000, invalid=(1,)))) is None


def test_best_run_counts_and_complete_beats_partial() -> None:
    partial_fast = laps(8_000, 8_000)
    complete_slow = laps(20_000, 20_000, 20_000)
    result = metric(Format.lap_count(3), runs(partial_fast, complete_slow))
    assert result is not None and result.complete and result.laps[0].run_id == "run2"


def test_leaderboard_ranks_finishers_then_more_laps_then_lower_total() -> None:
    fmt = Format.lap_count(3)
    racers = [
        RacerRuns("a", "A", runs(laps(10_000, 10_000, 10_000))),  # 30 s, complete
        RacerRuns("b", "B", runs(laps(9_000, 9_000))),  # 2 laps, 18 s
        RacerRuns("c", "C", runs(laps(12_000, 12_000, 12_000))),  # 36 s, complete
        RacerRuns("d", "D", runs(laps(5_000, 6_000, invalid=(2,)))),  # 1 lap
        RacerRuns("e", "E", runs(laps(8_000, 9_000))),  # 2 laps, 17 s
        RacerRuns("f", "F", runs(laps(8_000, invalid=(1,)))),  # no result
    ]
    board = leaderboard(fmt, racers)
    assert [(s.racer_id, s.rank) for s in board] == [
        ("a", 1),
        ("c", 2),
        ("e", 3),
        ("b", 4),
        ("d", 5),
        ("f", None),
    ]
    gaps = {s.racer_id: (s.gap_to_leader_ns, s.gap_to_ahead_ns) for s in board}
    assert gaps["c"] == (6_000 * MS, 6_000 * MS)
    assert gaps["e"] == (None, None)  # 2 laps cannot be compared in time with 3
    assert gaps["b"] == (None, 1_000 * MS)


def test_equal_totals_break_on_the_best_lap_then_who_set_it_first() -> None:
    fmt = Format.lap_count(2)
    even = RacerRuns("even", "Even", runs(laps(10_000, 10_000)))
    uneven = RacerRuns("uneven", "Uneven", runs(laps(11_000, 9_000)))
    assert [s.racer_id for s in leaderboard(fmt, [even, uneven])] == ["uneven", "even"]
    early = RacerRuns("z-early", "Early", runs(laps(10_000, 10_000), first_seq=1))
    late = RacerRuns("a-late", "Late", runs(laps(10_000, 10_000), first_seq=2))
    board = leaderboard(fmt, [late, early])
    assert [(s.racer_id, s.rank) for s in board] == [("z-early", 1), ("a-late", 2)]


# ---- the run ends with its Nth lap --------------------------------------------------


def test_a_rolling_start_run_finishes_at_the_crossing_that_completes_lap_n() -> None:
    log = played([0, 10 * S, 21 * S], finish_laps=3)
    assert run_state(log).status is RunStatus.RUNNING
    log = record(log, gate(33 * S))
    state = run_state(log)
    assert state.status is RunStatus.FINISHED
    assert state.ended_ns == 33 * S
    assert [lap.duration_ns for lap in state.laps] == [10 * S, 11 * S, 12 * S]
    after = run_state(record(log, gate(44 * S)))
    assert after.laps == state.laps
    assert after.crossings[-1].reason == "after the run finished"


def test_a_staff_start_run_counts_the_first_crossing_as_lap_one() -> None:
    log = RunLog(RunConfig(finish_laps=1, start_mode=StartMode.STAFF, lockout_ns=S))
    log = record(log, StartRun(5 * S))
    log = record(log, gate(17 * S))
    state = run_state(log)
    assert state.status is RunStatus.FINISHED
    assert [lap.duration_ns for lap in state.laps] == [12 * S]


def test_an_invalid_lap_counts_toward_n_and_a_correction_never_reopens_the_run() -> None:
    log = played([0, 10 * S, 20 * S], finish_laps=2)
    assert run_state(log).status is RunStatus.FINISHED
    corrected = record(log, InvalidateLap(15 * S))
    state = run_state(corrected)
    assert state.status is RunStatus.FINISHED
    assert [lap.valid for lap in state.laps] == [True, False]
    assert len(state.laps) == 2
    result = metric(Format.lap_count(2), [RunLaps("r", 1, state.status, state.laps)])
    assert result is not None and result.laps_short == 1


def test_undoing_a_false_crossing_moves_the_end_to_the_next_recorded_crossing() -> None:
    log = played([0, 5 * S, 10 * S, 20 * S], finish_laps=2)  # 5 s: someone on the strip
    assert run_state(log).ended_ns == 10 * S
    fixed = run_state(record(log, Undo(2)))
    assert fixed.status is RunStatus.FINISHED
    assert fixed.ended_ns == 20 * S
    assert [lap.duration_ns for lap in fixed.laps] == [10 * S, 10 * S]


def test_a_manual_lap_can_complete_the_race() -> None:
    log = played([0, 10 * S], finish_laps=2)
    log = record(log, ManualCrossing(21 * S))
    assert run_state(log).status is RunStatus.FINISHED


def test_the_time_limit_still_ends_a_run_that_never_completes_n_laps() -> None:
    log = played([0, 10 * S, 200 * S], finish_laps=3, time_limit_ns=60 * S, grace_ns=0)
    state = run_state(log)
    assert state.status is RunStatus.FINISHED
    assert len(state.laps) == 1


def test_finish_laps_out_of_range_is_refused() -> None:
    with pytest.raises(RuleViolation, match="finish_laps: got 11, expected 1–10"):
        RunConfig(finish_laps=11)


# ---- bracket matches ----------------------------------------------------------------


def test_a_lap_count_match_is_won_by_the_lower_total() -> None:
    rules = MatchRules(Format.lap_count(3), attempts=1)
    top = MatchSide("top", 1, runs(laps(10_000, 10_000, 10_500)))
    bottom = MatchSide("bottom", 2, runs(laps(9_000, 10_000, 11_000)))
    decision = decide_match(rules, top, bottom)
    assert decision.winner_id == "bottom"
    assert decision.reason == "30.500 v 30.000"


def test_a_lap_count_match_finisher_beats_a_faster_non_finisher() -> None:
    rules = MatchRules(Format.lap_count(3), attempts=1)
    top = MatchSide("top", 1, runs(laps(8_000, 8_000, 8_000, invalid=(3,))))
    bottom = MatchSide("bottom", 2, runs(laps(15_000, 15_000, 15_000)))
    decision = decide_match(rules, top, bottom)
    assert decision.winner_id == "bottom"
    assert "(2 laps)" in decision.reason


# ---- invariants ---------------------------------------------------------------------

lap_gaps_s = st.lists(st.integers(2, 30), min_size=1, max_size=14)


@given(gaps=lap_gaps_s, n=st.integers(1, 10), extra=st.lists(st.integers(1, 60), max_size=5))
def test_total_is_the_sum_of_the_n_laps_and_later_crossings_change_nothing(
    gaps: list[int], n: int, extra: list[int]
) -> None:
    times = [0]
    for gap in gaps:
        times.append(times[-1] + gap * S)
    log = played(times, finish_laps=n, time_limit_ns=600 * S)
    state = run_state(log)
    assert len(state.laps) == min(n, len(gaps))
    assert (state.status is RunStatus.FINISHED) == (len(gaps) >= n)
    result = metric(Format.lap_count(n), [RunLaps("r", 1, state.status, state.laps)])
    assert result is not None
    assert result.total_ns == sum(lap.duration_ns for lap in state.laps)
    assert result.value_ns == sum(gaps[:n]) * S
    assert result.laps_short == max(0, n - len(gaps))
    if state.status is RunStatus.FINISHED:
        later = log
        for gap in extra:
            later = record(later, gate(times[-1] + gap * S))
        after = run_state(later)
        assert after.laps == state.laps and after.ended_ns == state.ended_ns
        again = metric(Format.lap_count(n), [RunLaps("r", 1, after.status, after.laps)])
        assert again == result


@given(
    totals=st.lists(
        st.tuples(st.integers(0, 3), st.lists(st.integers(1, 20), min_size=3, max_size=3)),
        min_size=2,
        max_size=8,
    )
)
def test_every_finisher_ranks_ahead_of_every_non_finisher(
    totals: list[tuple[int, list[int]]],
) -> None:
    racers = []
    for index, (invalid_at, seconds) in enumerate(totals):
        invalid = (invalid_at,) if invalid_at else ()
        racers.append(
            RacerRuns(
                f"r{index}", f"R{index}", runs(laps(*(s * 1000 for s in seconds), invalid=invalid))
            )
        )
    board = leaderboard(Format.lap_count(3), racers)
    ranked = [s for s in board if s.metric is not None]
    shorts = [s.metric.laps_short for s in ranked if s.metric is not None]
    assert shorts == sorted(shorts)
    finishers = [s for s in ranked if s.metric is not None and s.metric.complete]
    values = [s.metric.value for s in finishers if s.metric is not None]
    assert values == sorted(values)
