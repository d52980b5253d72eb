"""A lapgate event's final results, as a race of the season.

The event's rounds are ranked with `timer.leaderboard`. Final order: racers who reached a
later round rank above everyone eliminated earlier (a knockout); within the round a racer
reached last, by that round's leaderboard. A racer who set no result in the last round they
reached ranks after that round's ranked racers, by their latest earlier round with a
result. A racer's ranking time is their format metric in the round that ranks them, in
whole milliseconds (rounded half up, as results are shown), so an exported and re-imported
summit scores the same. Racers without a metric in any round have no rank and no ranking
time. `--round R` restricts the race to one round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from board.domain import EventInfo, Racer, RoundInfo, RunInfo
from board.league.model import Race, RaceMeta, RaceResult
from board.store.api import RaceStore, ResultStore
from timer.formats import RunLaps
from timer.leaderboard import RacerRuns, Standing, leaderboard
from timer.run import RunState, run_state
from timer.units import ms_from_ns


@dataclass(frozen=True, slots=True)
class RoundRuns:
    """A round with every run and its replayed state."""

    round: RoundInfo
    runs: tuple[tuple[RunInfo, RunState], ...]


def load_round_runs(store: RaceStore, event_id: str) -> list[RoundRuns]:
    """Every round of the event with its runs replayed from their logs (seq order)."""
    loaded = []
    for round_info in store.list_rounds(event_id):
        runs = tuple(
            (run, run_state(store.load_log(run.run_id)))
            for run in store.list_runs(round_info.round_id)
        )
        loaded.append(RoundRuns(round_info, runs))
    return loaded


def round_standings(round_runs: RoundRuns, racers: dict[str, Racer]) -> tuple[Standing, ...]:
    by_racer: dict[str, list[RunLaps]] = {}
    for run, state in round_runs.runs:
        by_racer.setdefault(run.racer_id, []).append(
            RunLaps(run.run_id, run.seq, state.status, state.laps)
        )
    entries = [
        RacerRuns(rid, racers[rid].alias if rid in racers else rid, tuple(runs))
        for rid, runs in by_racer.items()
    ]
    return leaderboard(round_runs.round.format, entries)


def _result(standing: Standing, rank: int | None, racer: Racer | None, rr: RoundRuns) -> RaceResult:
    states = [state for run, state in rr.runs if run.racer_id == standing.racer_id]
    valid_ns = [lap.duration_ns for state in states for lap in state.laps if lap.valid]
    resets = sum(lap.resets for state in states for lap in state.laps)
    metric = standing.metric
    return RaceResult(
        racer_id=standing.racer_id,
        alias=racer.alias if racer else standing.name,
        user_id=racer.user_id if racer else None,
        rank=rank,
        ranking_time_ms=None if metric is None else float(ms_from_ns(metric.value)),
        best_lap_ms=float(ms_from_ns(min(valid_ns))) if valid_ns else None,
        avg_lap_ms=float(ms_from_ns(sum(valid_ns)) / len(valid_ns)) if valid_ns else None,
        total_lap_ms=float(ms_from_ns(sum(valid_ns))) if valid_ns else None,
        lap_count=len(valid_ns),
        reset_count=resets,
        submission_count=len(states),
        extra={"Round": rr.round.name, "Format": rr.round.format.label},
    )


def _earlier_rank(
    racer_id: str, earlier: Sequence[tuple[RoundRuns, tuple[Standing, ...]]]
) -> tuple[int, Standing, RoundRuns] | None:
    """(how far back, standing, round) of the racer's latest earlier round with a rank."""
    for back, (rr, standings) in enumerate(earlier):
        for standing in standings:
            if standing.racer_id == racer_id and standing.rank is not None:
                return back, standing, rr
    return None


def final_results(rounds: Sequence[RoundRuns], racers: dict[str, Racer]) -> tuple[RaceResult, ...]:
    """The event's final order over `rounds` (see the module docstring)."""
    ordered = sorted(rounds, key=lambda r: r.round.seq, reverse=True)
    tables = [(rr, round_standings(rr, racers)) for rr in ordered]
    placed: set[str] = set()
    ranked: list[RaceResult] = []
    unranked: list[RaceResult] = []
    previous: tuple[str, object] | None = None  # (round id, sort key) of the last placed
    for index, (rr, standings) in enumerate(tables):
        group = [s for s in standings if s.racer_id not in placed]
        placed.update(s.racer_id for s in group)
        entries = [(s, rr) for s in group if s.rank is not None]
        fallbacks: list[tuple[int, int, Standing, RoundRuns]] = []
        for standing in (s for s in group if s.rank is None):
            found = _earlier_rank(standing.racer_id, tables[index + 1 :])
            if found is None:
                racer = racers.get(standing.racer_id)
                unranked.append(_result(standing, None, racer, rr))
            else:
                back, earlier, source = found
                fallbacks.append((back, earlier.rank or 0, earlier, source))
        fallbacks.sort(key=lambda item: (item[0], item[1], item[2].racer_id))
        for standing, source in [*entries, *((f[2], f[3]) for f in fallbacks)]:
            assert standing.metric is not None
            key = (source.round.round_id, standing.metric.sort_key())
            rank = len(ranked) + 1
            if previous == key:
                rank = ranked[-1].rank or rank  # a tie inside one round shares the rank
            ranked.append(_result(standing, rank, racers.get(standing.racer_id), source))
            previous = key
    return (*ranked, *unranked)


def date_ms(date: str) -> int | None:
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


def event_race(store: RaceStore, event: EventInfo, round_id: str | None = None) -> Race:
    """The event (or one round of it) as a `Race` of its season."""
    rounds = load_round_runs(store, event.event_id)
    if round_id is not None:
        rounds = [r for r in rounds if r.round.round_id == round_id]
    racers = {r.racer_id: r for r in store.list_racers()}
    missing = {run.racer_id for rr in rounds for run, _ in rr.runs} - set(racers)
    for racer_id in missing:  # merged racers' runs moved; anything else is looked up
        found = store.get_racer(racer_id)
        if found is not None:
            racers[racer_id] = found
    meta = RaceMeta(
        season=event.season,
        name=event.name,
        source_id=event.event_id,
        kind=event.kind,
        date=event.date,
        launch_time_ms=date_ms(event.date),
        region=event.region,
    )
    return Race(event.event_id, meta, final_results(rounds, racers))


def season_races(store: ResultStore, season: str, details: bool = False) -> list[Race]:
    """Every race of `season`: imported results, and lapgate events that have rounds.

    `details=False` leaves out the imported results' extra columns (standings need none)."""
    races = store.imported_races(season, details=details)
    imported = {race.event_id for race in races}
    for event in store.list_events():
        if event.season != season or event.event_id in imported:
            continue
        if store.list_rounds(event.event_id):
            race = event_race(store, event)
            if race.results:
                races.append(race)
    races.sort(key=lambda r: (r.meta.launch_time_ms or 0, r.meta.name, r.event_id))
    return races
