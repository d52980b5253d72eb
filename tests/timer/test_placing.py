"""Placings by round kind (brackets by stage of elimination) and the final classification."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lapgate.timer.bracket_layout import SIDE_ORDER, BracketKind, build_layout
from lapgate.timer.brackets import (
    BracketLog,
    BracketState,
    MatchStatus,
    bracket_state,
    new_bracket,
    record_result,
)
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import LapSource
from lapgate.timer.formats import NO_TIME, Format, LapRef, Metric, RunLaps
from lapgate.timer.leaderboard import RacerRuns, leaderboard
from lapgate.timer.placing import (
    FinalRow,
    Placing,
    bracket_placings,
    classify,
    leaderboard_placings,
)
from lapgate.timer.run import Lap, RunStatus

MS = 1_000_000


def lap(ms: int, seq: int = 1) -> Metric:
    """A fastest-lap result of `ms` milliseconds set in run `seq`."""
    return Metric(ms * MS, (LapRef(f"run{seq}", 1, ms * MS),), NO_TIME, (seq, ms * MS))


def eight(kind: BracketKind, stop_at: int = 1, reset: bool = False) -> BracketLog:
    layout = build_layout(8, kind, stop_at, reset)
    return new_bracket(layout, tuple(f"s{seed}" for seed in range(1, 9)))


def play(log: BracketLog, script: Sequence[tuple[str, str]]) -> BracketState:
    """Record each (match, winner) in order; every match must be ready when it comes."""
    for match_id, winner in script:
        log = record_result(log, match_id, winner)
    return bracket_state(log)


def favourites(log: BracketLog) -> BracketState:
    """Race the bracket out in next-up order, the better seed always winning."""
    state = bracket_state(log)
    while state.next_up:
        match = state.match(state.next_up[0])
        log = record_result(log, match.match_id, min(match.racers, key=log.seed_of))
        state = bracket_state(log)
    return state


def table(placings: Sequence[Placing]) -> list[tuple[int | None, str, str]]:
    return [(p.place, p.racer_id, p.label) for p in placings]


# ---- brackets: hand-worked examples ----------------------------------------------------


def test_single_elimination_places_by_stage_then_best_lap_then_seed() -> None:
    # W1: s1>s8, s4>s5, s2>s7, s3>s6; W2: s1>s4, s2>s3; W3: s1>s2 (the better seed wins)
    state = favourites(eight(BracketKind.SINGLE))
    assert state.champion == "s1"
    same = lap(9_500, seq=3)  # s5 and s6: exactly equal results, so the seed decides
    metrics = {
        "s1": lap(9_800),
        "s2": lap(9_700),
        "s3": lap(9_600),  # semi-final losers: s4 is faster, so 3rd
        "s4": lap(9_400),
        "s5": same,
        "s6": same,
        "s7": None,  # no valid lap in the bracket: last of the quarter-final losers
        "s8": lap(8_900),  # the fastest lap of all, but out in the first round
    }
    assert table(bracket_placings(state, metrics)) == [
        (1, "s1", "champion"),
        (2, "s2", "runner-up"),
        (3, "s4", "out in the semi-final"),
        (4, "s3", "out in the semi-final"),
        (5, "s8", "out in the quarter-final"),
        (6, "s5", "out in the quarter-final"),  # equal to s6: seed 5 before seed 6
        (7, "s6", "out in the quarter-final"),
        (8, "s7", "out in the quarter-final"),
    ]
    placed = {p.racer_id: p for p in bracket_placings(state, metrics)}
    assert placed["s8"].metric == lap(8_900)  # the result the place rests on


def test_double_elimination_to_a_champion_places_the_bracket_third_third() -> None:
    log = eight(BracketKind.DOUBLE, stop_at=1, reset=True)
    state = play(
        log,
        [
            ("W1-1", "s1"),
            ("W1-2", "s4"),
            ("W1-3", "s2"),
            ("W1-4", "s6"),  # upset: s3 drops to the last-chance bracket
            ("L1-1", "s5"),  # s8 out (2 losses)
            ("L1-2", "s3"),  # s7 out
            ("W2-1", "s1"),
            ("W2-2", "s2"),  # s6 drops into L2-2
            ("L2-1", "s4"),  # s5 out
            ("L2-2", "s6"),  # s3 out
            ("L3-1", "s6"),  # s4 out
            ("W3-1", "s2"),  # s1 drops into the last-chance final
            ("L4-1", "s1"),  # s6 out: third in the bracket
            ("GF1", "s1"),  # the last-chance champion wins: the reset is raced
            ("GF2", "s2"),
        ],
    )
    assert state.finished and state.champion == "s2"
    # fastest laps in the bracket: by lap, s6 would be 7th of 8
    metrics = {
        "s1": lap(9_000),
        "s2": lap(9_100),
        "s3": lap(9_200),
        "s4": lap(9_300),
        "s5": lap(9_400),
        "s7": lap(9_500),
        "s6": lap(9_600),
        "s8": lap(9_700),
    }
    assert table(bracket_placings(state, metrics)) == [
        (1, "s2", "champion"),
        (2, "s1", "runner-up"),  # out in the grand final reset
        (3, "s6", "out in last-chance round 4"),
        (4, "s4", "out in last-chance round 3"),
        (5, "s3", "out in last-chance round 2"),  # 9.2 before 9.4
        (6, "s5", "out in last-chance round 2"),
        (7, "s7", "out in last-chance round 1"),
        (8, "s8", "out in last-chance round 1"),
    ]


def test_double_elimination_without_reset_places_the_grand_final_loser_second() -> None:
    state = favourites(eight(BracketKind.DOUBLE, stop_at=1, reset=False))
    placed = table(bracket_placings(state, {}))
    assert placed[:4] == [
        (1, "s1", "champion"),
        (2, "s2", "runner-up"),
        (3, "s3", "out in last-chance round 4"),
        (4, "s4", "out in last-chance round 3"),
    ]


def test_a_bracket_stopped_at_three_places_finalists_by_losses_then_result_then_seed() -> None:
    # favourites: s1 and s2 undefeated, s3 through the last-chance bracket (1 loss);
    # the undefeated final is not needed
    state = favourites(eight(BracketKind.DOUBLE, stop_at=3))
    assert state.finished and state.match("W3-1").status is MatchStatus.NOT_NEEDED
    metrics = {"s1": lap(9_500), "s2": lap(9_400), "s3": lap(9_000), "s5": lap(9_900)}
    assert table(bracket_placings(state, metrics)) == [
        (1, "s2", "finalist, 0 losses"),  # s1 and s2 equal on losses: the faster first
        (2, "s1", "finalist, 0 losses"),
        (3, "s3", "finalist, 1 loss"),  # fastest of all, but one loss
        (4, "s4", "out in last-chance round 3"),
        (5, "s5", "out in last-chance round 2"),  # s5 has a result, s6 none
        (6, "s6", "out in last-chance round 2"),
        (7, "s7", "out in last-chance round 1"),  # neither has a result: the seed
        (8, "s8", "out in last-chance round 1"),
    ]


def test_a_bracket_in_progress_places_the_racers_still_in_first() -> None:
    state = play(eight(BracketKind.SINGLE), [("W1-1", "s8"), ("W1-2", "s4")])
    assert table(bracket_placings(state, {"s8": lap(9_000)})) == [
        (1, "s8", "still in, 0 losses"),  # the only one still in with a result
        (2, "s2", "still in, 0 losses"),
        (3, "s3", "still in, 0 losses"),
        (4, "s4", "still in, 0 losses"),
        (5, "s6", "still in, 0 losses"),
        (6, "s7", "still in, 0 losses"),
        (7, "s1", "out in the quarter-final"),
        (8, "s5", "out in the quarter-final"),
    ]


def test_byes_eliminate_nobody() -> None:
    log = new_bracket(build_layout(6, BracketKind.SINGLE), tuple(f"s{s}" for s in range(1, 7)))
    state = favourites(log)
    assert table(bracket_placings(state, {})) == [
        (1, "s1", "champion"),
        (2, "s2", "runner-up"),
        (3, "s3", "out in the semi-final"),
        (4, "s4", "out in the semi-final"),
        (5, "s5", "out in the quarter-final"),
        (6, "s6", "out in the quarter-final"),
    ]


# ---- brackets: properties --------------------------------------------------------------


@st.composite
def played(draw: st.DrawFn) -> tuple[BracketState, dict[str, Metric | None]]:
    size = draw(st.integers(2, 24), label="size")
    kind = draw(st.sampled_from(list(BracketKind)), label="kind")
    stop_at = draw(st.integers(1, min(size, 4)), label="stop_at")
    layout = build_layout(size, kind, stop_at, draw(st.booleans(), label="reset"))
    log = new_bracket(layout, tuple(f"r{seed}" for seed in range(1, size + 1)))
    state = bracket_state(log)
    results = draw(st.integers(0, 4 * size), label="results")  # may stop part-way
    while state.next_up and results:
        match = state.match(draw(st.sampled_from(state.next_up), label="match"))
        log = record_result(log, match.match_id, draw(st.sampled_from(match.racers)), state=state)
        state = bracket_state(log)
        results -= 1
    laps = st.none() | st.integers(8_000, 8_010).map(lap)  # narrow: many equal results
    metrics = {racer: draw(laps, label=racer) for racer in log.entrants}
    return state, metrics


def stage_of(state: BracketState) -> dict[str, tuple[int, int]]:
    out = {}
    for racer, match_id in state.eliminated:
        slot = state.match(match_id).slot
        out[racer] = (SIDE_ORDER[slot.side], slot.round)
    return out


@settings(max_examples=150, deadline=None)
@given(played())
def test_every_entrant_is_placed_once_on_places_one_to_n(
    case: tuple[BracketState, dict[str, Metric | None]],
) -> None:
    state, metrics = case
    placings = bracket_placings(state, metrics)
    assert sorted(p.racer_id for p in placings) == sorted(state.entrants)
    assert [p.place for p in placings] == list(range(1, len(state.entrants) + 1))
    assert all(p.label for p in placings)
    assert all(p.metric == metrics[p.racer_id] for p in placings)


@settings(max_examples=150, deadline=None)
@given(played())
def test_eliminated_later_is_never_placed_below_eliminated_earlier(
    case: tuple[BracketState, dict[str, Metric | None]],
) -> None:
    state, metrics = case
    place = {p.racer_id: p.place or 0 for p in bracket_placings(state, metrics)}
    stage = stage_of(state)
    still_in = [r for r in state.entrants if r not in stage]
    for racer in still_in:
        assert all(place[racer] < place[out] for out in stage)
    for a in stage:
        for b in stage:
            if stage[a] > stage[b]:
                assert place[a] < place[b], (a, stage[a], b, stage[b])
            elif stage[a] == stage[b] and place[a] < place[b]:  # inside a stage: result, seed
                key_a, key_b = metrics[a], metrics[b]
                if key_a is not None and key_b is not None:
                    assert key_a.sort_key() <= key_b.sort_key()
                    if key_a.sort_key() == key_b.sort_key():
                        assert state.entrants.index(a) < state.entrants.index(b)
                else:
                    assert key_b is None
                    if key_a is None:
                        assert state.entrants.index(a) < state.entrants.index(b)
    if state.champion is not None:
        assert place[state.champion] == 1


# ---- leaderboards and the final classification -----------------------------------------


def run_of(run_id: str, seq: int, *laps_ms: int) -> RunLaps:
    laps, t = [], seq * 10**12
    for number, ms in enumerate(laps_ms, start=1):
        laps.append(Lap(number, t, t + ms * MS, 0, True, (), LapSource.GATE, number, False))
        t += ms * MS
    return RunLaps(run_id, seq, RunStatus.FINISHED, tuple(laps))


def test_leaderboard_placings_keep_ranks_and_shared_ranks() -> None:
    standings = leaderboard(
        Format(),
        [
            RacerRuns("a", "A", (run_of("a1", 1, 10_000),)),
            RacerRuns("b", "B", (run_of("b1", 2, 9_000),)),
            RacerRuns("c", "C", ()),
        ],
    )
    assert table(leaderboard_placings(standings, "fastest lap")) == [
        (1, "b", "fastest lap"),
        (2, "a", "fastest lap"),
        (None, "c", "no result"),
    ]


def rows(result: Sequence[FinalRow]) -> list[tuple[int | None, str, int]]:
    return [(r.rank, r.racer_id, r.round_index) for r in result]


def test_classify_last_round_first_then_earlier_rounds_for_the_rest() -> None:
    tie = lap(10_000)
    qualifying = [
        Placing("e", 1, lap(9_000), "fastest lap"),
        Placing("a", 2, lap(9_500), "fastest lap"),
        Placing("d", 3, lap(9_700), "fastest lap"),
        Placing("b", 4, lap(9_800), "fastest lap"),
        Placing("g", 5, tie, "fastest lap"),  # g and h tie exactly: they share a rank
        Placing("h", 5, tie, "fastest lap"),
        Placing("c", None, None, "no result"),
    ]
    final = [
        Placing("b", 1, lap(9_900), "champion"),
        Placing("a", 2, None, "runner-up"),  # a bracket place needs no result
        Placing("d", None, None, "no result"),  # no place here: by qualifying
        Placing("x", None, None, "no result"),  # placed nowhere
    ]
    assert rows(classify([qualifying, final])) == [
        (1, "b", 1),
        (2, "a", 1),
        (3, "d", 0),
        (4, "e", 0),  # fastest of all, but out before the final
        (5, "g", 0),
        (5, "h", 0),
        (None, "x", 1),
        (None, "c", 0),
    ]


def test_classify_falls_back_to_the_latest_earlier_round_with_a_place() -> None:
    r1 = [Placing("a", 1, lap(9_000), ""), Placing("b", 2, lap(9_100), "")]
    r2 = [Placing("b", 1, lap(9_200), ""), Placing("c", 2, lap(9_300), "")]
    r3 = [Placing(r, None, None, "no result") for r in ("a", "b", "c")]
    # b and c placed in round 2 (nearer) before a, placed only in round 1
    assert rows(classify([r1, r2, r3])) == [(1, "b", 1), (2, "c", 1), (3, "a", 0)]
    # equal places in different rounds never share a rank
    first, second = [Placing("a", 1, lap(9_000), "")], [Placing("b", 1, lap(9_000), "")]
    assert rows(classify([first, second])) == [(1, "b", 1), (2, "a", 0)]


def test_classify_refuses_a_racer_twice_in_one_round() -> None:
    with pytest.raises(RuleViolation, match=r"round 1 placings: got racers \['a'\]"):
        classify([[Placing("a", 1, None, ""), Placing("a", 2, None, "")]])
