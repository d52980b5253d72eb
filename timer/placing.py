"""Each round's placings by its kind, and the event's final classification over rounds.

A **placing** says where one racer finished in one round and why: a place (1-based, or
None when the round did not place them), the result it rests on and a short label.

- **timed** and **shootout** rounds place by their leaderboard (`timer.leaderboard`; a
  shootout in the single-lap format): the leaderboard's rank is the place, racers equal
  on every key share it, and racers without a result have no place
  (`leaderboard_placings`).
- **bracket** rounds place by the bracket (`bracket_placings`): every entrant gets a place
  and no two share one.
  1. The racers still in: the champion is 1st; a bracket that stopped at K > 1 racers
     (or is not finished) places its K remaining racers 1..K by fewer losses, then their
     result in the bracket, then the better seed.
  2. Then everyone eliminated, by the stage of their final loss: eliminated later is
     placed higher. The stage is the grand final (the reset after the first), else the
     round of the last-chance bracket (double elimination) or of the bracket (single
     elimination) in which they lost for the last time; the racer beaten in the final
     stage of a bracket raced to a champion is the runner-up.
  3. Inside one stage, by the racer's result in the bracket (their best over all their
     runs in the bracket, in the match format, compared by `Metric.sort_key`; no result
     last), then the better (lower-numbered) seed.

`classify(rounds)` is the event's final classification: the last round places its racers
first, then each earlier round places those no later round took part in. A racer a round
did not place ranks right after that round's placed racers, by their latest earlier
round with a place (the nearer round first, then that round's place). A racer placed
nowhere comes last, unranked. Racers share a rank only when one round gave them the same
place on an exactly equal result (a tie on a leaderboard); otherwise ranks are 1, 2, 3, …
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from lapgate.timer.bracket_layout import SIDE_ORDER, BracketKind, MatchSlot, Side
from lapgate.timer.brackets import BracketState
from lapgate.timer.errors import RuleViolation
from lapgate.timer.formats import Metric
from lapgate.timer.leaderboard import Standing

NO_RESULT_LABEL = "no result"
_SINGLE_STAGE_NAMES = ("the final", "the semi-final", "the quarter-final")  # from the end

ResultKey = tuple[int, tuple[int, Fraction, int, tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class Placing:
    """Where `racer_id` finished in one round, and why."""

    racer_id: str
    place: int | None  # 1-based; None: this round did not place the racer
    metric: Metric | None  # the result the place rests on (bracket: best in the bracket)
    label: str  # "champion", "out in last-chance round 3", "fastest lap", …


@dataclass(frozen=True, slots=True)
class FinalRow:
    """One racer's line of the final classification."""

    rank: int | None  # None: no round placed the racer
    racer_id: str
    round_index: int  # index in `classify`'s rounds of the round that placed the racer
    placing: Placing  # the racer's placing in that round (unranked: in their latest round)


def leaderboard_placings(standings: Sequence[Standing], label: str) -> tuple[Placing, ...]:
    """A timed round's or a shootout's `standings` (leaderboard order) as placings.

    `label` says how ranked racers were placed (e.g. the format's label)."""
    return tuple(
        Placing(s.racer_id, s.rank, s.metric, label if s.rank is not None else NO_RESULT_LABEL)
        for s in standings
    )


def _result_key(result: Metric | None) -> ResultKey:
    """Sorts results best first and racers without one after everyone with one."""
    if result is None:
        return (1, (0, Fraction(0), 0, (0, 0)))
    return (0, result.sort_key())


def _count(losses: int) -> str:
    return "1 loss" if losses == 1 else f"{losses} losses"


def _stage_label(state: BracketState, slot: MatchSlot) -> str:
    if slot.side is Side.GRAND_FINAL:
        return "out in the grand final" if slot.round == 1 else "out in the grand final reset"
    if slot.side is Side.LOSERS:
        return f"out in last-chance round {slot.round}"
    if state.layout.kind is BracketKind.DOUBLE:
        return f"out in undefeated round {slot.round}"
    rounds = state.layout.padded_size.bit_length() - 1
    from_end = rounds - slot.round
    if from_end < len(_SINGLE_STAGE_NAMES):
        return f"out in {_SINGLE_STAGE_NAMES[from_end]}"
    return f"out in round {slot.round}"


def bracket_placings(
    state: BracketState, metrics: Mapping[str, Metric | None]
) -> tuple[Placing, ...]:
    """Every entrant of the bracket `state` placed 1..n (see the module docstring).

    `metrics`: each racer's best result over their runs in the bracket, in the match
    format (a racer left out has none). Seeds are the state's entrant order (seed 1 first).
    """
    seed = {racer: number for number, racer in enumerate(state.entrants, start=1)}
    losses = dict(state.losses)
    alive = sorted(
        state.remaining,
        key=lambda r: (losses[r], _result_key(metrics.get(r)), seed[r]),
    )
    stage: dict[str, MatchSlot] = {
        racer: state.match(match_id).slot for racer, match_id in state.eliminated
    }
    out = sorted(
        stage,
        key=lambda r: (
            -SIDE_ORDER[stage[r].side],
            -stage[r].round,
            _result_key(metrics.get(r)),
            seed[r],
        ),
    )
    champion = state.champion
    placings: list[Placing] = []
    for racer in alive:
        if racer == champion:
            label = "champion"
        else:
            label = f"{'finalist' if state.finished else 'still in'}, {_count(losses[racer])}"
        placings.append(Placing(racer, len(placings) + 1, metrics.get(racer), label))
    for racer in out:
        runner_up = champion is not None and len(placings) == 1
        label = "runner-up" if runner_up else _stage_label(state, stage[racer])
        placings.append(Placing(racer, len(placings) + 1, metrics.get(racer), label))
    return tuple(placings)


def _check_round(index: int, placings: Sequence[Placing]) -> None:
    racers = [p.racer_id for p in placings]
    if len(set(racers)) != len(racers):
        repeated = sorted({r for r in racers if racers.count(r) > 1})
        raise RuleViolation(
            "round {round_number} placings: got racers {repeated} more than once, "
            "expected each once",
            round_number=index + 1,
            repeated=repeated,
        )


def _earlier_place(
    racer_id: str, earlier: Sequence[tuple[int, Sequence[Placing]]]
) -> tuple[int, int, Placing] | None:
    """(how far back, round index, placing) of the racer's latest earlier round with a place."""
    for back, (index, placings) in enumerate(earlier):
        for placing in placings:
            if placing.racer_id == racer_id and placing.place is not None:
                return back, index, placing
    return None


def _tie_key(index: int, placing: Placing) -> tuple[int, int | None, object]:
    result = None if placing.metric is None else placing.metric.sort_key()
    return (index, placing.place, result)


def classify(rounds: Sequence[Sequence[Placing]]) -> tuple[FinalRow, ...]:
    """The event's final classification from each round's placings, first round first.

    Rows come ranked first (rank 1, 2, …; a tie shares a rank), then unranked racers.
    """
    for index, placings in enumerate(rounds):
        _check_round(index, placings)
    latest_first = list(reversed(list(enumerate(rounds))))
    seen: set[str] = set()
    ranked: list[FinalRow] = []
    unranked: list[FinalRow] = []
    previous: tuple[int, int | None, object] | None = None
    for position, (index, placings) in enumerate(latest_first):
        group = [p for p in placings if p.racer_id not in seen]
        seen.update(p.racer_id for p in group)
        placed = [(index, p) for p in group if p.place is not None]
        placed.sort(key=lambda item: item[1].place or 0)
        fallbacks: list[tuple[tuple[int, int, str], int, Placing]] = []
        for placing in (p for p in group if p.place is None):
            found = _earlier_place(placing.racer_id, latest_first[position + 1 :])
            if found is None:
                unranked.append(FinalRow(None, placing.racer_id, index, placing))
                continue
            back, earlier_index, earlier = found
            order = (back, earlier.place or 0, earlier.racer_id)
            fallbacks.append((order, earlier_index, earlier))
        fallbacks.sort(key=lambda item: item[0])
        for source_index, placing in [*placed, *((f[1], f[2]) for f in fallbacks)]:
            key = _tie_key(source_index, placing)
            rank = len(ranked) + 1
            if key == previous and ranked:
                rank = ranked[-1].rank or rank
            ranked.append(FinalRow(rank, placing.racer_id, source_index, placing))
            previous = key
    return (*ranked, *unranked)
