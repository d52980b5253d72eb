"""Who owns each synced record, which records the sync refused, and when the league last
heard from each timer (`sync_owners`, `sync_refusals`, `sync_contacts`).

The central league keeps the owner of every record a timer sent (the timer that created
it), the latest refusal per (timer, kind, record) and each timer's last contact and
reported backlog, for its staff page: all in the database, so every league process (and
a restarted one) shows the same. A venue keeps its
quarantine in the same refusals table under its own timer id: a refused record is not sent
again while its digest is the refused one.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from lapgate.board.store.models import SyncContactRow, SyncOwnerRow, SyncRefusalRow
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


class Contact(NamedTuple):
    """A timer's last delivery: when (naive UTC) and the backlog it reported then."""

    timer_id: str
    last_contact_at: dt.datetime
    backlog_records: int | None
    backlog_events: int | None

    def to_dict(self) -> dict[str, object]:
        return {
            "last_contact_s": self.last_contact_at.replace(tzinfo=dt.UTC).timestamp(),
            "backlog_records": self.backlog_records,
            "backlog_events": self.backlog_events,
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

    def owned(self, kind: str) -> dict[str, str]:
        """The owner of every owned record of `kind`, by record id."""
        with self._sessions.begin() as s:
            return dict(
                s.execute(
                    select(SyncOwnerRow.record_id, SyncOwnerRow.timer_id).where(
                        SyncOwnerRow.kind == kind
                    )
                ).all()
            )

    def owners(self) -> dict[str, int]:
        """How many records each timer owns."""
        counts: dict[str, int] = {}
        with self._sessions.begin() as s:
            for timer_id in s.scalars(select(SyncOwnerRow.timer_id)):
                counts[timer_id] = counts.get(timer_id, 0) + 1
        return counts

    # contacts (the central league) --------------------------------------------------------

    def contact(
        self, timer_id: str, backlog_records: int | None, backlog_events: int | None
    ) -> None:
        """Record that `timer_id` delivered a batch now, reporting this backlog."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for _ in range(2):  # two league processes may insert a timer's first row at once
            try:
                with self._sessions.begin() as s:
                    row = s.get(SyncContactRow, timer_id) or SyncContactRow(timer_id=timer_id)
                    row.last_contact_at = now
                    row.backlog_records, row.backlog_events = backlog_records, backlog_events
                    s.add(row)
                return
            except IntegrityError:
                continue

    def contacts(self) -> dict[str, Contact]:
        """Every timer's last contact, by timer id."""
        with self._sessions.begin() as s:
            return {
                r.timer_id: Contact(
                    r.timer_id, r.last_contact_at, r.backlog_records, r.backlog_events
                )
                for r in s.scalars(select(SyncContactRow))
            }

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
