"""The on-site side of the sync: a thread that pushes what the central store lacks.

The outbox is the on-site database itself (`board.store.outbox`): each cycle sends the
records (events, racers, rounds, runs) whose acknowledged digest differs from the current
one, then the run events beyond each run's watermark, in (run, event id) order, in batches
over a Socket.IO client call with acknowledgement. A watermark advances only over what the
acknowledgement says was applied, so a crash, a timeout or a refused connection at any
point only makes the next cycle send some items again (the central side ignores exact
duplicates).

An item the central service refuses (its answer names it and says why) is quarantined in
`sync_refusals` and the rest goes on: a record is not sent again while its digest is the
refused one (staff fix it at the venue, its digest changes, it is sent again); a run's log
is held from the refused event on. Everything quarantined is sent once more when the
daemon starts, when a quarantined record was accepted (what depended on it, a round's
runs say, may now apply), and when staff press "Send again" on /control (`retry`: after a
fix at the league, e.g. a conflicting record removed there, a held log goes again). A
failure of the connection
backs off exponentially with jitter (`min_backoff_s` doubling to `max_backoff_s`); wake-ups
during a back-off only mark that there is work (they never cut the wait short), so a
league outage while racing costs a handful of connection attempts, not one per lap.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
import socketio

from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger
from lapgate.board.sync import wire
from lapgate.timer.errors import LapgateError

log = logging.getLogger(__name__)
MIN_IDLE_CYCLE_S = 0.2


class SyncRefused(LapgateError, RuntimeError):
    """The central service refused a delivery (its acknowledgement carries the reason)."""


@dataclass
class SyncState:
    """What the control page shows. Times are epoch seconds (wall clock, for display)."""

    upstream_url: str
    connected: bool = False
    queued_events: int = 0
    queued_records: int = 0
    sent_items: int = 0
    duplicates: int = 0
    last_success_s: float | None = None
    last_error: str = ""
    last_error_s: float | None = None
    retry_in_s: float = 0.0
    connect_attempts: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)  # the quarantine

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Pusher:
    """Pushes the store's unacknowledged records and run events to `upstream_url`."""

    def __init__(
        self,
        store: SqlStore,
        upstream_url: str,
        timer_id: str,
        token: str,
        *,
        batch_size: int = 500,
        ack_timeout_s: float = 10.0,
        poll_interval_s: float = 1.0,
        min_backoff_s: float = 0.5,
        max_backoff_s: float = 60.0,
    ) -> None:
        self.outbox = Outbox(store)
        self.ledger = SyncLedger(store)
        self.store = store
        self.upstream_url = upstream_url
        self.timer_id = timer_id
        self.token = token
        self.batch_size = batch_size
        self.ack_timeout_s = ack_timeout_s
        self.poll_interval_s = poll_interval_s
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.state = SyncState(upstream_url)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: socketio.Client | None = None
        self._http: requests.Session | None = None
        self._lock = threading.Lock()

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._retry_quarantine()  # once per start: the league may have been fixed meanwhile
        self._thread = threading.Thread(target=self._loop, name="sync-pusher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.ack_timeout_s + 5)
        self._disconnect()

    def wake(self) -> None:
        """Push now instead of at the next poll (e.g. after a lap was stored)."""
        self._wake.set()

    def retry(self, kind: str | None = None, record_id: str | None = None) -> int:
        """Send quarantined items again (all, or the one of `kind` and `record_id`) on the
        next cycle, now; how many were released. One still refused is quarantined again
        with the league's new answer."""
        released = 0
        for held_kind, held in self._quarantine().items():
            if kind is not None and held_kind != kind:
                continue
            ids = [i for i in held if record_id is None or i == record_id]
            self.ledger.clear(self.timer_id, held_kind, ids)
            released += len(ids)
        self._refresh_refused()
        if released:
            log.info("sync: staff released %d quarantined item(s) to be sent again", released)
            self.wake()
        return released

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.state.to_dict()

    # the loop -----------------------------------------------------------------------------

    def _loop(self) -> None:
        backoff_s = self.min_backoff_s
        while not self._stop.is_set():
            try:
                sent = self.push_once()
            except Exception as exc:  # any failure: log, back off, retry from the outbox
                self._failed(exc)
                delay_s = backoff_s * random.uniform(0.5, 1.5)
                with self._lock:
                    self.state.retry_in_s = round(delay_s, 2)
                backoff_s = min(backoff_s * 2, self.max_backoff_s)
                # wake-ups while backing off only say "there is work": the wait stands
                self._stop.wait(delay_s)
                self._wake.clear()
                continue
            backoff_s = self.min_backoff_s
            if not sent:
                started_s = time.monotonic()
                self._wait(self.poll_interval_s)
                # woken by every stored change: at most one idle cycle per MIN_IDLE_CYCLE_S
                rest_s = MIN_IDLE_CYCLE_S - (time.monotonic() - started_s)
                if rest_s > 0:
                    self._stop.wait(rest_s)

    def _wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _failed(self, exc: BaseException) -> None:
        message = f"{type(exc).__name__}: {exc}"
        log.warning("sync to %s failed: %s", self.upstream_url, message)
        with self._lock:
            self.state.last_error, self.state.last_error_s = message, time.time()
            self.state.connected = False
        self._disconnect()

    def _connected_client(self) -> socketio.Client:
        if self._client is not None and self._client.connected:
            return self._client
        self._disconnect()
        with self._lock:
            self.state.connect_attempts += 1
        # Our own HTTP session, closed with the client: engine.io drops (never closes) the
        # one it makes for its polling handshake, leaking a socket on every reconnect.
        http = requests.Session()
        client = socketio.Client(reconnection=False, http_session=http)
        try:
            client.connect(
                self.upstream_url,
                auth={"timer": self.timer_id, "token": self.token},
                namespaces=[wire.NAMESPACE],
                wait_timeout=self.ack_timeout_s,
            )
        except BaseException:
            http.close()
            raise
        self._client, self._http = client, http
        with self._lock:
            self.state.connected = True
        return client

    def _disconnect(self) -> None:
        client, self._client = self._client, None
        http, self._http = self._http, None
        if client is not None:
            try:
                client.disconnect()
            except Exception:  # already gone
                log.debug("sync: disconnect failed", exc_info=True)
        if http is not None:
            http.close()

    # one cycle ----------------------------------------------------------------------------

    def push_once(self) -> int:
        """Send one round of pending records and run events; return how many were sent."""
        quarantine = self._quarantine()
        records = self._pending_records(quarantine)
        # a held log, or a refused run record: none of the run's events can be applied
        held_runs = set(quarantine.get(wire.EVENT_KIND, {})) | set(quarantine.get("run", {}))
        queued_events = self.outbox.backlog_count()
        with self._lock:
            self.state.queued_records, self.state.queued_events = len(records), queued_events
        acked_runs = set(self.outbox.digests("run"))
        events = [
            e
            for e in self.outbox.backlog_events(self.batch_size, skip_runs=held_runs)
            if e.run_id in acked_runs or not records  # else: its run may be in `records`
        ]
        if not records and not events:
            self._succeeded(0, 0)
            return 0
        client = self._connected_client()
        sent = 0
        for start in range(0, len(records), self.batch_size):
            chunk = records[start : start + self.batch_size]
            # the backlog told to the league: what is left once this batch is in
            backlog = {"records": len(records) - start - len(chunk), "events": queued_events}
            refused = self._deliver(client, [item for item, _ in chunk], backlog)
            self._quarantine_records(chunk, refused)
            self._ack_records([c for n, c in enumerate(chunk) if n not in refused])
            sent += len(chunk)
        acked_runs = set(self.outbox.digests("run"))
        events = [e for e in events if e.run_id in acked_runs]
        if events:
            items = [{"kind": wire.EVENT_KIND, "data": e._asdict()} for e in events]
            backlog = {"records": 0, "events": max(0, queued_events - len(events))}
            refused = self._deliver(client, items, backlog)
            marks: dict[str, int] = {}
            held: dict[str, int] = {}
            for n, e in enumerate(events):
                if n in refused or e.run_id in held:
                    held.setdefault(e.run_id, n)
                    continue
                marks[e.run_id] = max(marks.get(e.run_id, 0), e.event_id)
            self.outbox.ack_events(marks)
            for run_id, n in held.items():
                reason = refused.get(n, "held")
                self.ledger.refuse(
                    self.timer_id, wire.EVENT_KIND, run_id, reason, event_id=events[n].event_id
                )
                log.warning(
                    "sync: run %s held from event %d: %s", run_id, events[n].event_id, reason
                )
            sent += len(events)
        self._refresh_refused()
        return sent

    def _deliver(
        self, client: socketio.Client, items: list[dict[str, Any]], backlog: dict[str, int]
    ) -> dict[int, str]:
        """Send `items`; return the refused ones (index → reason). A batch refused as a
        whole (no item named) raises SyncRefused."""
        reply = client.call(
            wire.UPSERT,
            {"items": items, "backlog": backlog},
            namespace=wire.NAMESPACE,
            timeout=self.ack_timeout_s,
        )
        if not isinstance(reply, dict):
            raise SyncRefused("acknowledgement: got {reply!r}, expected a dict", reply=reply)
        listed = reply.get("refused")
        if not reply.get("ok") and not listed:
            raise SyncRefused(
                "central service refused the batch: {error!r}", error=reply.get("error")
            )
        refused = {
            int(r["index"]): str(r.get("reason", "refused"))
            for r in listed or []
            if isinstance(r, dict) and isinstance(r.get("index"), int)
        }
        self._succeeded(len(items) - len(refused), int(reply.get("duplicates", 0)))
        return refused

    def _quarantine(self) -> dict[str, dict[str, str]]:
        """The quarantined digest per record id, by kind (a run's log: its run id)."""
        held: dict[str, dict[str, str]] = {}
        for r in self.ledger.refusals(self.timer_id):
            held.setdefault(r.kind, {})[r.record_id] = r.digest
        return held

    def _quarantine_records(
        self, chunk: list[tuple[dict[str, Any], str]], refused: dict[int, str]
    ) -> None:
        for n, reason in refused.items():
            if not 0 <= n < len(chunk):
                continue
            item, item_digest = chunk[n]
            kind, record_id = item["kind"], item["data"]["id"]
            self.ledger.refuse(self.timer_id, kind, record_id, reason, digest=item_digest)
            log.warning("sync: %s %s quarantined: %s", kind, record_id, reason)

    def _retry_quarantine(self) -> None:
        """Forget the quarantine: each refused item is sent once more (and quarantined
        again if it is still refused)."""
        for kind, held in self._quarantine().items():
            self.ledger.clear(self.timer_id, kind, list(held))
        self._refresh_refused()

    def _refresh_refused(self) -> None:
        refused = [r.to_dict() for r in self.ledger.refusals(self.timer_id)]
        with self._lock:
            self.state.refused = refused

    def _succeeded(self, sent: int, duplicates: int) -> None:
        with self._lock:
            self.state.sent_items += sent
            self.state.duplicates += duplicates
            self.state.last_success_s = time.time()
            self.state.retry_in_s = 0.0

    def _ack_records(self, chunk: list[tuple[dict[str, Any], str]]) -> None:
        by_kind: dict[str, dict[str, str]] = {}
        for item, item_digest in chunk:
            by_kind.setdefault(item["kind"], {})[item["data"]["id"]] = item_digest
        quarantine = self._quarantine()
        released = False
        for kind, digests in by_kind.items():
            self.outbox.ack_records(kind, digests)
            released = released or any(i in quarantine.get(kind, {}) for i in digests)
        if released:  # records refused because of this one (its rounds, runs) go again
            self._retry_quarantine()

    def _pending_records(
        self, quarantine: dict[str, dict[str, str]]
    ) -> list[tuple[dict[str, Any], str]]:
        """Records whose current version the central store has not acknowledged nor
        refused, in the order they must be applied (events, racers, rounds, runs)."""
        current: dict[str, list[dict[str, Any]]] = {kind: [] for kind in wire.RECORD_KINDS}
        events = self.store.list_events()
        current["event"] = [wire.event_to_wire(e) for e in events]
        current["racer"] = [wire.racer_to_wire(r) for r in self.store.list_racers()]
        for event in events:
            for info in self.store.list_rounds(event.event_id):
                current["round"].append(wire.round_to_wire(info))
                current["run"].extend(
                    wire.run_to_wire(run) for run in self.store.list_runs(info.round_id)
                )
        pending: list[tuple[dict[str, Any], str]] = []
        for kind in wire.RECORD_KINDS:
            acked = self.outbox.digests(kind)
            refused = quarantine.get(kind, {})
            for data in current[kind]:
                data_digest = wire.digest(data)
                if data_digest not in (acked.get(data["id"]), refused.get(data["id"])):
                    pending.append(({"kind": kind, "data": data}, data_digest))
        return pending
