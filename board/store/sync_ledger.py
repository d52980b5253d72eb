"""Who owns each synced record, and which records the sync refused (`sync_owners`,
`sync_refusals`).

The central league keeps the owner of every record a timer sent (the timer that created
it) and the latest refusal per (timer, kind, record) for its staff page. A venue keeps its
quarantine in the same refusals table under its own timer id: a refused record is not sent
again while its digest is the refused one.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from lapgate.board.store.models import SyncOwnerRow, SyncRefusalRow
from lapgate.board.store.sql import SqlStore


class Refusal(NamedTuple):
    """A refused record: `event_id` > 0 for a run's log (held from that event on)."""

    timer_id: str
    kind: str
    record_id: str
    event_id: int
    digest: str
    reason: str
    refused_at: dt.datetime

    def to_dict(self) -> dict[str, object]:
        return {
            "timer_id": self.timer_id,
            "kind": self.kind,
            "id": self.record_id,
            "event_id": self.event_id,
            "reason": self.reason,
            "refused_at": self.refused_at.replace(tzinfo=dt.UTC).isoformat(),
        }


class SyncLedger:
    """Owner and refusal reads and writes on the database of `store`; each call is one
    transaction."""

    def __init__(self, store: SqlStore) -> None:
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    # owners (the central league) ----------------------------------------------------------

    def owner(self, kind: str, record_id: str) -> str | None:
        with self._sessions.begin() as s:
            row = s.get(SyncOwnerRow, (kind, record_id))
            return None if row is None else row.timer_id

    def claim(self, kind: str, record_id: str, timer_id: str) -> str:
        """Make `timer_id` the owner unless the record has one; return the owner."""
        try:
            with self._sessions.begin() as s:
                row = s.get(SyncOwnerRow, (kind, record_id))
                if row is not None:
                    return row.timer_id
                s.add(SyncOwnerRow(kind=kind, record_id=record_id, timer_id=timer_id))
            return timer_id
        except IntegrityError:  # another league process claimed it first
            return self.owner(kind, record_id) or ""

    def owners(self) -> dict[str, int]:
        """How many records each timer owns."""
        counts: dict[str, int] = {}
        with self._sessions.begin() as s:
            for timer_id in s.scalars(select(SyncOwnerRow.timer_id)):
                counts[timer_id] = counts.get(timer_id, 0) + 1
        return counts

    # refusals (both sides) ----------------------------------------------------------------

    def refuse(
        self,
        timer_id: str,
        kind: str,
        record_id: str,
        reason: str,
        *,
        digest: str = "",
        event_id: int = 0,
    ) -> None:
        with self._sessions.begin() as s:
            row = s.get(SyncRefusalRow, (timer_id, kind, record_id)) or SyncRefusalRow(
                timer_id=timer_id, kind=kind, record_id=record_id
            )
            row.event_id, row.digest, row.reason = event_id, digest, reason
            row.refused_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            s.add(row)

    def clear(self, timer_id: str, kind: str, record_ids: list[str]) -> None:
        """Forget refusals of these records (they were applied since)."""
        if not record_ids:
            return
        with self._sessions.begin() as s:
            s.execute(
                delete(SyncRefusalRow).where(
                    SyncRefusalRow.timer_id == timer_id,
                    SyncRefusalRow.kind == kind,
                    SyncRefusalRow.record_id.in_(record_ids),
                )
            )

    def refusals(self, timer_id: str | None = None) -> list[Refusal]:
        query = select(SyncRefusalRow).order_by(SyncRefusalRow.refused_at.desc())
        if timer_id is not None:
            query = query.where(SyncRefusalRow.timer_id == timer_id)
        with self._sessions.begin() as s:
            return [
                Refusal(
                    r.timer_id,
                    r.kind,
                    r.record_id,
                    r.event_id,
                    r.digest,
                    r.reason,
                    r.refused_at,
                )
                for r in s.scalars(query)
            ]
