"""Exporting one event from the store: finds it, gathers its data, renders a format.

The control page's download buttons and `lapgate export` both call `export_file` (text
formats also through `export_event`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from enum import StrEnum
from fractions import Fraction

from lapgate.board.domain import EventInfo, Racer
from lapgate.board.league.drem import drem_laps_csv, drem_summary_csv, run_track
from lapgate.board.league.exports import event_json, final_csv, laps_csv
from lapgate.board.league.print_html import render_html
from lapgate.board.league.printout import (
    Classification,
    PrintKind,
    Printout,
    TrackSummary,
    render_pdf,
)
from lapgate.board.league.summit import RoundRuns, event_race, load_round_runs
from lapgate.board.store.api import ResultStore
from lapgate.timer.errors import LapgateError
from lapgate.timer.formats import Format, FormatKind, RunLaps, metric
from lapgate.timer.units import ms_from_ns

DEFAULT_AVERAGE_LAPS = 3


class ExportFormat(StrEnum):
    FINAL_CSV = "final-csv"
    LAPS_CSV = "laps-csv"
    JSON = "json"
    DREM_LAPS_CSV = "drem-laps-csv"
    DREM_SUMMARY_CSV = "drem-summary-csv"
    PDF = "pdf"
    HTML = "html"


PRINT_FORMATS = (ExportFormat.PDF, ExportFormat.HTML)
LAP_FORMATS = (ExportFormat.LAPS_CSV, ExportFormat.DREM_LAPS_CSV, ExportFormat.DREM_SUMMARY_CSV)


class ExportError(LapgateError, LookupError):
    """The event or round to export does not exist, or has nothing in that format."""


def find_event(store: ResultStore, key: str, season: str | None = None) -> EventInfo:
    """The event whose id, name or source race id is `key` (optionally within `season`)."""
    events = [e for e in store.list_events() if season is None or e.season == season]
    for match in (
        lambda e: e.event_id == key,
        lambda e: e.name == key,
        lambda e: e.name.casefold() == key.casefold(),
    ):
        found = [e for e in events if match(e)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            seasons = sorted({e.season for e in found})
            raise ExportError(
                "event {key!r}: {count} events match (seasons {seasons}); expected one: "
                "give its id or --season",
                key=key,
                count=len(found),
                seasons=seasons,
            )
    for event in events:
        meta = store.event_meta(event.event_id)
        if meta is not None and meta.source_id == key:
            return event
    raise ExportError("event {key!r}: no such event id or name; see `lapgate standings`", key=key)


def _round_id(store: ResultStore, event: EventInfo, round_key: str | None) -> str | None:
    if round_key is None:
        return None
    for round_info in store.list_rounds(event.event_id):
        if round_key in (round_info.round_id, round_info.name, str(round_info.seq)):
            return round_info.round_id
    raise ExportError(
        "round {round_key!r}: not a round (id, name or number) of {event_name!r}",
        round_key=round_key,
        event_name=event.name,
    )


def export_event(
    store: ResultStore,
    event_key: str,
    fmt: ExportFormat | str,
    round_key: str | None = None,
    season: str | None = None,
) -> str:
    """The event (or one round of it) rendered in a data format `fmt` (not ``pdf`` or
    ``html``: `export_file` prints those)."""
    fmt = ExportFormat(fmt)
    if fmt in PRINT_FORMATS:
        raise ExportError("export format {fmt}: printed pages; call export_file", fmt=fmt)
    event = find_event(store, event_key, season)
    round_id = _round_id(store, event, round_key)
    imported = store.imported_races(event.season, [event.event_id])
    if imported:
        if fmt in LAP_FORMATS:
            raise ExportError(
                "event {event_name!r} was imported: it has results, not laps", event_name=event.name
            )
        results = imported[0].results
        rounds = []
    else:
        rounds = load_round_runs(store, event.event_id)
        if round_id is not None:
            rounds = [r for r in rounds if r.round.round_id == round_id]
        results = event_race(store, event, rounds=rounds).results
    if fmt is ExportFormat.FINAL_CSV:
        return final_csv(results)
    racers = {r.racer_id: r for r in store.list_racers()}
    if fmt is ExportFormat.LAPS_CSV:
        return laps_csv(rounds, racers)
    if fmt is ExportFormat.DREM_LAPS_CSV:
        return drem_laps_csv(event, rounds, racers)
    if fmt is ExportFormat.DREM_SUMMARY_CSV:
        return drem_summary_csv(rounds, racers)
    logs = {run.run_id: store.load_log(run.run_id) for rr in rounds for run, _ in rr.runs}
    return event_json(event, rounds, logs, racers, results, store.list_teams(event.event_id))


def export_file(
    store: ResultStore,
    event_key: str,
    fmt: ExportFormat | str,
    round_key: str | None = None,
    season: str | None = None,
    kind: PrintKind | str = PrintKind.ALL,
) -> bytes:
    """The file of `fmt` (text formats UTF-8); ``pdf`` and ``html`` (a page with print CSS)
    print the pages of `kind`."""
    fmt = ExportFormat(fmt)
    if fmt not in PRINT_FORMATS:
        return utf8(export_event(store, event_key, fmt, round_key, season))
    kind = PrintKind(kind)
    event = find_event(store, event_key, season)
    printout = printout_data(store, event, _round_id(store, event, round_key))
    if fmt is ExportFormat.HTML:
        return utf8(render_html(printout, kind))
    return render_pdf(printout, kind)


def utf8(text: str) -> bytes:
    """`text` as UTF-8; a lone UTF-16 surrogate (stored before input refused them, or sent
    by an old timer) becomes U+FFFD instead of failing the whole file."""
    return _SURROGATE.sub("\ufffd", text).encode("utf-8")


_SURROGATE = re.compile("[\ud800-\udfff]")


def printout_data(store: ResultStore, event: EventInfo, round_id: str | None) -> Printout:
    """What the printed pages show for the event, or for one round of it."""
    imported = store.imported_races(event.season, [event.event_id])
    today = dt.datetime.now(dt.UTC).date()
    if imported:
        final = Classification("Final classification", imported[0].results)
        return Printout(event, "", (final,), (), DEFAULT_AVERAGE_LAPS, today)
    rounds = load_round_runs(store, event.event_id)
    if round_id is not None:
        rounds = [r for r in rounds if r.round.round_id == round_id]
    ordered = sorted(rounds, key=lambda r: r.round.seq)
    classifications = (
        [
            Classification(
                ordered[0].round.name if round_id is not None else "Final classification",
                event_race(store, event, rounds=ordered).results,
                *lap_times(ordered),
            )
        ]
        if ordered
        else []
    )
    if round_id is None:
        classifications += [
            Classification(f"Round {rr.round.seq}: {rr.round.name}", results, *lap_times([rr]))
            for rr in ordered
            if (results := event_race(store, event, rounds=[rr]).results)
        ]
    racers = {r.racer_id: r for r in store.list_racers()}
    average_laps = next(
        (r.round.format.laps for r in ordered if r.round.format.kind is FormatKind.AVERAGE),
        DEFAULT_AVERAGE_LAPS,
    )
    scope = ordered[0].round.name if round_id is not None and ordered else ""
    return Printout(
        event,
        scope,
        tuple(classifications),
        track_summaries(ordered, racers, average_laps),
        average_laps,
        today,
    )


def lap_times(rounds: Sequence[RoundRuns]) -> tuple[tuple[int, ...], int]:
    """The valid laps of `rounds` in ms (for the distribution chart) and how many were invalid."""
    laps = [lap for rr in rounds for _, state in rr.runs for lap in state.laps]
    valid = tuple(ms_from_ns(lap.duration_ns) for lap in laps if lap.valid)
    return valid, len(laps) - len(valid)


def track_summaries(
    rounds: Sequence[RoundRuns], racers: dict[str, Racer], average_laps: int
) -> tuple[TrackSummary, ...]:
    """Each track's totals, then "All tracks" when there are several."""
    by_track: dict[str, dict[str, list[RunLaps]]] = {}
    for rr in rounds:
        for run, state in rr.runs:
            runs = by_track.setdefault(run_track(rr, run.track_id), {})
            runs.setdefault(run.racer_id, []).append(
                RunLaps(run.run_id, run.seq, state.status, state.laps)
            )
    summaries = [
        _track_summary(track, runs, racers, average_laps)
        for track, runs in sorted(by_track.items())
    ]
    if len(summaries) > 1:
        everything: dict[str, list[RunLaps]] = {}
        for runs in by_track.values():
            for racer_id, racer_runs in runs.items():
                everything.setdefault(racer_id, []).extend(racer_runs)
        summaries.append(_track_summary("All tracks", everything, racers, average_laps))
    return tuple(summaries)


def _track_summary(
    track: str, runs: dict[str, list[RunLaps]], racers: dict[str, Racer], average_laps: int
) -> TrackSummary:
    laps = [(lap, racer_id) for racer_id, rs in runs.items() for run in rs for lap in run.laps]
    valid = [lap for lap, _ in laps if lap.valid]

    def best(fmt: Format) -> tuple[Fraction, str] | None:
        """The best result in `fmt` and who set it (by the format's rules: runs that do
        not rank are left out)."""
        found = [(m.value, racer_id) for racer_id, rs in runs.items() if (m := metric(fmt, rs))]
        return min(found, default=None)

    fastest = best(Format(FormatKind.FASTEST_LAP))
    best_average = best(Format(FormatKind.AVERAGE, average_laps))

    def alias(racer_id: str) -> str:
        return racers[racer_id].alias if racer_id in racers else racer_id

    return TrackSummary(
        track=track,
        racers=len(runs),
        runs=sum(len(rs) for rs in runs.values()),
        laps=len(laps),
        valid_laps=len(valid),
        fastest_ms=None if fastest is None else ms_from_ns(fastest[0]),
        fastest_by="" if fastest is None else alias(fastest[1]),
        best_average_ms=None if best_average is None else ms_from_ns(best_average[0]),
        best_average_by="" if best_average is None else alias(best_average[1]),
    )
