"""Deciding one head-to-head match from the two racers' runs.

Each racer gets up to `attempts` runs (default 2) of the match format; their metric over
those runs is compared and the better one wins (value first, then the format's own
tie-break: next-best lap for fastest lap, best lap in the window for an average or a lap
count). In a lap-count match the lower total of N laps wins, and a racer who finished N
valid laps beats one who did not (then more laps, then the lower total). A racer
marked no-show loses. If both are still equal (or neither set a time, or both are
no-shows) the higher seed (the lower seed number) wins, unless the rules say re-run, in
which case the decision names no winner and the match is raced again.

A match that neither racer has raced (no attempt on either side, and nobody marked
no-show) is not a tie: there is nothing to decide, and recording it is refused (race it,
record a no-show, or set the winner by hand).

Aborted runs (a track fault) are not attempts. Runs still staged or running cannot be
decided on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lapgate.timer.brackets import BracketLog, record_result
from lapgate.timer.errors import RuleViolation
from lapgate.timer.formats import Format, Metric, RunLaps, metric
from lapgate.timer.run import RunStatus
from lapgate.timer.units import format_s

ATTEMPTS_RANGE = (1, 10)


class TiePolicy(StrEnum):
    HIGHER_SEED = "higher_seed"
    RERUN = "rerun"


@dataclass(frozen=True, slots=True)
class MatchRules:
    format: Format = field(default_factory=Format)
    attempts: int = 2
    tie: TiePolicy = TiePolicy.HIGHER_SEED

    def __post_init__(self) -> None:
        low, high = ATTEMPTS_RANGE
        if not low <= self.attempts <= high:
            raise RuleViolation(
                "match attempts: got {attempts}, expected {low}–{high}",
                attempts=self.attempts,
                low=low,
                high=high,
            )


@dataclass(frozen=True, slots=True)
class MatchSide:
    """One racer of a match: their seed and their runs in this match."""

    racer_id: str
    seed: int
    runs: tuple[RunLaps, ...] = ()
    no_show: bool = False


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """The outcome; `winner_id` is None when the tie policy asks for a re-run, or when
    neither racer has raced (`unraced`): then there is nothing to record."""

    winner_id: str | None
    loser_id: str | None
    reason: str
    top_metric: Metric | None
    bottom_metric: Metric | None
    unraced: bool = False
    racers: tuple[str, str] = ("", "")  # top, bottom: to name them in a message
    times: str = ""  # "12.345 v 13.456": the metrics compared, for a message

    @property
    def rerun(self) -> bool:
        return self.winner_id is None and not self.unraced


def _attempts(rules: MatchRules, side: MatchSide) -> tuple[RunLaps, ...]:
    counted = tuple(run for run in side.runs if run.status is not RunStatus.ABORTED)
    open_runs = [r.run_id for r in counted if r.status in (RunStatus.STAGED, RunStatus.RUNNING)]
    if open_runs:
        raise RuleViolation(
            "match decision: {racer_id}'s runs {open_runs} are not over; expected "
            "finished or DNF runs",
            racer_id=side.racer_id,
            open_runs=open_runs,
        )
    if len(counted) > rules.attempts:
        raise RuleViolation(
            "match attempts of {racer_id}: got {taken}, expected at most {allowed}",
            racer_id=side.racer_id,
            taken=len(counted),
            allowed=rules.attempts,
        )
    return counted


def _shown(result: Metric | None) -> str:
    if result is None:
        return "no time"
    if result.laps_short:
        return f"{format_s(result.value_ns)} ({len(result.laps)} laps)"
    return format_s(result.value_ns)


def decide_match(rules: MatchRules, top: MatchSide, bottom: MatchSide) -> MatchDecision:
    """Who won the match between `top` and `bottom` under `rules`."""
    if top.seed == bottom.seed or top.racer_id == bottom.racer_id:
        raise RuleViolation(
            "match: got {racer_id} (seed {seed}) twice, expected two racers",
            racer_id=top.racer_id,
            seed=top.seed,
        )
    top_runs = () if top.no_show else _attempts(rules, top)
    bottom_runs = () if bottom.no_show else _attempts(rules, bottom)
    if not (top_runs or bottom_runs or top.no_show or bottom.no_show):
        why = f"neither {top.racer_id} nor {bottom.racer_id} has raced an attempt"
        racers = (top.racer_id, bottom.racer_id)
        return MatchDecision(None, None, why, None, None, unraced=True, racers=racers)
    top_metric = None if top.no_show else metric(rules.format, top_runs)
    bottom_metric = None if bottom.no_show else metric(rules.format, bottom_runs)
    times = f"{_shown(top_metric)} v {_shown(bottom_metric)}"
    ranked = _compare(top, top_metric, bottom, bottom_metric)
    if ranked is not None:
        winner, loser, why = ranked
        return MatchDecision(
            winner.racer_id, loser.racer_id, f"{times}{why}", top_metric, bottom_metric
        )
    if rules.tie is TiePolicy.RERUN:
        why = f"{times}: tie, re-run"
        return MatchDecision(None, None, why, top_metric, bottom_metric, times=times)
    higher, lower = (top, bottom) if top.seed < bottom.seed else (bottom, top)
    why = f"{times}: tie, seed {higher.seed} goes through"
    return MatchDecision(higher.racer_id, lower.racer_id, why, top_metric, bottom_metric)


def _compare(
    top: MatchSide, top_metric: Metric | None, bottom: MatchSide, bottom_metric: Metric | None
) -> tuple[MatchSide, MatchSide, str] | None:
    """(winner, loser, extra reason) when the racers differ, None on a tie."""
    if top.no_show != bottom.no_show:
        return (bottom, top, ": no-show") if top.no_show else (top, bottom, ": no-show")
    if top_metric is None or bottom_metric is None:
        if top_metric is None and bottom_metric is None:
            return None
        return (top, bottom, "") if bottom_metric is None else (bottom, top, "")
    top_key = (top_metric.laps_short, top_metric.value, top_metric.tiebreak_ns)
    bottom_key = (bottom_metric.laps_short, bottom_metric.value, bottom_metric.tiebreak_ns)
    if top_key == bottom_key:
        return None
    extra = "" if top_key[:2] != bottom_key[:2] else " (format tie-break)"
    return (top, bottom, extra) if top_key < bottom_key else (bottom, top, extra)


def apply_decision(log: BracketLog, match_id: str, decision: MatchDecision) -> BracketLog:
    """Record `decision` as `match_id`'s result; a re-run or unraced decision cannot be
    recorded (RuleViolation names the match and what to do)."""
    if decision.unraced:
        raise RuleViolation(
            "decide {match_id}: neither {top} nor {bottom} has raced an attempt; "
            "race it, record a no-show, or set the winner by hand",
            match_id=match_id,
            top=decision.racers[0],
            bottom=decision.racers[1],
        )
    if decision.winner_id is None:
        raise RuleViolation(
            "result for {match_id}: {times}: tie, re-run; race the match again",
            match_id=match_id,
            times=decision.times,
        )
    return record_result(log, match_id, decision.winner_id, decision.reason)
