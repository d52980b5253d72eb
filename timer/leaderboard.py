"""A round's leaderboard: racers ranked by their format metric, with gaps.

Order: racers with a metric by (laps short, value, tie-break, who set it first); then
racers without one by valid laps (more first). Laps short is 0 except in a lap-count race,
where a racer who has not finished N valid laps ranks after every racer who has (more laps
first, then the lower total); gaps are given only between results with the same laps.
Racers still equal on every key share a rank; the racer id settles only the listing order,
so the result never depends on input order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lapgate.timer.formats import COUNTING, Format, Metric, RunLaps, metric


@dataclass(frozen=True, slots=True)
class RacerRuns:
    racer_id: str
    name: str
    runs: tuple[RunLaps, ...]


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int | None  # None: no metric yet
    racer_id: str
    name: str
    metric: Metric | None
    gap_to_leader_ns: int | None
    gap_to_ahead_ns: int | None
    valid_laps: int
    laps: int
    runs: int


def leaderboard(fmt: Format, racers: Iterable[RacerRuns]) -> tuple[Standing, ...]:
    """Rank `racers` in `fmt`; see the module docstring for the order."""
    scored: list[tuple[RacerRuns, Metric | None, int, int, int]] = []
    for racer in racers:
        counting = [run for run in racer.runs if run.status in COUNTING]
        valid = sum(1 for run in counting for lap in run.laps if lap.valid)
        total = sum(len(run.laps) for run in counting)
        scored.append((racer, metric(fmt, racer.runs), valid, total, len(racer.runs)))
    ranked = sorted(
        (item for item in scored if item[1] is not None),
        key=lambda item: (_key(item[1]), item[0].racer_id),
    )
    unranked = sorted(
        (item for item in scored if item[1] is None),
        key=lambda item: (-item[2], item[0].name.casefold(), item[0].racer_id),
    )
    standings: list[Standing] = []
    leader: Metric | None = None
    ahead: Metric | None = None
    rank = 0
    for position, (racer, result, valid, lap_count, runs) in enumerate(ranked, start=1):
        assert result is not None
        if ahead is None or result.sort_key() != ahead.sort_key():
            rank = position
        leader = leader or result
        standings.append(
            Standing(
                rank,
                racer.racer_id,
                racer.name,
                result,
                _gap(result, leader),
                None if ahead is None else _gap(result, ahead),
                valid,
                lap_count,
                runs,
            )
        )
        ahead = result
    for racer, _, valid, laps, runs in unranked:
        standings.append(
            Standing(None, racer.racer_id, racer.name, None, None, None, valid, laps, runs)
        )
    return tuple(standings)


def _gap(result: Metric, other: Metric) -> int | None:
    """`result` minus `other` in ns; None when they lack different numbers of laps."""
    if result.laps_short != other.laps_short:
        return None
    return result.value_ns - other.value_ns


def _key(result: Metric | None) -> object:
    assert result is not None
    return result.sort_key()
