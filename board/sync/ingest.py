"""The central side of the sync: a Socket.IO namespace that applies timers' deliveries.

Each timer connects with ``auth={"timer": id, "token": secret}``; the token is compared in
constant time with the one configured for that timer, and a wrong one is refused and
logged. A delivery (event ``upsert``) is a list of items applied in order into the central
store; the acknowledgement says how many were applied, so the pusher advances its
watermarks only over what is stored. Delivery is at-least-once, the effect exactly once:
records are upserts, a run is created only if absent, and a run event is appended only as
the run's next id; an event already stored with the same payload is a duplicate (counted,
ignored); a different payload under a stored id is a conflict, refused loudly.
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

from lapgate.board.domain import Racer
from lapgate.board.store.outbox import Outbox, append_delivered
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync import wire
from lapgate.timer.errors import LapgateError, RuleViolation

log = logging.getLogger(__name__)


class SyncConflict(LapgateError, ValueError):
    """A delivery contradicts what the central store holds (same id, other content)."""


@dataclass(frozen=True, slots=True)
class ApplyResult:
    applied: int  # items applied or recognised as duplicates, from the batch's start
    duplicates: int
    error: str = ""
    event_ids: tuple[str, ...] = ()  # events whose standings may have changed

    def reply(self) -> dict[str, Any]:
        return {
            "ok": not self.error,
            "applied": self.applied,
            "duplicates": self.duplicates,
            "error": self.error,
        }


class Applier:
    """Applies wire items into the central `store`, idempotently, one item at a time."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.outbox = Outbox(store)
        self._lock = threading.Lock()  # one writer: run event ids are checked then written
        self._round_event: dict[str, str] = {}
        self._round_track: dict[str, str] = {}
        self._run_round: dict[str, str] = {}
        self._last_error = ""

    def apply(self, items: list[dict[str, Any]]) -> ApplyResult:
        """Apply `items` in order; stop at the first refused one (named in the error)."""
        done, duplicates, touched = 0, 0, set[str]()
        with self._lock:
            for group in _groups(items):
                try:
                    applied, dup, event_id = self._apply_group(group)
                except (LapgateError, KeyError, ValueError, TypeError) as exc:
                    applied, dup, event_id = 0, 0, ""
                    error = f"{type(exc).__name__}: {exc}"
                else:
                    error = "" if applied == len(group) else self._last_error
                done, duplicates = done + applied, duplicates + dup
                if event_id:
                    touched.add(event_id)
                if error:
                    log.error("sync: item %d (%s) refused: %s", done, group[0].get("kind"), error)
                    return ApplyResult(done, duplicates, error, tuple(touched))
        return ApplyResult(done, duplicates, "", tuple(touched))

    def _apply_group(self, group: list[dict[str, Any]]) -> tuple[int, int, str]:
        """Apply one record, or consecutive events of one run; (applied, duplicates, event)."""
        if group[0]["kind"] != wire.EVENT_KIND:
            duplicate, event_id = self._apply_one(group[0]["kind"], group[0]["data"])
            return 1, int(duplicate), event_id
        run_id = str(group[0]["data"]["run_id"])
        events = [(int(i["data"]["event_id"]), dict(i["data"]["payload"])) for i in group]
        outcome = append_delivered(self.store, run_id, events)
        self._last_error = outcome.error
        changed = outcome.accepted > outcome.duplicates
        return outcome.accepted, outcome.duplicates, self._event_of_run(run_id) if changed else ""

    def _apply_one(self, kind: str, data: dict[str, Any]) -> tuple[bool, str]:
        if kind == "event":
            self.store.save_event(wire.event_from_wire(data))
            return False, data["id"]
        if kind == "racer":
            self._apply_racer(wire.racer_from_wire(data))
            return False, ""
        if kind == "round":
            info = wire.round_from_wire(data)
            self.store.save_round(info)
            self._round_event[info.round_id] = info.event_id
            self._round_track[info.round_id] = info.track_id
            return False, info.event_id
        if kind == "run":
            return self._apply_run(data)
        raise SyncConflict(f"item kind: got {kind!r}, expected one of {wire.RECORD_KINDS}")

    def _apply_racer(self, racer: Racer) -> None:
        """Upsert a racer. Two tracks may register one person under two ids with the same
        user id: the second keeps no user id here (logged) so its runs still sync; staff
        merge the two in the league store (`merge_racers`)."""
        try:
            self.store.save_racer(racer)
        except RuleViolation as exc:
            log.warning("sync: racer %s stored without its user id: %s", racer.racer_id, exc)
            self.store.save_racer(replace(racer, user_id=None))

    def _apply_run(self, data: dict[str, Any]) -> tuple[bool, str]:
        run = wire.run_from_wire(data)
        if "track_id" not in data:  # from a timer older than a run's own track: its round's
            run = replace(run, track_id=self._track_of_round(run.round_id))
        stored = self.store.get_run(run.run_id)
        if stored is None:
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


def _groups(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Items in delivery order, consecutive events of one run grouped (one transaction)."""
    groups: list[list[dict[str, Any]]] = []
    for item in items:
        previous = groups[-1][-1] if groups else None
        same_run = (
            previous is not None
            and item.get("kind") == previous.get("kind") == wire.EVENT_KIND
            and item["data"].get("run_id") == previous["data"].get("run_id")
        )
        if same_run:
            groups[-1].append(item)
        else:
            groups.append([item])
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
    ) -> None:
        super().__init__(wire.NAMESPACE)
        self.applier = applier
        self.tokens = dict(tokens)
        self.on_applied = on_applied
        self.timers: dict[str, str] = {}  # sid → timer id

    def on_connect(self, auth: Any = None) -> None:
        sid: str = request.sid  # type: ignore[attr-defined]
        timer_id = str((auth or {}).get("timer", "")) if isinstance(auth, dict) else ""
        token = str((auth or {}).get("token", "")) if isinstance(auth, dict) else ""
        if not token_ok(self.tokens, timer_id, token):
            log.warning(
                "sync: refused timer %r from %s: wrong or missing token",
                timer_id,
                request.remote_addr,
            )
            raise ConnectionRefusedError("unauthorized: wrong timer id or token")
        self.timers[sid] = timer_id
        log.info("sync: timer %r connected from %s", timer_id, request.remote_addr)

    def on_disconnect(self, reason: Any = None) -> None:
        self.timers.pop(request.sid, None)  # type: ignore[attr-defined]

    def on_upsert(self, batch: Any) -> dict[str, Any]:
        sid: str = request.sid  # type: ignore[attr-defined]
        if sid not in self.timers:
            return {"ok": False, "applied": 0, "duplicates": 0, "error": "unauthorized"}
        items = batch.get("items") if isinstance(batch, dict) else None
        if not isinstance(items, list):
            return {"ok": False, "applied": 0, "duplicates": 0, "error": "expected items"}
        result = self.applier.apply(items)
        if result.error:
            log.error("sync: timer %r: %s", self.timers[sid], result.error)
        if self.on_applied is not None and result.applied:
            self.on_applied(result)
        return result.reply()
