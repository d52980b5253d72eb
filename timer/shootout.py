"""The final shootout: one flying lap each, in the running order the bracket set.

Running order: the bracket's finalists, worst-placed first, so the best-placed racer runs
last (knowing the time to beat). A finalist's bracket place is fewer losses first, then
more wins, then the better seed (`BracketState.ranking`).

Places 1..K: the fastest valid single lap wins. Equal laps (to the nanosecond) go to the
better bracket place; racers without a valid lap come after everyone with one, in bracket
order. Each racer has exactly one run; an aborted run (a track fault) does not count and
may be run again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from lapgate.timer.brackets import BracketState
from lapgate.timer.errors import RuleViolation
from lapgate.timer.formats import Metric, RunLaps, single_lap
from lapgate.timer.run import RunStatus


@dataclass(frozen=True, slots=True)
class ShootoutPlace:
    place: int  # 1..K
    racer_id: str
    lap: Metric | None  # None: no valid lap
    running_position: int  # 1: ran first


def running_order(state: BracketState) -> tuple[str, ...]:
    """The finalists of a finished bracket, in the order they run (best-placed last)."""
    if not state.finished:
        raise RuleViolation(
            "shootout order: the bracket is not finished ({remaining} racers "
            "remain, expected {stop_at})",
            remaining=len(state.remaining),
            stop_at=state.layout.stop_at,
        )
    finalists = state.ranking()[: len(state.remaining)]
    return tuple(reversed(finalists))


def _counted(racer_id: str, runs: Sequence[RunLaps]) -> tuple[RunLaps, ...]:
    counted = tuple(run for run in runs if run.status is not RunStatus.ABORTED)
    if len(counted) > 1:
        ids = [run.run_id for run in counted]
        raise RuleViolation(
            "shootout: {racer_id} has runs {ids}, expected one run each", racer_id=racer_id, ids=ids
        )
    return counted


def next_runner(order: Sequence[str], runs: Mapping[str, Sequence[RunLaps]]) -> str | None:
    """The first racer in `order` without a counting run, or None when all have run."""
    for racer_id in order:
        if not _counted(racer_id, runs.get(racer_id, ())):
            return racer_id
    return None


def shootout_places(
    order: Sequence[str], runs: Mapping[str, Sequence[RunLaps]]
) -> tuple[ShootoutPlace, ...]:
    """Places 1..K of the racers in running `order` from their single-lap runs."""
    if len(set(order)) != len(order) or not order:
        raise RuleViolation(
            "shootout order: got {order}, expected unique racers", order=list(order)
        )
    unknown = sorted(set(runs) - set(order))
    if unknown:
        raise RuleViolation(
            "shootout runs: got racers {unknown}, expected only {order}",
            unknown=unknown,
            order=list(order),
        )
    scored: list[tuple[tuple[int, Fraction, int], str, Metric | None, int]] = []
    for position, racer_id in enumerate(order, start=1):
        lap = single_lap(_counted(racer_id, runs.get(racer_id, ())))
        bracket_place = len(order) - position  # ran last: best bracket place (0)
        key = (0, lap.value, bracket_place) if lap is not None else (1, Fraction(0), bracket_place)
        scored.append((key, racer_id, lap, position))
    scored.sort(key=lambda item: item[0])
    return tuple(
        ShootoutPlace(place, racer_id, lap, position)
        for place, (_, racer_id, lap, position) in enumerate(scored, start=1)
    )
