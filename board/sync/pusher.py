"""The on-site side of the sync: a thread that pushes what the central store lacks.

The outbox is the on-site database itself (`board.store.outbox`): each cycle sends the
records (events, racers, rounds, runs) whose acknowledged digest differs from the current
one, then the run events beyond each run's watermark, in (run, event id) order, in batches
over a Socket.IO client call with acknowledgement. A watermark advances only over what the
acknowledgement says was applied, so a crash, a timeout or a refused connection at any
point only makes the next cycle send some items again (the central side ignores exact
duplicates). Failures back off exponentially with jitter, up to `max_backoff_s`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import socketio

from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
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
        self._lock = threading.Lock()

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
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
                self._wait(delay_s)
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
        client = socketio.Client(reconnection=False)
        client.connect(
            self.upstream_url,
            auth={"timer": self.timer_id, "token": self.token},
            namespaces=[wire.NAMESPACE],
            wait_timeout=self.ack_timeout_s,
        )
        self._client = client
        with self._lock:
            self.state.connected = True
        return client

    def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.disconnect()
            except Exception:  # already gone
                log.debug("sync: disconnect failed", exc_info=True)

    # one cycle ----------------------------------------------------------------------------

    def push_once(self) -> int:
        """Send one round of pending records and run events; return how many were sent."""
        records = self._pending_records()
        queued_events = self.outbox.backlog_count()
        with self._lock:
            self.state.queued_records, self.state.queued_events = len(records), queued_events
        if not records and not queued_events:
            self._succeeded(0, 0)
            return 0
        client = self._connected_client()
        sent = 0
        for start in range(0, len(records), self.batch_size):
            chunk = records[start : start + self.batch_size]
            applied, error = self._deliver(client, [item for item, _ in chunk])
            self._ack_records(chunk[:applied])
            _raise_refusal(error, applied)
            sent += len(chunk)
        acked_runs = set(self.outbox.digests("run"))
        events = [e for e in self.outbox.backlog_events(self.batch_size) if e.run_id in acked_runs]
        if events:
            items = [{"kind": wire.EVENT_KIND, "data": e._asdict()} for e in events]
            applied, error = self._deliver(client, items)
            marks: dict[str, int] = {}
            for e in events[:applied]:
                marks[e.run_id] = max(marks.get(e.run_id, 0), e.event_id)
            self.outbox.ack_events(marks)
            _raise_refusal(error, applied)
            sent += len(events)
        return sent

    def _deliver(self, client: socketio.Client, items: list[dict[str, Any]]) -> tuple[int, str]:
        """Send `items`; return how many the central store applied and its error, if any."""
        reply = client.call(
            wire.UPSERT, {"items": items}, namespace=wire.NAMESPACE, timeout=self.ack_timeout_s
        )
        if not isinstance(reply, dict):
            raise SyncRefused(f"acknowledgement: got {reply!r}, expected a dict")
        applied = int(reply.get("applied", 0))
        if not reply.get("ok"):
            return applied, str(reply.get("error", "")) or "refused"
        self._succeeded(len(items), int(reply.get("duplicates", 0)))
        return applied, ""

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
        for kind, digests in by_kind.items():
            self.outbox.ack_records(kind, digests)

    def _pending_records(self) -> list[tuple[dict[str, Any], str]]:
        """Records whose current version the central store has not acknowledged, in the
        order they must be applied (events, racers, rounds, runs)."""
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
            for data in current[kind]:
                data_digest = wire.digest(data)
                if acked.get(data["id"]) != data_digest:
                    pending.append(({"kind": kind, "data": data}, data_digest))
        return pending


def _raise_refusal(error: str, applied: int) -> None:
    """What was applied before a refused item is acknowledged first; then this raises."""
    if error:
        raise SyncRefused(f"central service refused item {applied} of the batch: {error}")
