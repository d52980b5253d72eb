"""Every field size 2..64, single and double elimination, several outcome patterns.

Each bracket is played to the end one result at a time; after every result the bracket's
invariants are checked (nobody in two ready matches, nobody eliminated still scheduled),
and at the end: exactly one champion or exactly K finalists, the loss count of everyone
eliminated, byes only for the top seeds, seeds 1 and 2 meeting only in the final stage.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from lapgate.timer.bracket_layout import (
    BracketKind,
    BracketLayout,
    LoserOf,
    Seed,
    Side,
    Source,
    WinnerOf,
    build_layout,
    standard_seed_order,
    walkover_slots,
)
from lapgate.timer.brackets import (
    BracketState,
    MatchState,
    MatchStatus,
    bracket_state,
    new_bracket,
    record_result,
)

SIZES = range(2, 65)


def seeds_of(size: int) -> dict[str, int]:
    return {f"r{seed:02d}": seed for seed in range(1, size + 1)}


def favourite(seeds: dict[str, int], match: MatchState, rng: random.Random) -> str:
    return min(match.racers, key=seeds.__getitem__)


def underdog(seeds: dict[str, int], match: MatchState, rng: random.Random) -> str:
    return max(match.racers, key=seeds.__getitem__)


def coin(seeds: dict[str, int], match: MatchState, rng: random.Random) -> str:
    return rng.choice(match.racers)


PICKERS = {"favourite": favourite, "underdog": underdog, "coin": coin}


def check_step(state: BracketState) -> None:
    """Invariants that hold after every single result."""
    out = {racer for racer, _ in state.eliminated}
    scheduled: list[str] = []
    for match in state.matches:
        if match.status is MatchStatus.READY:
            assert len(set(match.racers)) == 2, match
            scheduled.extend(match.racers)
    assert len(scheduled) == len(set(scheduled)), f"a racer is scheduled twice: {scheduled}"
    assert not out & set(scheduled), "an eliminated racer is scheduled"
    assert sorted(state.next_up) == sorted(
        m.match_id for m in state.matches if m.status is MatchStatus.READY
    )


def play(layout: BracketLayout, pick: Callable[..., str], rng: random.Random) -> BracketState:
    seeds = seeds_of(layout.size)
    log = new_bracket(layout, tuple(seeds))
    state = bracket_state(log)
    check_step(state)
    while state.next_up:
        match = state.match(state.next_up[0])
        log = record_result(log, match.match_id, pick(seeds, match, rng), state=state)
        state = bracket_state(log)
        check_step(state)
    return state


def check_final(state: BracketState) -> None:
    layout = state.layout
    size, stop_at = layout.size, layout.stop_at
    assert state.finished
    assert len(state.remaining) == stop_at
    assert (state.champion is not None) == (stop_at == 1)
    assert all(m.status not in (MatchStatus.READY, MatchStatus.WAITING) for m in state.matches)
    losses = dict(state.losses)
    decided = [m for m in state.matches if m.status is MatchStatus.DECIDED]
    assert sum(losses.values()) == len(decided)
    if layout.kind is BracketKind.SINGLE:  # every raced match eliminates: none unneeded
        assert len(decided) == size - stop_at
    out = [racer for racer, _ in state.eliminated]
    assert len(out) == len(set(out)) == size - stop_at
    gf1 = next((m for m in decided if m.match_id == "GF1"), None)
    for racer in out:
        if layout.kind is BracketKind.SINGLE:
            assert losses[racer] == 1, racer
        elif gf1 is not None and not layout.grand_final_reset and racer == gf1.top:
            # without a reset, the undefeated champion who loses the grand final is out
            assert losses[racer] == 1
        else:
            assert losses[racer] == 2, (racer, losses[racer])
    limit = 0 if layout.kind is BracketKind.SINGLE else 1
    assert all(losses[racer] <= limit for racer in state.remaining)
    check_byes(state)
    walkovers = {m.match_id for m in state.matches if m.status is MatchStatus.WALKOVER}
    assert walkovers <= walkover_slots(layout)
    if stop_at == 1:
        assert walkovers == walkover_slots(layout)
    check_top_seeds_apart(state)


def check_byes(state: BracketState) -> None:
    layout = state.layout
    padded = layout.padded_size
    first = [m for m in state.matches if m.slot.side is Side.WINNERS and m.slot.round == 1]
    walkovers = [m for m in first if m.status is MatchStatus.WALKOVER]
    assert len(walkovers) == padded - layout.size
    bye_seeds = sorted(state.entrants.index(str(m.winner)) + 1 for m in walkovers)
    assert bye_seeds == list(range(1, padded - layout.size + 1)), "byes only for top seeds"
    raced = {r for m in first if m.status is MatchStatus.DECIDED for r in m.racers}
    assert not raced & {state.entrants[s - 1] for s in bye_seeds}


def check_top_seeds_apart(state: BracketState) -> None:
    if state.layout.size < 2:
        return
    top_two = {state.entrants[0], state.entrants[1]}
    for match in state.matches:
        if match.status is MatchStatus.DECIDED and set(match.racers) == top_two:
            assert match.slot.final_stage, match.match_id
            if state.layout.kind is BracketKind.SINGLE:
                assert match.slot.round == max(s.round for s in state.layout.slots)


def possible_seeds(layout: BracketLayout) -> dict[str, tuple[set[int], set[int]]]:
    """For every match, the seeds that could possibly be in its top and bottom places."""
    inside: dict[str, set[int]] = {}
    sides: dict[str, tuple[set[int], set[int]]] = {}

    def of(source: Source) -> set[int]:
        if isinstance(source, Seed):
            return {source.seed} if source.seed <= layout.size else set()
        assert isinstance(source, WinnerOf | LoserOf)
        return inside[source.match_id]

    for slot in layout.slots:
        top, bottom = of(slot.top), of(slot.bottom)
        sides[slot.match_id] = (top, bottom)
        inside[slot.match_id] = top | bottom
    return sides


@pytest.mark.parametrize("kind", list(BracketKind))
def test_seeds_one_and_two_can_meet_only_in_the_final_stage_for_any_outcome(
    kind: BracketKind,
) -> None:
    for size in SIZES:
        layout = build_layout(size, kind, grand_final_reset=True)
        for match_id, (top, bottom) in possible_seeds(layout).items():
            slot = layout.slot(match_id)
            can_meet = (1 in top and 2 in bottom) or (2 in top and 1 in bottom)
            if can_meet:
                assert slot.final_stage, (size, match_id)
            if kind is BracketKind.SINGLE and slot.final_stage:
                assert can_meet, (size, match_id)


def test_standard_seeding_pairs_one_with_the_last() -> None:
    assert standard_seed_order(8) == (1, 8, 4, 5, 2, 7, 3, 6)
    for padded in (2, 4, 8, 16, 32, 64):
        order = standard_seed_order(padded)
        pairs = list(zip(order[::2], order[1::2], strict=True))
        assert all(a + b == padded + 1 for a, b in pairs)
        assert sorted(order) == list(range(1, padded + 1))


@pytest.mark.parametrize("kind", list(BracketKind))
def test_every_match_is_raced_after_its_sources(kind: BracketKind) -> None:
    for size in SIZES:
        layout = build_layout(size, kind, grand_final_reset=True)
        seen: dict[str, int] = {}
        for slot in layout.slots:
            for source in (slot.top, slot.bottom):
                if isinstance(source, WinnerOf | LoserOf):
                    assert seen[source.match_id] < slot.wave
            seen[slot.match_id] = slot.wave


SINGLE, DOUBLE = BracketKind.SINGLE, BracketKind.DOUBLE
CASES = [
    (SINGLE, False, "favourite", 1),
    (SINGLE, False, "coin", 1),
    (SINGLE, False, "coin", 3),
    (DOUBLE, True, "favourite", 1),
    (DOUBLE, True, "coin", 1),
    (DOUBLE, True, "coin", 3),
    (DOUBLE, False, "underdog", 1),
    (DOUBLE, False, "coin", 1),
]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "reset", "picker", "stop_at"), CASES)
def test_every_field_size_plays_to_exactly_k_racers(
    kind: BracketKind, reset: bool, picker: str, stop_at: int
) -> None:
    rng = random.Random(f"{kind}-{reset}-{stop_at}-{picker}")
    for size in SIZES:
        if stop_at <= size:
            layout = build_layout(size, kind, stop_at, reset)
            check_final(play(layout, PICKERS[picker], rng))


def test_a_grand_final_reset_is_raced_only_when_the_last_chance_champion_wins() -> None:
    layout = build_layout(4, BracketKind.DOUBLE, grand_final_reset=True)
    state = play(layout, favourite, random.Random(0))
    assert state.match("GF2").status is MatchStatus.VOID
    assert state.champion == "r01"

    def last_chance_wins_gf1(seeds: dict[str, int], match: MatchState, rng: random.Random) -> str:
        if match.match_id == "GF1":
            assert isinstance(match.bottom, str)
            return match.bottom
        return favourite(seeds, match, rng)

    state = play(layout, last_chance_wins_gf1, random.Random(0))
    assert state.match("GF2").status is MatchStatus.DECIDED
    assert dict(state.losses)["r01"] >= 1


def test_the_2023_final_eight_stops_at_three_without_an_unneeded_match() -> None:
    layout = build_layout(8, BracketKind.DOUBLE, stop_at=3)
    state = play(layout, favourite, random.Random(0))
    assert state.remaining == ("r01", "r02", "r03")
    # the undefeated final (W3-1) cannot eliminate anyone, so it is not needed
    assert state.match("W3-1").status is MatchStatus.NOT_NEEDED
    assert [dict(state.losses)[r] for r in state.remaining] == [0, 0, 1]
