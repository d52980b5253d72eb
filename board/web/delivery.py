"""Delivery: what the engine host tells the screens leaves the host's thread here.

The host calls its listeners on its own thread after each durable commit. With
``[board] delivery = "queued"`` (the default) the listener only appends the message to a
queue and returns; one delivery thread drains the queue in order and calls
`socketio.emit`. In threading mode an emit wakes every screen's writer thread (119 ms at
1,000 screens); with a message queue it publishes to Redis. Either way the next crossing no
longer waits behind it: the engine's enqueue-to-commit time is the same with 0 and with
1,000 screens (bench/latency.py prints both).

Snapshots go through the same queue, built on the host thread as before, so updates and
snapshots keep the host's order and the snapshot + ``seq`` protocol holds unchanged
(board/web/live.py). The queue is bounded and coalesces only where that is safe:

- a screen's snapshot superseded by a later one for the same screen is not sent;
- when more than `max_updates` updates wait (delivery far behind), the oldest are
  dropped: each screen then sees a gap in ``seq`` and resyncs, as after any missed message.

The delivery is payload-agnostic: it sends whatever message the web layer built.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
MAX_UPDATES = 1000
NAMESPACE = "/live"

Emit = Callable[..., Any]  # socketio.emit(event, data, to=..., namespace=...)


@dataclass(frozen=True)
class _Item:
    event: str  # "update" | "snapshot"
    data: dict[str, Any]
    sid: str | None = None  # a snapshot's one screen
    ticket: int = 0  # a snapshot's number: only the newest per screen is sent
    sent: Callable[[], None] | None = None  # called once the snapshot has gone out


class Delivery:
    """A bounded, ordered hand-off from the host thread to one delivery thread."""

    def __init__(self, emit: Emit, *, max_updates: int = MAX_UPDATES) -> None:
        self._emit = emit
        self.max_updates = max_updates
        self._ready = threading.Condition()
        self._items: deque[_Item] = deque()
        self._updates = 0  # updates waiting in `_items`
        self._newest_snapshot: dict[str, int] = {}  # screen → ticket of its newest
        self._tickets = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._queued = 0  # items ever queued
        self._finished = 0  # items sent, superseded or dropped
        self.delivered = 0
        self.dropped = 0  # updates dropped because delivery was too far behind

    # ---- the host thread (or any) -----------------------------------------------------

    def update(self, message: dict[str, Any]) -> None:
        """The host's listener: queue `message` for every screen; returns at once."""
        with self._ready:
            if self._updates >= self.max_updates:
                self._drop_oldest_update()
            self._items.append(_Item("update", message))
            self._updates += 1
            self._queued += 1
            self._wake()

    def snapshot(
        self, sid: str, snapshot: dict[str, Any], sent: Callable[[], None] | None = None
    ) -> None:
        """Queue `snapshot` for screen `sid`, after every update queued before it."""
        with self._ready:
            self._tickets += 1
            self._newest_snapshot[sid] = self._tickets
            self._items.append(_Item("snapshot", snapshot, sid, self._tickets, sent))
            self._queued += 1
            self._wake()

    @property
    def pending(self) -> int:
        return len(self._items)

    def drain(self, timeout_s: float | None = None) -> bool:
        """Wait until everything queued so far has been sent; False if `timeout_s` passed."""
        with self._ready:
            target = self._queued
            return self._ready.wait_for(lambda: self._finished >= target, timeout_s)

    def stop(self) -> None:
        """Deliver what is queued, then end the thread."""
        with self._ready:
            self._stopping = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)

    # ---- inside the lock ----------------------------------------------------------------

    def _wake(self) -> None:
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(target=self._loop, name="board-delivery", daemon=True)
            self._thread.start()
        self._ready.notify()

    def _drop_oldest_update(self) -> None:
        for index, item in enumerate(self._items):
            if item.event == "update":
                del self._items[index]
                self._updates -= 1
                self._finished += 1
                self.dropped += 1
                if self.dropped % 100 == 1:
                    log.warning("delivery behind: %d updates dropped; screens resync", self.dropped)
                return

    def _next(self) -> _Item | None:
        """The next item to send (None: stopped and drained); superseded snapshots skipped."""
        with self._ready:
            while True:
                while not self._items and not self._stopping:
                    self._ready.wait()
                if not self._items:
                    return None
                item = self._items.popleft()
                if item.event == "update":
                    self._updates -= 1
                    return item
                if item.sid is not None and self._newest_snapshot.get(item.sid) == item.ticket:
                    del self._newest_snapshot[item.sid]
                    return item
                self._finished += 1  # superseded
                self._ready.notify_all()

    def _done(self) -> None:
        with self._ready:
            self._finished += 1
            self._ready.notify_all()

    # ---- the delivery thread --------------------------------------------------------

    def _loop(self) -> None:
        while (item := self._next()) is not None:
            try:
                if item.sid is None:
                    self._emit(item.event, item.data, namespace=NAMESPACE)
                else:
                    self._emit(item.event, item.data, to=item.sid, namespace=NAMESPACE)
                self.delivered += 1
            except Exception:  # one bad emit must not stop the screens' updates
                log.exception("delivery of %s failed", item.event)
            if item.sent is not None:
                item.sent()
            self._done()
