"""The sync outbox: watermarks of what a central store acknowledged (`sync_marks`).

The on-site tables are the durable queue: every run's log is keyed by (run id, event id)
and every record has a stable uuid, so the outbox only records how far the central service
acknowledged. `backlog_events` reads the run events beyond each run's watermark straight
from `run_events` (one query, ordered per run); records (events, rounds, racers, runs) are
compared by the digest of their wire form. The central side uses `stored_payload` and
`last_event_id` to apply deliveries idempotently.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import sessionmaker

from lapgate.board.store.models import RunEventRow, RunRow, SyncMarkRow
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import LapgateError

RUN_KIND = "run_log"


class PendingEvent(NamedTuple):
    run_id: str
    event_id: int
    payload: dict[str, Any]


class Outbox:
    """Watermark reads and writes on the database of `store`; each call is one transaction."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    def _pending_query(self) -> Any:
        mark = SyncMarkRow
        return (
            select(RunEventRow.run_id, RunEventRow.event_id, RunEventRow.payload)
            .outerjoin(
                mark,
                and_(mark.kind == RUN_KIND, mark.record_id == RunEventRow.run_id),
            )
            .where(RunEventRow.event_id > func.coalesce(mark.acked_event_id, 0))
        )

    def backlog_events(self, limit: int, skip_runs: Collection[str] = ()) -> list[PendingEvent]:
        """Up to `limit` unacknowledged run events, in (run id, event id) order, but none of
        the runs in `skip_runs` (held in quarantine)."""
        query = self._pending_query().order_by(RunEventRow.run_id, RunEventRow.event_id)
        if skip_runs:
            query = query.where(RunEventRow.run_id.not_in(list(skip_runs)))
        with self._sessions.begin() as s:
            rows = s.execute(query.limit(limit)).all()
        return [PendingEvent(r.run_id, int(r.event_id), dict(r.payload)) for r in rows]

    def backlog_count(self) -> int:
        """How many run events the central store has not acknowledged yet."""
        with self._sessions.begin() as s:
            return int(
                s.scalar(select(func.count()).select_from(self._pending_query().subquery())) or 0
            )

    def digests(self, kind: str) -> dict[str, str]:
        """Acknowledged digest per record id of `kind`."""
        with self._sessions.begin() as s:
            rows = s.execute(
                select(SyncMarkRow.record_id, SyncMarkRow.acked_digest).where(
                    SyncMarkRow.kind == kind
                )
            ).all()
        return {r.record_id: r.acked_digest for r in rows}

    def ack_records(self, kind: str, digests: Mapping[str, str]) -> None:
        """Record that the central store acknowledged these versions of `kind` records."""
        with self._sessions.begin() as s:
            for record_id, digest in digests.items():
                row = s.get(SyncMarkRow, (kind, record_id)) or SyncMarkRow(
                    kind=kind, record_id=record_id, acked_event_id=0
                )
                row.acked_digest = digest
                s.add(row)

    def ack_events(self, acked: Mapping[str, int]) -> None:
        """Raise each run's watermark to the acknowledged event id (never lowers it)."""
        with self._sessions.begin() as s:
            for run_id, event_id in acked.items():
                row = s.get(SyncMarkRow, (RUN_KIND, run_id)) or SyncMarkRow(
                    kind=RUN_KIND, record_id=run_id, acked_event_id=0, acked_digest=""
                )
                row.acked_event_id = max(row.acked_event_id or 0, event_id)
                s.add(row)

    def acked_event_id(self, run_id: str) -> int:
        with self._sessions.begin() as s:
            row = s.get(SyncMarkRow, (RUN_KIND, run_id))
            return 0 if row is None else int(row.acked_event_id)

    # the central side ---------------------------------------------------------------------

    def stored_payload(self, run_id: str, event_id: int) -> dict[str, Any] | None:
        """The stored payload of event `event_id` of run `run_id`, None if absent."""
        with self._sessions.begin() as s:
            row = s.get(RunEventRow, (run_id, event_id))
            return None if row is None else dict(row.payload)

    def last_event_id(self, run_id: str) -> int:
        with self._sessions.begin() as s:
            last = s.scalar(
                select(func.max(RunEventRow.event_id)).where(RunEventRow.run_id == run_id)
            )
            return int(last or 0)


class EventOutcome(NamedTuple):
    """How a run's delivered events were applied: how many in order were accepted (new or
    exact duplicates), how many of those were duplicates, and why the next was refused."""

    accepted: int
    duplicates: int
    error: str


def append_delivered(
    store: SqlStore, run_id: str, events: list[tuple[int, dict[str, Any]]]
) -> EventOutcome:
    """Apply delivered events of one run in one transaction, idempotently.

    An event id already stored with the same payload is a duplicate (skipped); with another
    payload it is a conflict (refused); a new one must be the run's next id. The accepted
    prefix is stored with the run's derived laps, rewritten once; the first refused event
    ends the batch and is named in `error`.
    """
    from lapgate.timer.events import event_from_dict, event_kind

    sessions = sessionmaker(store.engine, expire_on_commit=False)
    with sessions.begin() as s:
        run = s.get(RunRow, run_id, with_for_update=True)  # one writer per run at a time
        if run is None:
            return EventOutcome(0, 0, f"run id: got {run_id!r}, expected a known run")
        stored: dict[int, dict[str, Any]] = dict(
            s.execute(
                select(RunEventRow.event_id, RunEventRow.payload).where(
                    RunEventRow.run_id == run_id
                )
            ).all()
        )
        last = max(stored, default=0)
        accepted, duplicates, error = 0, 0, ""
        for event_id, payload in events:
            if event_id in stored:
                if stored[event_id] != payload:
                    error = (
                        f"run {run_id} event {event_id}: got payload {payload}, expected the "
                        f"stored {stored[event_id]}"
                    )
                    break
                duplicates += 1
            elif event_id == last + 1:
                try:
                    kind = event_kind(event_from_dict(payload))
                except LapgateError as exc:
                    error = f"run {run_id} event {event_id}: {exc}"
                    break
                s.add(RunEventRow(run_id=run_id, event_id=event_id, kind=kind, payload=payload))
                stored[event_id], last = payload, event_id
            else:
                error = f"event id for run {run_id}: got {event_id}, expected {last + 1}"
                break
            accepted += 1
        if accepted > duplicates:
            s.flush()
            store._write_laps(s, run)  # the store's own lap derivation, in this transaction
        return EventOutcome(accepted, duplicates, error)
