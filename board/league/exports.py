"""Exports of an event: `final-csv`, `laps-csv` and `json`.

- `final-csv` uses the deepracer-race-data column names and millisecond units, so a summit
  reads like a virtual race (and `lapgate import-results` reads it back).
- `laps-csv` has one row per lap (run, racer, lap, time ms, resets, valid, source, and the
  run's status: laps of aborted or DNF runs are listed but do not rank), close to DeepRacer
  Event Management's per-lap export. A team's laps name the team as the racer, with who
  drove (`RacedBy`; `Proxy` true when a proxy did).
- `json` holds everything: event, rounds, racers, runs with their event logs and laps, and
  the final results.

Every text cell that a spreadsheet would run as a formula (starting with = + - @ tab or CR)
is prefixed with ``'``; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Final

from lapgate.board.domain import EventInfo, Racer, Team
from lapgate.board.league.model import RaceResult
from lapgate.board.league.summit import RoundRuns
from lapgate.board.store.codec import run_config_to_dict
from lapgate.timer.events import event_to_dict
from lapgate.timer.run import RunLog
from lapgate.timer.units import ms_from_ns

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
FINAL_COLUMNS: Final = (
    "Rank",
    "Alias",
    "UserId",
    "BestLapTime",
    "AvgLapTime",
    "LapCount",
    "ResetCount",
    "SubmissionCount",
    "TotalLapTime",
    "RankingScore",
    "LeaderboardSubmissionStatusType",
    "RacingDivision",
    "Round",
)
LAP_COLUMNS: Final = (
    "Round",
    "RunSeq",
    "RunId",
    "Racer",
    "UserId",
    "Car",
    "Model",
    "ModelCard",  # the card's page on the board (/models/<id>), when the model had one
    "Proxy",
    "RunStatus",
    "Lap",
    "TimeMs",
    "Resets",
    "Valid",
    "Source",
    "RacedBy",
)


def neutralise(value: str) -> str:
    """`value` made safe for spreadsheets: a leading ``'`` before a formula character."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """`columns` and `rows` as CSV text, every cell through the formula guard."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()


def final_csv(results: Sequence[RaceResult]) -> str:
    """The race's final standings in the deepracer-race-data columns (ms)."""
    rows = []
    for r in results:
        rows.append(
            [
                r.rank,
                r.alias,
                r.user_id,
                r.best_lap_ms,
                None if r.avg_lap_ms is None else round(r.avg_lap_ms),
                r.lap_count,
                r.reset_count,
                r.submission_count,
                r.total_lap_ms,
                r.ranking_time_ms,
                "SUCCESS" if r.rank is not None else "NO_RANKING_TIME",
                r.extra.get("RacingDivision", ""),
                r.extra.get("Round", ""),
            ]
        )
    return write_csv(FINAL_COLUMNS, rows)


def model_card_path(model_meta: dict[str, Any]) -> str:
    """The board path of the model card a run raced with ("" when none)."""
    card_id = model_meta.get("card_id")
    return f"/models/{card_id}" if isinstance(card_id, str) and card_id else ""


def laps_csv(rounds: Sequence[RoundRuns], racers: dict[str, Racer]) -> str:
    """One row per completed lap of every run of the event's rounds."""
    rows: list[list[object]] = []
    for rr in sorted(rounds, key=lambda r: r.round.seq):
        for run, state in rr.runs:
            racer = racers.get(run.racer_id)
            for lap in state.laps:
                rows.append(
                    [
                        rr.round.name,
                        run.seq,
                        run.run_id,
                        racer.alias if racer else run.racer_id,
                        racer.user_id if racer else None,
                        run.car,
                        run.model_name,
                        model_card_path(run.model_meta),
                        run.proxy,
                        str(state.status),
                        lap.number,
                        ms_from_ns(lap.duration_ns),
                        lap.resets,
                        lap.valid,
                        str(lap.end_source),
                        _alias(racers, run.raced_by),
                    ]
                )
    return write_csv(LAP_COLUMNS, rows)


def _alias(racers: dict[str, Racer], racer_id: str | None) -> str:
    if racer_id is None:
        return ""
    return racers[racer_id].alias if racer_id in racers else racer_id


def event_json(
    event: EventInfo,
    rounds: Sequence[RoundRuns],
    logs: dict[str, RunLog],
    racers: dict[str, Racer],
    results: Sequence[RaceResult],
    teams: Sequence[Team] = (),
) -> str:
    """Everything about the event as one JSON document (times in ns and ms)."""
    racer_ids = {run.racer_id for rr in rounds for run, _ in rr.runs} | {
        r.racer_id for r in results
    }
    racer_ids |= {run.raced_by for rr in rounds for run, _ in rr.runs if run.raced_by}
    racer_ids |= {member for team in teams for member in team.members}
    document: dict[str, Any] = {
        "format": "lapgate-event/1",
        "event": asdict(event),
        "racers": [asdict(racers[rid]) for rid in sorted(racer_ids) if rid in racers],
        "rounds": [_round_json(rr, logs) for rr in sorted(rounds, key=lambda r: r.round.seq)],
        "teams": [
            {
                "team_id": t.team_id,
                "racer_id": t.entrant_id,
                "name": t.name,
                "car": t.car,
                "members": list(t.members),
            }
            for t in teams
        ],
        "results": [{**r._asdict(), "extra": dict(r.extra)} for r in results],
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)


def _round_json(rr: RoundRuns, logs: dict[str, RunLog]) -> dict[str, Any]:
    info = rr.round
    return {
        "round_id": info.round_id,
        "name": info.name,
        "seq": info.seq,
        "track_id": info.track_id,
        "format": {"kind": str(info.format.kind), "laps": info.format.laps},
        "run_config": run_config_to_dict(info.run_config),
        "runs_per_racer": info.runs_per_racer,
        "advancement": info.advancement,
        "runs": [
            {
                "run_id": run.run_id,
                "racer_id": run.racer_id,
                "seq": run.seq,
                "car": run.car,
                "model_name": run.model_name,
                "model_meta": run.model_meta,
                "proxy": run.proxy,
                "raced_by": run.raced_by,
                "transponder": run.transponder,
                "status": str(state.status),
                "log": [
                    {"event_id": e.event_id, **event_to_dict(e.event)}
                    for e in logs[run.run_id].entries
                ],
                "laps": [
                    {
                        "number": lap.number,
                        "start_ns": lap.start_ns,
                        "end_ns": lap.end_ns,
                        "time_ms": ms_from_ns(lap.duration_ns),
                        "resets": lap.resets,
                        "valid": lap.valid,
                        "invalid_reasons": list(lap.invalid_reasons),
                        "source": str(lap.end_source),
                    }
                    for lap in state.laps
                ],
            }
            for run, state in rr.runs
        ],
    }
