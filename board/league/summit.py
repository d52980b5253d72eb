"""A lapgate event's final results, as a race of the season.

Each round places its racers by its kind (`timer.placing`): a timed round by its
leaderboard in its format, a shootout by its leaderboard in the single-lap format, a
bracket round by the bracket (champion, runner-up, then by the stage of elimination; inside
a stage by the racer's best result in the bracket in the match format, then seed). The
final order is `timer.placing.classify`: racers who reached a later round rank above
everyone eliminated earlier (a knockout); within the round a racer reached last, by that
round's placing. A racer that round did not place ranks after its placed racers, by their
latest earlier round with a place. A racer's ranking time is their result in the round
that places them (a bracket: their best result in the bracket), in whole milliseconds
(rounded half up, as results are shown), so an exported and re-imported summit scores the
same. Racers placed in no round have no rank and no ranking time. `--round R` restricts
the race to one round.

A round is a bracket round when its kind says so or when it holds a bracket (rounds stored
before rounds had kinds say "timed"); a bracket round without a readable bracket document
places by its leaderboard in its format. The extra columns of each result say how the
racer was placed: "Round" (the round that places them) and "Format" (a timed round's
format; "bracket: out in last-chance round 2", "shootout: single lap", …).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from lapgate.board.bracket_document import load_brackets
from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo, Team
from lapgate.board.league.model import Race, RaceMeta, RaceResult
from lapgate.board.store.api import RaceStore, ResultStore
from lapgate.timer.brackets import BracketState
from lapgate.timer.formats import Format, FormatKind, Metric, RunLaps, metric
from lapgate.timer.leaderboard import RacerRuns, Standing, leaderboard
from lapgate.timer.placing import Placing, bracket_placings, classify, leaderboard_placings
from lapgate.timer.rounds import RoundKind
from lapgate.timer.run import RunState, run_state
from lapgate.timer.units import ms_from_ns

SHOOTOUT_FORMAT = Format(FormatKind.SINGLE_LAP)
NOT_IN_BRACKET = "not in the bracket"


@dataclass(frozen=True, slots=True)
class RoundRuns:
    """A round with every run and its replayed state, and its bracket if it holds one."""

    round: RoundInfo
    runs: tuple[tuple[RunInfo, RunState], ...]
    bracket: BracketState | None = None
    match_format: Format | None = None  # the bracket's match format


def _brackets(
    store: RaceStore, rounds: Sequence[RoundInfo]
) -> dict[str, tuple[BracketState, Format]]:
    """Each round's bracket (state, match format); a damaged document is logged, left out."""
    found: dict[str, tuple[BracketState, Format]] = {}
    for bracket in load_brackets(store, {r.round_id for r in rounds}):
        found.setdefault(bracket.round_id, (bracket.state, bracket.rules.match.format))
    return found


def load_round_runs(store: RaceStore, event_id: str) -> list[RoundRuns]:
    """Every round of the event with its runs replayed from their logs (seq order) and the
    bracket it holds, if any."""
    rounds = store.list_rounds(event_id)
    brackets = _brackets(store, rounds)
    loaded = []
    for round_info in rounds:
        runs = tuple(
            (run, run_state(store.load_log(run.run_id)))
            for run in store.list_runs(round_info.round_id)
        )
        state, match_format = brackets.get(round_info.round_id, (None, None))
        loaded.append(RoundRuns(round_info, runs, state, match_format))
    return loaded


def _runs_by_racer(round_runs: RoundRuns) -> dict[str, list[RunLaps]]:
    by_racer: dict[str, list[RunLaps]] = {}
    for run, state in round_runs.runs:
        by_racer.setdefault(run.racer_id, []).append(
            RunLaps(run.run_id, run.seq, state.status, state.laps)
        )
    return by_racer


def round_standings(
    round_runs: RoundRuns, racers: dict[str, Racer], fmt: Format | None = None
) -> tuple[Standing, ...]:
    """The round's leaderboard in `fmt` (default: the round's format)."""
    entries = [
        RacerRuns(rid, racers[rid].alias if rid in racers else rid, tuple(runs))
        for rid, runs in _runs_by_racer(round_runs).items()
    ]
    return leaderboard(fmt or round_runs.round.format, entries)


def round_placings(round_runs: RoundRuns, racers: dict[str, Racer]) -> tuple[Placing, ...]:
    """The round's placings by its kind (`timer.placing`)."""
    state = round_runs.bracket
    if state is not None:
        fmt = round_runs.match_format or round_runs.round.format
        runs = _runs_by_racer(round_runs)
        metrics = {racer: metric(fmt, runs.get(racer, ())) for racer in state.entrants}
        others = [  # ran in the bracket's round without being in the bracket: not placed
            Placing(racer, None, None, NOT_IN_BRACKET) for racer in runs if racer not in metrics
        ]
        return (*bracket_placings(state, metrics), *others)
    if round_runs.round.kind == str(RoundKind.SHOOTOUT):
        standings = round_standings(round_runs, racers, SHOOTOUT_FORMAT)
        return leaderboard_placings(standings, SHOOTOUT_FORMAT.label)
    standings = round_standings(round_runs, racers)
    return leaderboard_placings(standings, round_runs.round.format.label)


def _how_placed(placing: Placing, rr: RoundRuns) -> str:
    """The "Format" column: how `round_placings` placed the racer in `rr`."""
    if rr.bracket is not None:
        return f"{RoundKind.BRACKET}: {placing.label}"
    if rr.round.kind == str(RoundKind.SHOOTOUT):
        return f"{RoundKind.SHOOTOUT}: {placing.label}"
    return rr.round.format.label  # a timed round (or a bracket round without its bracket)


def _team_columns(
    racer_id: str, rr: RoundRuns, racers: dict[str, Racer], teams: dict[str, Team]
) -> dict[str, str]:
    """A team's extra columns: "Team members", and "Raced by" (who drove its runs in the
    round that places it, in run order; a proxy marked)."""
    team = teams.get(racer_id)
    if team is None:
        return {}

    def alias(rid: str) -> str:
        return racers[rid].alias if rid in racers else rid

    drivers: list[str] = []
    for run, _ in rr.runs:
        if run.racer_id == racer_id and run.raced_by:
            shown = alias(run.raced_by) + (" (proxy)" if run.proxy else "")
            if shown not in drivers:
                drivers.append(shown)
    return {
        "Team members": ", ".join(alias(m) for m in team.members),
        "Raced by": ", ".join(drivers),
    }


def _result(
    placing: Placing,
    rank: int | None,
    racer: Racer | None,
    rr: RoundRuns,
    extra: dict[str, str],
) -> RaceResult:
    states = [state for run, state in rr.runs if run.racer_id == placing.racer_id]
    valid_ns = [lap.duration_ns for state in states for lap in state.laps if lap.valid]
    resets = sum(lap.resets for state in states for lap in state.laps)
    result = placing.metric
    return RaceResult(
        racer_id=placing.racer_id,
        alias=racer.alias if racer else placing.racer_id,
        user_id=racer.user_id if racer else None,
        rank=rank,
        ranking_time_ms=None if result is None else float(ms_from_ns(result.value)),
        best_lap_ms=float(ms_from_ns(min(valid_ns))) if valid_ns else None,
        avg_lap_ms=float(ms_from_ns(sum(valid_ns)) / len(valid_ns)) if valid_ns else None,
        total_lap_ms=float(ms_from_ns(sum(valid_ns))) if valid_ns else None,
        lap_count=len(valid_ns),
        reset_count=resets,
        submission_count=len(states),
        extra={
            "Round": rr.round.name,
            "Format": _how_placed(placing, rr),
            **_race_laps(result),
            **extra,
        },
    )


def _race_laps(result: Metric | None) -> dict[str, str]:
    """A lap-count result's "Race laps" column: laps counted of the N raced ("2/3")."""
    if result is None or not result.is_total:
        return {}
    counted = len(result.laps)
    return {"Race laps": f"{counted}/{counted + result.laps_short}"}


def final_results(
    rounds: Sequence[RoundRuns], racers: dict[str, Racer], teams: Sequence[Team] = ()
) -> tuple[RaceResult, ...]:
    """The event's final order over `rounds` (see the module docstring); a team's result
    names its members and who drove (`teams`: the event's)."""
    ordered = sorted(rounds, key=lambda r: r.round.seq)
    rows = classify([round_placings(rr, racers) for rr in ordered])
    by_entrant = {team.entrant_id: team for team in teams}
    results = []
    for row in rows:
        rr = ordered[row.round_index]
        extra = _team_columns(row.racer_id, rr, racers, by_entrant)
        results.append(_result(row.placing, row.rank, racers.get(row.racer_id), rr, extra))
    return tuple(results)


def date_ms(date: str) -> int | None:
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


def event_race(
    store: RaceStore,
    event: EventInfo,
    round_id: str | None = None,
    rounds: Sequence[RoundRuns] | None = None,
) -> Race:
    """The event (or one round of it) as a `Race` of its season.

    `rounds`: the event's rounds when the caller has loaded them (`load_round_runs`)."""
    if rounds is None:
        rounds = load_round_runs(store, event.event_id)
    if round_id is not None:
        rounds = [r for r in rounds if r.round.round_id == round_id]
    racers = {r.racer_id: r for r in store.list_racers()}
    entrants = {r for rr in rounds if rr.bracket is not None for r in rr.bracket.entrants}
    missing = {run.racer_id for rr in rounds for run, _ in rr.runs} | entrants
    missing -= set(racers)
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
    teams = store.list_teams(event.event_id)
    return Race(event.event_id, meta, final_results(rounds, racers, teams))


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
