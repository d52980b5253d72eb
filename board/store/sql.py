"""`SqlStore`: the RaceStore on SQLAlchemy (SQLite by default, PostgreSQL for a central store).

Every method runs in its own transaction and returns `board.domain` records; no session or
ORM object leaves this package. `append_event` commits before it returns (SQLite runs with
`synchronous=FULL`), so an acknowledged event survives a crash; the run's derived laps are
rewritten in the same transaction from a replay of its log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lapgate.board.domain import (
    ALL_TRACKS,
    EventInfo,
    ModelCardRecord,
    QueueEntry,
    Racer,
    RoundInfo,
    RunInfo,
)
from lapgate.board.store.api import BracketRecord, ResultStore, StoreUnavailable
from lapgate.board.store.codec import json_document, run_config_from_dict, run_config_to_dict
from lapgate.board.store.engine import make_engine
from lapgate.board.store.migrate import upgrade
from lapgate.board.store.models import (
    BracketRow,
    EventRow,
    LapRow,
    ModelCardRow,
    QueueRow,
    RacerRow,
    RoundRow,
    RunEventRow,
    RunRow,
    SeasonRow,
    TrackRow,
)
from lapgate.board.store.racers import RacersRepo
from lapgate.board.store.results import ResultsRepo
from lapgate.board.store.teams import TeamsRepo
from lapgate.board.wallclock import WallClock, utc_now
from lapgate.timer.errors import RuleViolation, UnknownEvent
from lapgate.timer.events import RunEvent, event_from_dict, event_kind, event_to_dict
from lapgate.timer.formats import Format, FormatKind
from lapgate.timer.run import Lap, LoggedEvent, RunLog, run_state


class SqlStore(ResultsRepo, RacersRepo, TeamsRepo):
    """A RaceStore (and league results store) on the database at `url`.

    `migrate=True` (the default) upgrades the schema to the newest revision on open, so a
    fresh SQLite file is usable at once.
    """

    def __init__(self, url: str, *, migrate: bool = True, wall_clock: WallClock = utc_now) -> None:
        self.url = url
        self.wall_clock = wall_clock  # labels run events (`recorded_at`); never lap times
        self.engine = make_engine(url)
        if migrate:
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction; a database that cannot commit raises `StoreUnavailable`."""
        try:
            with self._sessions.begin() as session:
                yield session
        except IntegrityError:
            raise  # a broken rule of the schema: the caller's to explain
        except DBAPIError as exc:  # disk full, I/O error, database locked or gone
            raise StoreUnavailable(
                "the store cannot commit ({reason})", reason=_reason(exc)
            ) from exc

    # events, tracks and rounds -----------------------------------------------------------

    def ensure_season(self, session: Session, season: str) -> None:
        if session.get(SeasonRow, season) is None:
            session.add(SeasonRow(name=season))
            session.flush()

    def save_event(self, event: EventInfo) -> None:
        with self._tx() as s:
            self.ensure_season(s, event.season)
            row = s.get(EventRow, event.event_id) or EventRow(id=event.event_id)
            row.season, row.name, row.kind = event.season, event.name, event.kind
            row.date, row.venue, row.region = event.date, event.venue, event.region
            s.add(row)

    def load_event(self, event_id: str) -> EventInfo | None:
        with self._tx() as s:
            row = s.get(EventRow, event_id)
            return None if row is None else _event(row)

    def list_events(self) -> list[EventInfo]:
        with self._tx() as s:
            rows = s.scalars(select(EventRow).order_by(EventRow.season, EventRow.date))
            return [_event(row) for row in rows]

    def save_track(self, event_id: str, track_id: str, name: str = "") -> None:
        with self._tx() as s:
            self._ensure_track(s, event_id, track_id, name)

    def _ensure_track(self, s: Session, event_id: str, track_id: str, name: str = "") -> None:
        row = s.get(TrackRow, (event_id, track_id))
        if row is None:
            s.add(TrackRow(event_id=event_id, id=track_id, name=name or track_id))
        elif name:
            row.name = name
        s.flush()

    def save_round(self, round_info: RoundInfo) -> None:
        """Insert or update the round; a round on all tracks (`ALL_TRACKS`) names no track."""
        r = round_info
        state = json_document(r.state, f"round {r.name!r}: state")
        with self._tx() as s:
            if s.get(EventRow, r.event_id) is None:
                raise UnknownEvent(
                    "round {r_name!r}: event id {event_id!r} is not stored",
                    r_name=r.name,
                    event_id=r.event_id,
                )
            on_all_tracks = r.track_id == ALL_TRACKS
            if not on_all_tracks:
                self._ensure_track(s, r.event_id, r.track_id)
            row = s.get(RoundRow, r.round_id) or RoundRow(id=r.round_id)
            row.event_id, row.name, row.seq = r.event_id, r.name, r.seq
            row.track_id = None if on_all_tracks else r.track_id
            row.format_kind, row.format_laps = str(r.format.kind), r.format.laps
            row.run_config = run_config_to_dict(r.run_config)
            row.runs_per_racer, row.advancement = r.runs_per_racer, dict(r.advancement)
            row.kind, row.status, row.state = r.kind, r.status, state
            s.add(row)

    def list_rounds(self, event_id: str) -> list[RoundInfo]:
        with self._tx() as s:
            rows = s.scalars(
                select(RoundRow).where(RoundRow.event_id == event_id).order_by(RoundRow.seq)
            )
            return [_round(row) for row in rows]

    def get_round(self, round_id: str) -> RoundInfo | None:
        with self._tx() as s:
            row = s.get(RoundRow, round_id)
            return None if row is None else _round(row)

    # racers -------------------------------------------------------------------------------

    def save_racer(self, racer: Racer) -> None:
        with self._tx() as s:
            row = s.get(RacerRow, racer.racer_id) or RacerRow(id=racer.racer_id)
            row.alias, row.user_id = racer.alias, racer.user_id
            row.country, row.region = racer.country, racer.region
            s.add(row)
            try:
                s.flush()
            except IntegrityError:
                raise RuleViolation(
                    "racer {alias!r}: user id {user_id!r} belongs to another racer; expected a "
                    "new user id (merge the racers instead)",
                    alias=racer.alias,
                    user_id=racer.user_id,
                ) from None

    def get_racer(self, racer_id: str) -> Racer | None:
        with self._tx() as s:
            row = s.get(RacerRow, racer_id)
            return None if row is None else _racer(row)

    def list_racers(self) -> list[Racer]:
        with self._tx() as s:
            rows = s.scalars(
                select(RacerRow).where(RacerRow.merged_into_id.is_(None)).order_by(RacerRow.alias)
            )
            return [_racer(row) for row in rows]

    # runs and their logs ------------------------------------------------------------------

    def create_run(self, run: RunInfo) -> None:
        try:
            with self._tx() as s:
                if s.get(RunRow, run.run_id) is not None:
                    raise RuleViolation(
                        "run id: got {run_id!r}, expected a new id", run_id=run.run_id
                    )
                s.add(
                    RunRow(
                        id=run.run_id,
                        round_id=run.round_id,
                        racer_id=run.racer_id,
                        seq=run.seq,
                        config=run_config_to_dict(run.config),
                        car=run.car,
                        model_name=run.model_name,
                        model_meta=dict(run.model_meta),
                        proxy=run.proxy,
                        transponder=run.transponder,
                        clock_id=run.clock_id,
                        track_id=run.track_id,
                        raced_by_id=run.raced_by,
                    )
                )
        except IntegrityError as exc:
            raise RuleViolation(
                "run {run_id!r}: round {round_id!r} or racer {racer_id!r} is not stored ({orig})",
                run_id=run.run_id,
                round_id=run.round_id,
                racer_id=run.racer_id,
                orig=exc.orig,
            ) from None

    def list_runs(self, round_id: str) -> list[RunInfo]:
        with self._tx() as s:
            rows = s.scalars(select(RunRow).where(RunRow.round_id == round_id).order_by(RunRow.seq))
            return [_run(row) for row in rows]

    def get_run(self, run_id: str) -> RunInfo | None:
        with self._tx() as s:
            row = s.get(RunRow, run_id)
            return None if row is None else _run(row)

    def append_event(
        self, run_id: str, event_id: int, event: RunEvent, laps: tuple[Lap, ...] | None = None
    ) -> None:
        """Persist event `event_id` of run `run_id` and its derived laps; durable on return.

        Given `laps` (the caller's fold of the log with this event), they are stored as they
        are; without, the log is read back and replayed inside the transaction.
        """
        try:
            with self._tx() as s:
                run = s.get(RunRow, run_id)
                if run is None:
                    raise UnknownEvent(
                        "run id: got {run_id!r}, expected a known run", run_id=run_id
                    )
                last = s.scalar(
                    select(func.max(RunEventRow.event_id)).where(RunEventRow.run_id == run_id)
                )
                expected = (last or 0) + 1
                if event_id != expected:
                    raise RuleViolation(
                        "event id for run {run_id}: got {event_id}, expected {expected}",
                        run_id=run_id,
                        event_id=event_id,
                        expected=expected,
                    )
                s.add(
                    RunEventRow(
                        run_id=run_id,
                        event_id=event_id,
                        kind=event_kind(event),
                        payload=event_to_dict(event),
                        recorded_at=self.wall_clock(),
                    )
                )
                s.flush()
                self._write_laps(s, run, laps)
        except IntegrityError:
            raise RuleViolation(
                "event id for run {run_id}: got {event_id}, which another writer stored first",
                run_id=run_id,
                event_id=event_id,
            ) from None

    def _write_laps(self, s: Session, run: RunRow, laps: tuple[Lap, ...] | None = None) -> None:
        if laps is None:
            laps = run_state(self._log(s, run)).laps
        s.execute(delete(LapRow).where(LapRow.run_id == run.id))
        if laps:
            s.execute(
                insert(LapRow),
                [
                    {
                        "run_id": run.id,
                        "number": lap.number,
                        "start_ns": lap.start_ns,
                        "end_ns": lap.end_ns,
                        "duration_ns": lap.duration_ns,
                        "resets": lap.resets,
                        "valid": lap.valid,
                        "source": str(lap.end_source),
                        "end_event_id": lap.end_event_id,
                    }
                    for lap in laps
                ],
            )

    def _log(self, s: Session, run: RunRow) -> RunLog:
        rows = s.scalars(
            select(RunEventRow).where(RunEventRow.run_id == run.id).order_by(RunEventRow.event_id)
        )
        entries = tuple(LoggedEvent(row.event_id, event_from_dict(row.payload)) for row in rows)
        return RunLog(run_config_from_dict(run.config), entries)

    def latest_recorded_at(self) -> dt.datetime | None:
        """The wall-clock time (naive UTC) the newest run event was stored; None if none."""
        with self._tx() as s:
            return s.scalar(select(func.max(RunEventRow.recorded_at)))

    def load_log(self, run_id: str) -> RunLog:
        with self._tx() as s:
            run = s.get(RunRow, run_id)
            if run is None:
                raise UnknownEvent("run id: got {run_id!r}, expected a known run", run_id=run_id)
            return self._log(s, run)

    def set_run_clock(self, run_id: str, clock_id: str) -> None:
        with self._tx() as s:
            run = s.get(RunRow, run_id)
            if run is None:
                raise UnknownEvent("run id: got {run_id!r}, expected a known run", run_id=run_id)
            held = s.scalar(select(func.count()).where(RunEventRow.run_id == run_id)) or 0
            if held:
                raise RuleViolation(
                    "run {run_id}: has {held} events; its clock cannot change",
                    run_id=run_id,
                    held=held,
                )
            run.clock_id = clock_id

    def delete_empty_run(self, run_id: str) -> None:
        with self._tx() as s:
            run = s.get(RunRow, run_id)
            if run is None:
                raise UnknownEvent("run id: got {run_id!r}, expected a known run", run_id=run_id)
            held = s.scalar(select(func.count()).where(RunEventRow.run_id == run_id)) or 0
            if held:
                raise RuleViolation(
                    "run {run_id}: has {held} events; it cannot be deleted",
                    run_id=run_id,
                    held=held,
                )
            s.delete(run)

    def stored_lap_count(self, run_id: str) -> int:
        """How many derived laps are stored for the run (a check for tests and exports)."""
        with self._tx() as s:
            return s.scalar(select(func.count()).where(LapRow.run_id == run_id)) or 0

    # the queue ----------------------------------------------------------------------------

    def save_queue(self, round_id: str, entries: list[QueueEntry]) -> None:
        """Replace the round's queue, every track's at once; positions are kept as given."""
        with self._tx() as s:
            s.execute(delete(QueueRow).where(QueueRow.round_id == round_id))
            for e in entries:
                s.add(
                    QueueRow(
                        id=e.entry_id,
                        round_id=round_id,
                        racer_id=e.racer_id,
                        position=e.position,
                        car=e.car,
                        model_name=e.model_name,
                        track_id=e.track_id,
                        raced_by_id=e.raced_by,
                    )
                )

    def load_queue(self, round_id: str) -> list[QueueEntry]:
        """The round's queue ordered by track, then position within the track."""
        with self._tx() as s:
            rows = s.scalars(
                select(QueueRow)
                .where(QueueRow.round_id == round_id)
                .order_by(QueueRow.track_id, QueueRow.position, QueueRow.id)
            )
            return [
                QueueEntry(
                    r.id,
                    r.round_id,
                    r.racer_id,
                    r.position,
                    r.car,
                    r.model_name,
                    r.track_id,
                    r.raced_by_id,
                )
                for r in rows
            ]

    # head-to-head brackets ----------------------------------------------------------------

    def save_bracket(self, bracket_id: str, round_id: str, payload: dict[str, Any]) -> None:
        with self._tx() as s:
            if s.get(RoundRow, round_id) is None:
                raise UnknownEvent(
                    "bracket {bracket_id}: round id {round_id!r} is not stored",
                    bracket_id=bracket_id,
                    round_id=round_id,
                )
            row = s.get(BracketRow, bracket_id) or BracketRow(id=bracket_id)
            row.round_id, row.payload = round_id, dict(payload)
            s.add(row)

    def load_brackets(self) -> list[BracketRecord]:
        with self._tx() as s:
            rows = s.scalars(select(BracketRow).order_by(BracketRow.id))
            return [BracketRecord(r.id, r.round_id, dict(r.payload)) for r in rows]

    # model cards ----------------------------------------------------------------------------

    def save_model_card(self, card: ModelCardRecord) -> None:
        with self._tx() as s:
            if s.get(RacerRow, card.racer_id) is None:
                raise UnknownEvent(
                    "model card {card_name!r}: racer id {racer_id!r} is unknown",
                    card_name=card.name,
                    racer_id=card.racer_id,
                )
            key = card.name.casefold()
            row = s.scalars(
                select(ModelCardRow).where(
                    ModelCardRow.racer_id == card.racer_id, ModelCardRow.name_key == key
                )
            ).one_or_none() or ModelCardRow(id=card.card_id, racer_id=card.racer_id)
            row.name, row.name_key = card.name, key
            row.document, row.submitted_at = dict(card.document), card.submitted_at
            s.add(row)

    def list_model_cards(self) -> list[ModelCardRecord]:
        with self._tx() as s:
            rows = s.scalars(select(ModelCardRow).order_by(ModelCardRow.submitted_at))
            return [
                ModelCardRecord(r.id, r.racer_id, r.name, dict(r.document), _aware(r.submitted_at))
                for r in rows
            ]


def _aware(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC with its zone (SQLite hands back naive datetimes)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _reason(exc: DBAPIError) -> str:
    """The database's own words for a failure, e.g. 'database or disk is full'."""
    return str(exc.orig or exc).splitlines()[0][:200]


def _event(row: EventRow) -> EventInfo:
    return EventInfo(row.id, row.season, row.name, row.kind, row.date, row.venue, row.region)


def _round(row: RoundRow) -> RoundInfo:
    return RoundInfo(
        round_id=row.id,
        event_id=row.event_id,
        track_id=ALL_TRACKS if row.track_id is None else row.track_id,
        name=row.name,
        seq=row.seq,
        format=Format(FormatKind(row.format_kind), row.format_laps),
        run_config=run_config_from_dict(row.run_config),
        runs_per_racer=row.runs_per_racer,
        advancement=dict(row.advancement),
        kind=row.kind,
        status=row.status,
        state=dict(row.state),
    )


def _racer(row: RacerRow) -> Racer:
    return Racer(row.id, row.alias, row.user_id, row.country, row.region)


def _run(row: RunRow) -> RunInfo:
    return RunInfo(
        run_id=row.id,
        round_id=row.round_id,
        racer_id=row.racer_id,
        seq=row.seq,
        config=run_config_from_dict(row.config),
        car=row.car,
        model_name=row.model_name,
        model_meta=dict(row.model_meta),
        proxy=row.proxy,
        transponder=row.transponder,
        clock_id=row.clock_id,
        track_id=row.track_id,
        raced_by=row.raced_by_id,
    )


def _conforms(store: SqlStore) -> ResultStore:
    """mypy checks here that SqlStore implements RaceStore and ResultStore."""
    return store
