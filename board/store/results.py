"""The league side of the store: imported race results and racer identity.

`ResultsRepo` is mixed into `SqlStore` (racer identity is in `board.store.racers`).
Imports are idempotent: a race is keyed by
(season, source id), and importing it again replaces its results in one transaction.
Racers are matched by user id where the race has one, else by alias among racers without
a user id; every alias seen is kept with the race time it was seen at, and the racer's
current alias is the most recently seen one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from lapgate.board.domain import new_id
from lapgate.board.league.model import (
    ImportProblem,
    ImportRow,
    ImportSummary,
    Race,
    RaceMeta,
    RaceResult,
)
from lapgate.board.store.models import (
    AliasRow,
    EventRow,
    RacerRow,
    ResultRow,
    SeasonRow,
)

CHUNK = 900
# Core tables for bulk statements (executemany without the ORM's per-row bookkeeping)
RACERS: Table = RacerRow.__table__  # type: ignore[assignment]
ALIASES: Table = AliasRow.__table__  # type: ignore[assignment]
RESULTS: Table = ResultRow.__table__  # type: ignore[assignment]
_RESULT_COLUMNS = (
    "racer_id",
    "alias",
    "rank",
    "ranking_time_ms",
    "best_lap_ms",
    "avg_lap_ms",
    "total_lap_ms",
    "lap_count",
    "reset_count",
    "submission_count",
    "extra",
)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class ResultsRepo:
    """Results and racers; needs `_tx()` and `ensure_season()` from the store."""

    def _tx(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def ensure_season(self, session: Session, season: str) -> None:
        raise NotImplementedError

    # imports ------------------------------------------------------------------------------

    def import_race(
        self, meta: RaceMeta, rows: Sequence[ImportRow], source_name: str = ""
    ) -> ImportSummary:
        """Store `rows` as the results of race `meta`, replacing an earlier import of it."""
        source_name = source_name or meta.source_id
        with self._tx() as s:
            self.ensure_season(s, meta.season)
            event, replaced = _event_for(s, meta)
            resolved, problems = _resolve_racers(s, rows, source_name)
            new_racers = sum(1 for _, _, is_new in resolved if is_new)
            _record_aliases(s, [(racer_id, row.alias) for row, racer_id, _ in resolved], meta)
            if resolved:
                s.execute(
                    insert(RESULTS),
                    [_result_dict(event.id, racer_id, row) for row, racer_id, _ in resolved],
                )
        return ImportSummary(event.id, len(resolved), replaced, new_racers, tuple(problems))

    def find_event_id(self, season: str, source_id: str) -> str | None:
        with self._tx() as s:
            return s.scalar(
                select(EventRow.id).where(
                    EventRow.season == season, EventRow.source_id == source_id
                )
            )

    def event_meta(self, event_id: str) -> RaceMeta | None:
        with self._tx() as s:
            row = s.get(EventRow, event_id)
            return None if row is None else _meta(row)

    def list_seasons(self) -> list[str]:
        with self._tx() as s:
            return list(s.scalars(select(SeasonRow.name).order_by(SeasonRow.name)))

    def season_events(self, season: str) -> list[tuple[str, RaceMeta]]:
        """(event id, meta) of every event of the season, by launch time then name."""
        with self._tx() as s:
            rows = s.scalars(select(EventRow).where(EventRow.season == season))
            found = [(row.id, _meta(row)) for row in rows]
        return sorted(found, key=lambda item: (item[1].launch_time_ms or 0, item[1].name))

    def imported_races(
        self, season: str, event_ids: Iterable[str] | None = None, details: bool = True
    ) -> list[Race]:
        """The season's races that hold imported results, results in rank order.

        `details=False` loads only what standings need (rank, ranking time, alias, ids)."""
        wanted = None if event_ids is None else set(event_ids)
        with self._tx() as s:
            metas = {
                row.id: _meta(row)
                for row in s.scalars(select(EventRow).where(EventRow.season == season))
                if wanted is None or row.id in wanted
            }
            names = _RESULT_COLUMNS if details else _RESULT_COLUMNS[:4]
            columns = [RESULTS.c[name] for name in names]
            query = (
                select(RESULTS.c.event_id, RACERS.c.user_id, *columns)
                .join(RACERS, RACERS.c.id == RESULTS.c.racer_id)
                .where(RESULTS.c.event_id.in_(list(metas)))
            )
            by_event: dict[str, list[RaceResult]] = {event_id: [] for event_id in metas}
            for row in s.execute(query).all():
                by_event[row[0]].append(_result_of(row, details))
        races = []
        for event_id, results in by_event.items():
            if not results:
                continue
            results.sort(key=lambda r: (r.rank is None, r.rank or 0, r.alias.casefold()))
            races.append(Race(event_id, metas[event_id], tuple(results)))
        races.sort(key=lambda r: (r.meta.launch_time_ms or 0, r.meta.name, r.event_id))
        return races


def _result_of(row: Any, details: bool) -> RaceResult:
    """A RaceResult from (event_id, user_id, *_RESULT_COLUMNS[: 4 or all])."""
    if not details:
        return RaceResult(row[2], row[3], row[1], row[4], row[5])
    (racer_id, alias, rank, time_ms, best, avg, total, laps, resets, submissions, extra) = row[2:]
    return RaceResult(
        racer_id, alias, row[1], rank, time_ms, best, avg, total, laps, resets, submissions,
        dict(extra or {}),
    )  # fmt: skip


def _event_for(s: Session, meta: RaceMeta) -> tuple[EventRow, int]:
    """The event row for `meta` (created or updated) and how many old results it dropped."""
    event = s.scalar(
        select(EventRow).where(EventRow.season == meta.season, EventRow.source_id == meta.source_id)
    )
    replaced = 0
    if event is None:
        event = EventRow(id=new_id(), season=meta.season, source_id=meta.source_id)
        s.add(event)
    else:
        replaced = s.scalar(select(func.count()).where(ResultRow.event_id == event.id)) or 0
        s.execute(delete(ResultRow).where(ResultRow.event_id == event.id))
    event.name, event.kind, event.date = meta.name, meta.kind, meta.date
    event.race_type, event.division, event.region = meta.race_type, meta.division, meta.region
    event.launch_time_ms, event.venue = meta.launch_time_ms, ""
    s.flush()
    return event, replaced


def _resolve_racers(
    s: Session, rows: Sequence[ImportRow], source_name: str
) -> tuple[list[tuple[ImportRow, str, bool]], list[ImportProblem]]:
    """Each row with its racer id (True when the racer is new); duplicates are problems."""
    user_ids = sorted({row.user_id for row in rows if row.user_id})
    by_user: dict[str, str] = {}
    for chunk in _chunks(user_ids):
        query = select(RacerRow.user_id, RacerRow.id).where(RacerRow.user_id.in_(chunk))
        by_user.update({u: i for u, i in s.execute(query) if u})
    aliases = sorted({row.alias.casefold() for row in rows if not row.user_id})
    by_alias: dict[str, str] = {}
    for chunk in _chunks(aliases):
        query = select(RacerRow.alias, RacerRow.id).where(
            RacerRow.user_id.is_(None),
            RacerRow.merged_into_id.is_(None),
            func.lower(RacerRow.alias).in_(chunk),
        )
        by_alias.update({a.casefold(): i for a, i in s.execute(query)})
    resolved: list[tuple[ImportRow, str, bool]] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    new_rows: list[dict[str, Any]] = []
    for row in rows:
        known = by_user.get(row.user_id) if row.user_id else by_alias.get(row.alias.casefold())
        racer_id = known or new_id()
        if racer_id in seen:
            who = f"user id {row.user_id!r}" if row.user_id else f"alias {row.alias!r}"
            problems.append(
                ImportProblem(source_name, row.line, f"{who} repeats line {seen[racer_id]}")
            )
            continue
        seen[racer_id] = row.line
        if known is None:
            new_rows.append(
                {"id": racer_id, "alias": row.alias, "user_id": row.user_id or None,
                 "country": row.country, "region": "", "merged_into_id": None}
            )  # fmt: skip
            if row.user_id:
                by_user[row.user_id] = racer_id
            else:
                by_alias[row.alias.casefold()] = racer_id
        resolved.append((row, racer_id, known is None))
    if new_rows:
        s.execute(insert(RACERS), new_rows)
    return resolved, problems


def _record_aliases(s: Session, pairs: list[tuple[str, str]], meta: RaceMeta) -> None:
    """Remember each (racer, alias) with this race's time; update current aliases."""
    seen_ms = meta.launch_time_ms or 0
    racer_ids = sorted({racer_id for racer_id, _ in pairs})
    existing: dict[tuple[str, str], tuple[int, int]] = {}
    latest: dict[str, int] = {}
    current: dict[str, str] = {}
    for chunk in _chunks(racer_ids):
        query = select(ALIASES.c.racer_id, ALIASES.c.alias, ALIASES.c.id, ALIASES.c.seen_ms)
        for racer_id, alias, alias_id, alias_seen in s.execute(
            query.where(ALIASES.c.racer_id.in_(chunk))
        ):
            existing[(racer_id, alias)] = (alias_id, alias_seen)
            latest[racer_id] = max(latest.get(racer_id, -1), alias_seen)
        names = select(RACERS.c.id, RACERS.c.alias).where(RACERS.c.id.in_(chunk))
        current.update({str(row[0]): str(row[1]) for row in s.execute(names)})
    inserts, bumps, renames = [], [], []
    for racer_id, alias in pairs:
        found = existing.get((racer_id, alias))
        if found is None:
            inserts.append({"racer_id": racer_id, "alias": alias, "seen_ms": seen_ms})
        elif found[1] < seen_ms:
            bumps.append({"b_id": found[0], "b_seen": seen_ms})
        if seen_ms >= latest.get(racer_id, -1) and current.get(racer_id) != alias:
            renames.append({"b_id": racer_id, "b_alias": alias})
    if inserts:
        s.execute(insert(ALIASES), inserts)
    if bumps:
        s.execute(
            update(ALIASES)
            .where(ALIASES.c.id == bindparam("b_id"))
            .values(seen_ms=bindparam("b_seen")),
            bumps,
        )
    if renames:
        s.execute(
            update(RACERS)
            .where(RACERS.c.id == bindparam("b_id"))
            .values(alias=bindparam("b_alias")),
            renames,
        )


def _result_dict(event_id: str, racer_id: str, row: ImportRow) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "racer_id": racer_id,
        "alias": row.alias,
        "rank": row.rank,
        "ranking_time_ms": row.ranking_time_ms,
        "best_lap_ms": row.best_lap_ms,
        "avg_lap_ms": row.avg_lap_ms,
        "total_lap_ms": row.total_lap_ms,
        "lap_count": row.lap_count,
        "reset_count": row.reset_count,
        "submission_count": row.submission_count,
        "extra": dict(row.extra),
        "note": "",
    }


def _meta(row: EventRow) -> RaceMeta:
    return RaceMeta(
        season=row.season,
        name=row.name,
        source_id=row.source_id or "",
        kind=row.kind,
        date=row.date,
        race_type=row.race_type,
        division=row.division,
        launch_time_ms=row.launch_time_ms,
        region=row.region,
    )
