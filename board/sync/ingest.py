"""The central side of the sync: a Socket.IO namespace that applies timers' deliveries.

Each timer connects with ``auth={"timer": id, "token": secret}``; the token is compared in
constant time with the one configured for that timer, and a wrong one is refused and
logged. A delivery (event ``upsert``) is a list of items, each applied on its own into the
central store and answered: applied, duplicate, or refused with the reason.

- **Ownership.** Every record (event, racer, round, run) belongs to the timer that first
  sent it (`sync_owners`). Another timer's write of it is refused, unless it is identical
  to the stored version (two tracks of one event share the event and the racer list: the
  second one's copy is a duplicate). A run may only be created in a round of the same
  timer, and only a run's owner appends to its log. Linking one person across venues is a
  league staff action (merge), never a timer's write. Records stored before owners were
  kept get theirs when the league starts (`board.sync.claims`); one still ownerless is
  claimed by the first timer that sends it again (a run or round: one serving its track).
- **Validation.** Every field's type and range is checked (`board.sync.wire`) before
  anything is written; an item that fails is refused with the reason.
- **Idempotence.** Records are upserts; a run is created only if absent; a run event is
  appended only as the run's next id; one already stored with the same payload is a
  duplicate; the same id with another payload is a conflict (refused). A refused event
  holds the later events of its run in the batch (a log has no gaps).

Every refusal is logged with the timer's id and kept in `sync_refusals` for the staff page;
the acknowledgement lists the refused items (index, kind, id, reason) and `applied` counts
the items before the first refused one (what older timers advance their watermarks over).
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import request
from flask_socketio import Namespace
from sqlalchemy.exc import SQLAlchemyError

from lapgate.board.domain import Racer, RunInfo
from lapgate.board.store.outbox import Outbox, append_delivered
from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger
from lapgate.board.sync import wire
from lapgate.board.sync.claims import track_may_claim
from lapgate.timer.errors import LapgateError, RuleViolation

log = logging.getLogger(__name__)
MAX_BATCH_ITEMS = 5000


class SyncConflict(LapgateError, ValueError):
    """A delivery contradicts what the central store holds (same id, other content), or
    writes a record another timer owns."""


@dataclass(frozen=True, slots=True)
class Refused:
    """One refused item of a batch, at `index`."""

    index: int
    kind: str
    record_id: str
    reason: str
    event_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "id": self.record_id,
            "event_id": self.event_id,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ApplyResult:
    applied: int  # items applied or duplicates before the first refused one
    duplicates: int
    refused: tuple[Refused, ...] = ()
    event_ids: tuple[str, ...] = ()  # events whose standings may have changed
    accepted: int = 0  # items applied or duplicates, in all

    @property
    def error(self) -> str:
        return self.refused[0].reason if self.refused else ""

    def reply(self) -> dict[str, Any]:
        return {
            "ok": not self.refused,
            "applied": self.applied,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "refused": [r.to_dict() for r in self.refused],
            "error": self.error,
        }


def refusal_reply(reason: str) -> dict[str, Any]:
    """The answer to a batch refused as a whole (its shape, or an unauthorized sender)."""
    return {
        "ok": False,
        "applied": 0,
        "accepted": 0,
        "duplicates": 0,
        "refused": [],
        "error": reason,
    }


def _kind_and_id(item: Any) -> tuple[str, str, int]:
    """An item's kind, record id and event id as far as they can be read (for answers)."""
    if not isinstance(item, dict):
        return "", "", 0
    kind, data = item.get("kind"), item.get("data")
    kind = kind if isinstance(kind, str) else ""
    if not isinstance(data, dict):
        return kind[:20], "", 0
    key = "run_id" if kind == wire.EVENT_KIND else "id"
    record_id = data.get(key)
    event_id = data.get("event_id") if kind == wire.EVENT_KIND else 0
    return (
        kind[:20],
        record_id[:64] if isinstance(record_id, str) else "",
        event_id if isinstance(event_id, int) and 0 < event_id <= wire.MAX_INT else 0,
    )


class Applier:
    """Applies timers' items into the central `store`, idempotently, each on its own."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.outbox = Outbox(store)
        self.ledger = SyncLedger(store)
        self._lock = threading.Lock()  # one writer: run event ids are checked then written
        self._round_event: dict[str, str] = {}
        self._round_track: dict[str, str] = {}
        self._run_round: dict[str, str] = {}

    def apply(self, timer_id: str, items: list[Any]) -> ApplyResult:
        """Apply `items` sent by `timer_id`; answer each: applied, duplicate or refused."""
        refused: list[Refused] = []
        accepted, duplicates, touched = 0, 0, set[str]()
        applied_ids: dict[str, list[str]] = {}
        with self._lock:
            for group in _groups(items):
                outcomes = self._apply_group_safely(timer_id, group)
                for (_, item), outcome in zip(group, outcomes, strict=True):
                    if isinstance(outcome, Refused):
                        refused.append(outcome)
                        continue
                    accepted += 1
                    duplicate, event_id = outcome
                    duplicates += int(duplicate)
                    if event_id:
                        touched.add(event_id)
                    kind, record_id, _ = _kind_and_id(item)
                    applied_ids.setdefault(kind, []).append(record_id)
            self._record(timer_id, refused, applied_ids)
        first = refused[0].index if refused else len(items)
        prefix = first - sum(1 for r in refused if r.index < first)
        return ApplyResult(prefix, duplicates, tuple(refused), tuple(sorted(touched)), accepted)

    def _record(
        self, timer_id: str, refused: list[Refused], applied_ids: dict[str, list[str]]
    ) -> None:
        """Log every refusal with the timer's id; keep the latest per record for staff."""
        for r in refused:
            log.warning(
                "sync: timer %r: refused %s %r: %s", timer_id, r.kind, r.record_id, r.reason
            )
        try:
            for r in refused:
                if r.kind in (*wire.RECORD_KINDS, wire.EVENT_KIND) and r.record_id:
                    self.ledger.refuse(
                        timer_id, r.kind, r.record_id, r.reason[:2000], event_id=r.event_id
                    )
            held = {r.record_id for r in refused}
            for kind, ids in applied_ids.items():
                self.ledger.clear(timer_id, kind, sorted(set(ids) - held))
        except SQLAlchemyError:  # the answer matters more than the staff page's list
            log.exception("sync: timer %r: could not record refusals", timer_id)

    def _apply_group_safely(
        self, timer_id: str, group: list[tuple[int, Any]]
    ) -> list[tuple[bool, str] | Refused]:
        """Outcomes of one group; never raises (an unexpected error refuses the group)."""
        try:
            if _kind_and_id(group[0][1])[0] == wire.EVENT_KIND:
                return self._apply_events(timer_id, group)
            return [self._apply_item(timer_id, group[0][1])]
        except (LapgateError, ValueError, TypeError, KeyError, SQLAlchemyError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a bug here must not leave the batch unanswered
            log.exception("sync: timer %r: unexpected error applying an item", timer_id)
            reason = f"internal error: {type(exc).__name__}"
        return [_refused(index, item, reason[:1000]) for index, item in group]

    def _apply_item(self, timer_id: str, item: Any) -> tuple[bool, str]:
        """Apply one record; (duplicate, event id whose standings may have changed)."""
        if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
            raise wire.WireError(
                "item: got {item!r:.60}, expected {{kind, data: {{...}}}}", item=item
            )
        kind, data = item.get("kind"), item["data"]
        if kind not in wire.RECORD_KINDS:
            raise wire.WireError(
                "item kind: got {kind!r:.30}, expected one of {kinds}",
                kind=kind,
                kinds=wire.RECORD_KINDS,
            )
        record = _FROM_WIRE[kind](data)
        record_id = str(data["id"])
        owner = self.ledger.owner(kind, record_id)
        if owner is None and kind == "round":
            self._check_unowned(timer_id, kind, record_id)
        if owner is not None and owner != timer_id:
            if self._stored_wire(kind, record_id) == _TO_WIRE[kind](record):
                return True, ""  # another track's identical copy (a shared event or racer)
            raise SyncConflict(
                "{kind} {record_id} belongs to timer {owner!r}; timer {timer_id!r} may not "
                "change it (staff link records across venues in the league)",
                kind=kind,
                record_id=record_id,
                owner=owner,
                timer_id=timer_id,
            )
        if kind == "run":
            result = self._apply_run(timer_id, data, unowned=owner is None)
        else:
            result = self._apply_record(kind, record)
        self.ledger.claim(kind, record_id, timer_id)
        return result

    def _check_unowned(
        self, timer_id: str, kind: str, record_id: str, run: RunInfo | None = None
    ) -> None:
        """A run or round stored before the league kept owners (migration 0007) and not
        claimed at start-up: only a timer serving its track may claim it by sending it."""
        if kind == "run":
            run = run or self.store.get_run(record_id)
            track_id = None if run is None else run.track_id or self._track_of_round(run.round_id)
        else:
            info = self.store.get_round(record_id)
            track_id = None if info is None else info.track_id
        if track_id is not None and not track_may_claim(timer_id, track_id):
            raise SyncConflict(
                "{kind} {record_id} was stored before the league kept owners and is raced on "
                "track {track_id!r}, which timer {timer_id!r} does not serve (league staff: "
                "lapgate league claim)",
                kind=kind,
                record_id=record_id,
                track_id=track_id,
                timer_id=timer_id,
            )

    def _apply_record(self, kind: str, record: Any) -> tuple[bool, str]:
        if kind == "event":
            self.store.save_event(record)
            return False, record.event_id
        if kind == "racer":
            self._apply_racer(record)
            return False, ""
        self.store.save_round(record)
        self._round_event[record.round_id] = record.event_id
        self._round_track[record.round_id] = record.track_id
        return False, record.event_id

    def _stored_wire(self, kind: str, record_id: str) -> dict[str, Any] | None:
        stored: Any = {
            "event": self.store.load_event,
            "racer": self.store.get_racer,
            "round": self.store.get_round,
            "run": self.store.get_run,
        }[kind](record_id)
        return None if stored is None else _TO_WIRE[kind](stored)

    def _apply_events(
        self, timer_id: str, group: list[tuple[int, Any]]
    ) -> list[tuple[bool, str] | Refused]:
        """Consecutive events of one run, in one transaction: the valid prefix is appended;
        the first refused event holds the rest of the run's events in this batch."""
        run_id = _kind_and_id(group[0][1])[1]
        owner = self.ledger.owner("run", run_id)
        if owner is None and self.store.get_run(run_id) is not None:
            self._check_unowned(timer_id, "run", run_id)  # raises: the group is refused
            owner = self.ledger.claim("run", run_id, timer_id)
        if owner is not None and owner != timer_id:
            reason = (
                f"run {run_id} belongs to timer {owner!r}; timer {timer_id!r} may not add "
                "to its log"
            )
            return [_refused(index, item, reason) for index, item in group]
        events: list[tuple[int, dict[str, Any]]] = []
        reason = ""
        for _, item in group:
            try:
                _, event_id, payload, _ = wire.check_run_event(item.get("data"))
            except wire.WireError as exc:
                reason = str(exc)
                break
            events.append((event_id, payload))
        outcome = append_delivered(self.store, run_id, events) if events else None
        accepted = outcome.accepted if outcome else 0
        reason = (outcome.error if outcome else "") or reason
        changed = outcome is not None and outcome.accepted > outcome.duplicates
        league_event = self._event_of_run(run_id) if changed else ""
        results: list[tuple[bool, str] | Refused] = []
        for n, (index, item) in enumerate(group):
            if n < accepted:
                duplicate = n < len(events) and self._was_duplicate(outcome, n)
                results.append((duplicate, league_event))
            elif n == accepted:
                results.append(_refused(index, item, reason or "refused"))
            else:
                first = _kind_and_id(group[accepted][1])[2]
                results.append(
                    _refused(index, item, f"held: event {first} of run {run_id} was refused")
                )
        return results

    @staticmethod
    def _was_duplicate(outcome: Any, n: int) -> bool:
        # append_delivered counts duplicates, not which; duplicates come first in a resend
        return bool(outcome is not None and n < outcome.duplicates)

    def _apply_racer(self, racer: Racer) -> None:
        """Upsert a racer. Two tracks may register one person under two ids with the same
        user id: the second keeps no user id here (logged) so its runs still sync; staff
        merge the two in the league store (`merge_racers`)."""
        try:
            self.store.save_racer(racer)
        except RuleViolation as exc:
            log.warning("sync: racer %s stored without its user id: %s", racer.racer_id, exc)
            self.store.save_racer(replace(racer, user_id=None))

    def _apply_run(self, timer_id: str, data: dict[str, Any], *, unowned: bool) -> tuple[bool, str]:
        run = wire.run_from_wire(data)
        if "track_id" not in data:  # from a timer older than a run's own track: its round's
            run = replace(run, track_id=self._track_of_round(run.round_id))
        stored = self.store.get_run(run.run_id)
        if stored is not None and unowned:
            self._check_unowned(timer_id, "run", run.run_id, stored)
        if stored is None:
            round_owner = self.ledger.owner("round", run.round_id)
            if round_owner not in (None, timer_id):
                raise SyncConflict(
                    "run {run_id}: round {round_id} belongs to timer {round_owner!r}; timer "
                    "{timer_id!r} may not add runs to it",
                    run_id=run.run_id,
                    round_id=run.round_id,
                    round_owner=round_owner,
                    timer_id=timer_id,
                )
            self.store.create_run(run)
        elif stored.clock_id != run.clock_id and not self.outbox.last_event_id(run.run_id):
            self.store.set_run_clock(run.run_id, run.clock_id)
        self._run_round[run.run_id] = run.round_id
        return stored is not None, self._event_of_round(run.round_id)

    def _event_of_round(self, round_id: str) -> str:
        if round_id not in self._round_event:
            self._load_rounds()
        return self._round_event.get(round_id, "")

    def _track_of_round(self, round_id: str) -> str:
        if round_id not in self._round_track:
            self._load_rounds()
        return self._round_track.get(round_id, "")

    def _load_rounds(self) -> None:
        for event in self.store.list_events():
            for info in self.store.list_rounds(event.event_id):
                self._round_event[info.round_id] = info.event_id
                self._round_track[info.round_id] = info.track_id

    def _event_of_run(self, run_id: str) -> str:
        round_id = self._run_round.get(run_id)
        if round_id is None:
            run = self.store.get_run(run_id)
            round_id = "" if run is None else run.round_id
            self._run_round[run_id] = round_id
        return self._event_of_round(round_id)


_FROM_WIRE: dict[str, Callable[[Any], Any]] = {
    "event": wire.event_from_wire,
    "racer": wire.racer_from_wire,
    "round": wire.round_from_wire,
    "run": wire.run_from_wire,
}
_TO_WIRE: dict[str, Callable[[Any], dict[str, Any]]] = {
    "event": wire.event_to_wire,
    "racer": wire.racer_to_wire,
    "round": wire.round_to_wire,
    "run": wire.run_to_wire,
}


def _refused(index: int, item: Any, reason: str) -> Refused:
    kind, record_id, event_id = _kind_and_id(item)
    return Refused(index, kind, record_id, reason, event_id)


def _groups(items: list[Any]) -> list[list[tuple[int, Any]]]:
    """(index, item) in delivery order, consecutive events of one run grouped (one
    transaction); anything else, well-formed or not, is a group of its own."""
    groups: list[list[tuple[int, Any]]] = []
    previous: tuple[str, str, int] | None = None
    for index, item in enumerate(items):
        kind, record_id, _ = current = _kind_and_id(item)
        same_run = (
            previous is not None
            and kind == previous[0] == wire.EVENT_KIND
            and record_id != ""
            and record_id == previous[1]
        )
        if same_run:
            groups[-1].append((index, item))
        else:
            groups.append([(index, item)])
        previous = current
    return groups


def token_ok(tokens: Mapping[str, str], timer_id: str, token: str) -> bool:
    """Constant-time check of `token` against the one configured for `timer_id`."""
    expected = tokens.get(timer_id, "")
    # compared even for an unknown timer, so the reply time does not tell which ids exist
    matched = hmac.compare_digest(expected.encode(), token.encode())
    return bool(expected) and matched


class IngestNamespace(Namespace):
    """The `/ingest` Socket.IO namespace: authenticated timers deliver `upsert` batches."""

    def __init__(
        self,
        applier: Applier,
        tokens: Mapping[str, str],
        on_applied: Callable[[ApplyResult], None] | None = None,
        on_contact: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__(wire.NAMESPACE)
        self.applier = applier
        self.tokens = dict(tokens)
        self.on_applied = on_applied
        self.on_contact = on_contact
        self.timers: dict[str, str] = {}  # sid → timer id

    def on_connect(self, auth: Any = None) -> None:
        sid: str = request.sid  # type: ignore[attr-defined]
        timer_id = str(auth.get("timer", "")) if isinstance(auth, dict) else ""
        token = str(auth.get("token", "")) if isinstance(auth, dict) else ""
        if not token_ok(self.tokens, timer_id, token):
            log.warning(
                "sync: refused timer %r from %s: wrong or missing token",
                timer_id[:100],
                request.remote_addr,
            )
            raise ConnectionRefusedError("unauthorized: wrong timer id or token")
        self.timers[sid] = timer_id
        log.info("sync: timer %r connected from %s", timer_id, request.remote_addr)

    def on_disconnect(self, reason: Any = None) -> None:
        self.timers.pop(request.sid, None)  # type: ignore[attr-defined]

    def on_upsert(self, batch: Any = None) -> dict[str, Any]:
        """Answer every batch: applied, duplicate or refused, item by item."""
        sid: str = request.sid  # type: ignore[attr-defined]
        timer_id = self.timers.get(sid)
        if timer_id is None:
            return refusal_reply("unauthorized: connect with a timer id and its token")
        items = batch.get("items") if isinstance(batch, dict) else None
        if not isinstance(items, list):
            log.warning(
                "sync: timer %r: refused a batch: %r is not {items: [...]}", timer_id, batch
            )
            return refusal_reply("batch: expected {items: [...]}")
        if len(items) > MAX_BATCH_ITEMS:
            return refusal_reply(
                f"batch: got {len(items)} items, expected at most {MAX_BATCH_ITEMS}"
            )
        try:
            result = self.applier.apply(timer_id, items)
        except Exception as exc:  # never leave a batch unanswered
            log.exception("sync: timer %r: a batch failed", timer_id)
            return refusal_reply(f"internal error: {type(exc).__name__}")
        if self.on_contact is not None:
            backlog = batch.get("backlog")
            self.on_contact(timer_id, backlog if isinstance(backlog, dict) else {})
        if self.on_applied is not None and result.accepted:
            self.on_applied(result)
        return result.reply()
