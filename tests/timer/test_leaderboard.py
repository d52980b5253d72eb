"""Formats, tie-breaks and leaderboard order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import LapSource
from lapgate.timer.formats import NO_TIME, Format, FormatKind, RunLaps, metric
from lapgate.timer.leaderboard import RacerRuns, leaderboard
from lapgate.timer.run import Lap, RunStatus

S = 1_000_000_000
MS = 1_000_000


def laps(*durations_ms: int, invalid: tuple[int, ...] = (), start_ns: int = 0) -> tuple[Lap, ...]:
    result = []
    t = start_ns
    for number, ms in enumerate(durations_ms, start=1):
        valid = number not in invalid
        result.append(
            Lap(
                number,
                t,
                t + ms * MS,
                0,
                valid,
                () if valid else ("staff",),
                LapSource.GATE,
                number + 1,
                not valid,
            )
        )
        t += ms * MS
    return tuple(result)


def runs(
    *lap_sets: tuple[Lap, ...], first_seq: int = 1, status: RunStatus = RunStatus.FINISHED
) -> tuple[RunLaps, ...]:
    return tuple(
        RunLaps(f"run{first_seq + i}", first_seq + i, status, ls) for i, ls in enumerate(lap_sets)
    )


def test_fastest_lap_picks_the_best_valid_lap_across_runs() -> None:
    result = metric(Format(), runs(laps(12_000, 9_000, invalid=(2,)), laps(11_000, 10_500)))
    assert result is not None
    assert result.value_ns == 10_500 * MS
    assert (result.laps[0].run_id, result.laps[0].lap_number) == ("run2", 2)
    assert result.tiebreak_ns == 11_000 * MS


def test_average_window_must_be_consecutive_valid_laps_in_one_run() -> None:
    split = runs(laps(10_000, 10_000, 9_000, 10_000, invalid=(3,)), laps(10_000, 10_000))
    assert metric(Format.average(3), split) is None
    result = metric(Format.average(3), runs(laps(12_000, 10_000, 10_000, 10_300, 9_000)))
    assert result is not None
    assert [ref.lap_number for ref in result.laps] == [3, 4, 5]
    assert result.value * 3 == (10_000 + 10_300 + 9_000) * MS


def test_dnf_and_aborted_runs_do_not_count() -> None:
    assert metric(Format(), runs(laps(9_000), status=RunStatus.DNF)) is None
    assert metric(Format(), runs(laps(9_000), status=RunStatus.ABORTED)) is None
    assert metric(Format(), runs(laps(9_000), status=RunStatus.RUNNING)) is not None


def test_single_lap_uses_only_the_first_lap_of_each_run() -> None:
    result = metric(Format(FormatKind.SINGLE_LAP), runs(laps(11_000, 8_000), laps(10_000)))
    assert result is not None and result.value_ns == 10_000 * MS


def test_average_size_range() -> None:
    with pytest.raises(RuleViolation, match="2–10"):
        Format.average(11)


def racer(racer_id: str, *lap_sets: tuple[Lap, ...], seq: int = 1) -> RacerRuns:
    return RacerRuns(racer_id, racer_id.upper(), runs(*lap_sets, first_seq=seq))


def test_fastest_lap_tie_goes_to_next_best_lap_then_who_set_it_first() -> None:
    board = leaderboard(
        Format(),
        [
            racer("a", laps(10_000, 12_000), seq=1),
            racer("b", laps(10_000, 11_000), seq=2),  # same best, better next-best
            racer("c", laps(10_000, 12_000), seq=3),  # same as a, but set later
        ],
    )
    assert [s.racer_id for s in board] == ["b", "a", "c"]
    assert [s.rank for s in board] == [1, 2, 3]
    assert board[1].gap_to_leader_ns == 0


def test_average_tie_goes_to_best_lap_in_window_then_who_set_it_first() -> None:
    fmt = Format.average(3)
    board = leaderboard(
        fmt,
        [
            racer("a", laps(10_000, 10_000, 10_000), seq=1),
            racer("b", laps(9_000, 10_000, 11_000), seq=2),  # same total, better best lap
            racer("c", laps(10_000, 10_000, 10_000), seq=3),
        ],
    )
    assert [s.racer_id for s in board] == ["b", "a", "c"]


def test_racers_without_a_metric_follow_ordered_by_valid_laps() -> None:
    board = leaderboard(
        Format.average(3),
        [
            racer("fast", laps(9_000, 9_000, 9_000)),
            racer("two", laps(9_000, 9_000)),
            racer("none", laps(9_000, invalid=(1,))),
            racer("one", laps(8_000)),
        ],
    )
    assert [s.racer_id for s in board] == ["fast", "two", "one", "none"]
    assert [s.rank for s in board] == [1, None, None, None]
    assert board[1].valid_laps == 2


def test_gaps_to_leader_and_to_the_car_ahead() -> None:
    board = leaderboard(
        Format(), [racer("a", laps(10_000)), racer("b", laps(10_250)), racer("c", laps(11_000))]
    )
    assert [(s.gap_to_leader_ns, s.gap_to_ahead_ns) for s in board] == [
        (0, None),
        (250 * MS, 250 * MS),
        (1_000 * MS, 750 * MS),
    ]


def test_identical_results_share_a_rank() -> None:
    board = leaderboard(Format(), [racer("b", laps(10_000)), racer("a", laps(10_000))])
    assert [(s.rank, s.racer_id) for s in board] == [(1, "a"), (1, "b")]
    assert board[0].metric is not None and board[0].metric.tiebreak_ns == NO_TIME


lap_lists = st.lists(st.lists(st.integers(5_000, 15_000), max_size=6), min_size=1, max_size=3)


@given(
    st.lists(lap_lists, min_size=1, max_size=8),
    st.randoms(),
    st.sampled_from([Format(), Format.average(2), Format(FormatKind.SINGLE_LAP)]),
)
def test_leaderboard_order_is_invariant_under_input_order(
    racers_laps: list[list[list[int]]], rng: object, fmt: Format
) -> None:
    racers = []
    seq = 1
    for index, lap_sets in enumerate(racers_laps):
        racer_runs = []
        for lap_ms in lap_sets:
            racer_runs.append(
                RunLaps(
                    f"r{index}-{seq}",
                    seq,
                    RunStatus.FINISHED,
                    laps(*lap_ms, start_ns=seq * 1000 * S),
                )
            )
            seq += 1
        racers.append(RacerRuns(f"racer{index}", f"Racer {index}", tuple(racer_runs)))
    shuffled = list(racers)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert leaderboard(fmt, shuffled) == leaderboard(fmt, racers)
