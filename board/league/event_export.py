"""Exporting one event from the store: finds it, gathers its data, renders a format.

The control page's download buttons and `lapgate export` both call `export_event`.
"""

from __future__ import annotations

from enum import StrEnum

from lapgate.board.domain import EventInfo
from lapgate.board.league.exports import event_json, final_csv, laps_csv
from lapgate.board.league.summit import event_race, load_round_runs
from lapgate.board.store.api import ResultStore
from lapgate.timer.errors import LapgateError


class ExportFormat(StrEnum):
    FINAL_CSV = "final-csv"
    LAPS_CSV = "laps-csv"
    JSON = "json"


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
                f"event {key!r}: {len(found)} events match (seasons {seasons}); "
                "expected one: give its id or --season"
            )
    for event in events:
        meta = store.event_meta(event.event_id)
        if meta is not None and meta.source_id == key:
            return event
    raise ExportError(f"event {key!r}: no such event id or name; see `lapgate standings`")


def _round_id(store: ResultStore, event: EventInfo, round_key: str | None) -> str | None:
    if round_key is None:
        return None
    for round_info in store.list_rounds(event.event_id):
        if round_key in (round_info.round_id, round_info.name, str(round_info.seq)):
            return round_info.round_id
    raise ExportError(f"round {round_key!r}: not a round (id, name or number) of {event.name!r}")


def export_event(
    store: ResultStore,
    event_key: str,
    fmt: ExportFormat | str,
    round_key: str | None = None,
    season: str | None = None,
) -> str:
    """The event (or one round of it) rendered in `fmt`."""
    fmt = ExportFormat(fmt)
    event = find_event(store, event_key, season)
    round_id = _round_id(store, event, round_key)
    imported = store.imported_races(event.season, [event.event_id])
    if imported:
        if fmt is ExportFormat.LAPS_CSV:
            raise ExportError(f"event {event.name!r} was imported: it has results, not laps")
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
    logs = {run.run_id: store.load_log(run.run_id) for rr in rounds for run, _ in rr.runs}
    return event_json(event, rounds, logs, racers, results)
