"""Views of the central store: an event's combined leaderboard across its tracks.

Every track (on-site daemon) syncs its rounds and runs into one event; the combined
leaderboard ranks each racer by the fastest valid lap of any of their runs on any track
(`timer.leaderboard` in the fastest-lap format), and names the track it was set on. A racer
merged into another by league staff counts as that one (runs synced after the merge too),
until the merge is undone. Views
are cached per event until the ingest says the event changed (`LeagueViews.changed`).
"""

from __future__ import annotations

import threading
from typing import Any

from lapgate.board.store.sql import SqlStore
from lapgate.timer.formats import Format, FormatKind, RunLaps
from lapgate.timer.leaderboard import RacerRuns, leaderboard
from lapgate.timer.run import run_state

FASTEST = Format(FormatKind.FASTEST_LAP, 1)


def _ms(value_ns: int | None) -> float | None:
    return None if value_ns is None else round(value_ns / 1e6, 3)


def _racer_names(store: SqlStore) -> tuple[dict[str, str], dict[str, str]]:
    """(alias by racer id, the racer each merged-away id counts as)."""
    records = store.racer_records(history=False)
    names = {racer_id: record.alias for racer_id, record in records.items()}
    return names, store.live_racer_ids()


def event_leaderboard(store: SqlStore, event_id: str) -> dict[str, Any]:
    """The event's combined standings: rows ranked by best valid lap on any track (ms)."""
    names, live = _racer_names(store)
    runs_by_racer: dict[str, list[RunLaps]] = {}
    track_of_run: dict[str, str] = {}
    tracks: set[str] = set()
    for info in store.list_rounds(event_id):
        for run in store.list_runs(info.round_id):
            state = run_state(store.load_log(run.run_id))
            track_id = run.track_id or info.track_id  # a round may span tracks
            tracks.add(track_id)
            track_of_run[run.run_id] = track_id
            runs_by_racer.setdefault(live.get(run.racer_id, run.racer_id), []).append(
                RunLaps(run.run_id, run.seq, state.status, state.laps)
            )
    racers = [
        RacerRuns(racer_id, names.get(racer_id, racer_id), tuple(runs))
        for racer_id, runs in runs_by_racer.items()
    ]
    rows = []
    for standing in leaderboard(FASTEST, racers):
        best = standing.metric.laps[0] if standing.metric else None
        rows.append(
            {
                "rank": standing.rank,
                "racer_id": standing.racer_id,
                "alias": standing.name,
                "best_lap_ms": _ms(best.duration_ns if best else None),
                "track_id": track_of_run.get(best.run_id, "") if best else "",
                "gap_to_leader_ms": _ms(standing.gap_to_leader_ns),
                "valid_laps": standing.valid_laps,
                "laps": standing.laps,
                "runs": standing.runs,
            }
        )
    return {"event_id": event_id, "tracks": sorted(tracks), "rows": rows}


def round_leaderboards(store: SqlStore, event_id: str) -> list[dict[str, Any]]:
    """Each round of the event (any track) ranked in its own format (times in ms)."""
    names, live = _racer_names(store)
    rounds = []
    for info in store.list_rounds(event_id):
        by_racer: dict[str, list[RunLaps]] = {}
        for run in store.list_runs(info.round_id):
            state = run_state(store.load_log(run.run_id))
            by_racer.setdefault(live.get(run.racer_id, run.racer_id), []).append(
                RunLaps(run.run_id, run.seq, state.status, state.laps)
            )
        racers = [RacerRuns(r, names.get(r, r), tuple(runs)) for r, runs in by_racer.items()]
        rows = [
            {
                "rank": s.rank,
                "racer_id": s.racer_id,
                "alias": s.name,
                "result_ms": _ms(s.metric.value_ns if s.metric else None),
                "valid_laps": s.valid_laps,
                "runs": s.runs,
            }
            for s in leaderboard(info.format, racers)
        ]
        rounds.append(
            {
                "round_id": info.round_id,
                "track_id": info.track_id,
                "name": info.name,
                "format": info.format.label,
                "format_kind": str(info.format.kind),
                "format_laps": info.format.laps,
                "rows": rows,
            }
        )
    return rounds


class LeagueViews:
    """Cached event leaderboards; `changed(event_id)` drops an event's cached view. A merge
    or unmerge made through another league process (same database) drops them all: the
    merges' mark is read with every request (one small query)."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._cache: dict[str, dict[str, Any]] = {}
        self._versions: dict[str, int] = {}
        self._merge_mark: tuple[int, int] | None = None
        self._generation = 0  # bumped when every cached view is dropped

    def _check_merges(self) -> None:
        mark = self.store.merge_mark()
        with self._lock:
            if mark != self._merge_mark:
                self._merge_mark = mark
                self._cache.clear()
                self._generation += 1

    def changed(self, event_ids: tuple[str, ...]) -> None:
        with self._lock:
            for event_id in event_ids:
                self._cache.pop(event_id, None)
                self._versions[event_id] = self._versions.get(event_id, 0) + 1

    def leaderboard(self, event_id: str) -> dict[str, Any]:
        self._check_merges()
        with self._lock:
            cached = self._cache.get(event_id)
            version = self._versions.get(event_id, 0), self._generation
        if cached is not None:
            return cached
        view = event_leaderboard(self.store, event_id)
        with self._lock:
            if (self._versions.get(event_id, 0), self._generation) == version:  # not changed
                self._cache[event_id] = view
        return view
