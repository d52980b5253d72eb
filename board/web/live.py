"""Socket.IO namespaces: ``/live`` for every screen, ``/control`` for staff.

``/live``: on connect (and on ``resync``) the client gets a ``snapshot`` with the `seq` of
the last message it includes; then every change arrives as an ``update`` with the next
`seq`. Snapshots are sent from the engine host's thread, so they are ordered with the
broadcasts: a client that applies updates with ``seq > snapshot.seq`` misses nothing, and
one that sees a gap emits ``resync``.

A screen's snapshots go through `SnapshotRequests`: at most one in flight per screen, and
past a burst of three, one per `RESYNC_INTERVAL_S`; a flood of ``resync`` from one client
costs one snapshot per interval and nothing once it stops (issue 14). A screen's updates
and snapshots are emitted by the delivery thread (board/web/delivery.py) unless
``[board] delivery = "inline"``.

``/control``: connect needs a staff session and the session's CSRF token in the connect
``auth`` payload (``{"csrf": token}``); ``action`` events (``{"name", "payload", "key"}``,
`key` an idempotency key the page makes per action and reuses on retry) are acknowledged
with ``{"ok": true, ...}`` or ``{"ok": false, "status", "error"}``. The socket is closed when
the staff login that opened it ends.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO

from lapgate.board.i18n import request_gettext as _
from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.web.actions import error_reply, perform
from lapgate.board.web.auth import csrf_ok, is_staff, staff_login_id
from lapgate.board.web.delivery import Delivery
from lapgate.timer.errors import LapgateError

RESYNC_INTERVAL_S = 0.5
RESYNC_BURST = 3
Schedule = Callable[[float, Callable[[], None]], None]


def _staff_only() -> dict[str, Any]:
    return {"ok": False, "status": 403, "error": _("staff only: log in on /control")}


def _timer(delay_s: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(delay_s, action)
    timer.daemon = True
    timer.start()


class SnapshotRequests:
    """Who asked for a snapshot: one in flight per screen, `burst` at once, then one per
    `interval_s`.

    `request(sid)` calls `send(sid)` at once while the screen has tokens (a token bucket:
    `burst` tokens, one more every `interval_s`), else once it has one again
    (`schedule`). A request while one is in flight or waiting is answered by that one.
    The page asks again only after a snapshot arrived, so a well-behaved screen never
    waits here; a flooding one costs one snapshot per interval.
    """

    def __init__(
        self,
        send: Callable[[str], None],
        interval_s: float = RESYNC_INTERVAL_S,
        burst: int = RESYNC_BURST,
        clock: Callable[[], float] = time.monotonic,
        schedule: Schedule = _timer,
    ) -> None:
        self._send = send
        self.interval_s = interval_s
        self.burst = burst
        self._clock = clock
        self._schedule = schedule
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()
        self._deferred: set[str] = set()
        self._tokens: dict[str, tuple[float, float]] = {}  # sid → (tokens, as of time)
        self.coalesced = 0  # requests answered by a snapshot already on its way
        self.deferred = 0  # requests that waited for a token

    def request(self, sid: str) -> None:
        with self._lock:
            if sid in self._in_flight or sid in self._deferred:
                self.coalesced += 1
                return
            now_s = self._clock()
            tokens, as_of_s = self._tokens.get(sid, (float(self.burst), now_s))
            tokens = min(float(self.burst), tokens + (now_s - as_of_s) / self.interval_s)
            if tokens >= 1:
                self._tokens[sid] = (tokens - 1, now_s)
                self._in_flight.add(sid)
                wait_s = 0.0
            else:
                self._tokens[sid] = (tokens, now_s)
                self._deferred.add(sid)
                self.deferred += 1
                wait_s = (1 - tokens) * self.interval_s
        if wait_s > 0:
            self._schedule(wait_s, lambda: self._deferred_due(sid))
        else:
            self._send(sid)

    def sent(self, sid: str) -> None:
        """The snapshot for `sid` has gone out (or could not be made)."""
        with self._lock:
            self._in_flight.discard(sid)

    def forget(self, sid: str) -> None:
        """`sid` disconnected."""
        with self._lock:
            self._in_flight.discard(sid)
            self._deferred.discard(sid)
            self._tokens.pop(sid, None)

    def _deferred_due(self, sid: str) -> None:
        with self._lock:
            if sid not in self._deferred:  # disconnected meanwhile
                return
            self._deferred.discard(sid)
            now_s = self._clock()
            tokens, as_of_s = self._tokens.get(sid, (1.0, now_s))
            tokens = min(float(self.burst), tokens + (now_s - as_of_s) / self.interval_s)
            self._tokens[sid] = (max(0.0, tokens - 1), now_s)
            self._in_flight.add(sid)
        self._send(sid)


class LiveNamespace(Namespace):  # type: ignore[misc]
    def __init__(self, socketio: SocketIO, host: EngineHost, delivery: Delivery | None) -> None:
        super().__init__("/live")
        self.host = host
        self.sio = socketio
        self.delivery = delivery
        self.requests = SnapshotRequests(self._send_snapshot)

    def _send_snapshot(self, sid: str) -> None:
        """Build `sid`'s snapshot on the host thread, ordered with the broadcasts."""

        def send(snapshot: dict[str, Any]) -> None:  # on the host thread
            if self.delivery is not None:
                self.delivery.snapshot(sid, snapshot, lambda: self.requests.sent(sid))
                return
            try:
                self.sio.emit("snapshot", snapshot, to=sid, namespace="/live")
            finally:
                self.requests.sent(sid)

        try:
            self.host.send_snapshot(send)
        except HostStopped:
            self.requests.sent(sid)

    def on_connect(self, auth: Any = None) -> None:
        self.requests.request(request.sid)  # type: ignore[attr-defined]

    def on_resync(self, data: Any = None) -> None:
        self.requests.request(request.sid)  # type: ignore[attr-defined]

    def on_disconnect(self, reason: Any = None) -> None:
        self.requests.forget(request.sid)  # type: ignore[attr-defined]

    def on_action(self, data: Any = None) -> dict[str, Any]:
        return _staff_only()


class ControlNamespace(Namespace):  # type: ignore[misc]
    """Staff sockets, each tied to the login that opened it: when that login ends (logout,
    log out everywhere), its sockets are disconnected, and an action on one that is still
    open is refused as a spectator's."""

    def __init__(self, host: EngineHost) -> None:
        super().__init__("/control")
        self.host = host
        self._lock = threading.Lock()
        self._sockets: dict[str, str] = {}  # socket id → staff login id

    def on_connect(self, auth: Any = None) -> None:
        token = auth.get("csrf") if isinstance(auth, dict) else None
        if not is_staff():
            raise ConnectionRefusedError("staff login required: log in on /control")
        if not csrf_ok(token):
            raise ConnectionRefusedError("CSRF token missing or wrong: reload /control")
        with self._lock:
            self._sockets[request.sid] = staff_login_id() or ""  # type: ignore[attr-defined]

    def on_disconnect(self, reason: Any = None) -> None:
        with self._lock:
            self._sockets.pop(request.sid, None)  # type: ignore[attr-defined]

    def logins_ended(self, login_ids: frozenset[str] | None) -> None:
        """Disconnect the sockets of the logins that ended (None: every login)."""
        with self._lock:
            ended = [
                s for s, login in self._sockets.items() if login_ids is None or login in login_ids
            ]
        for sid in ended:
            with contextlib.suppress(Exception):  # already gone
                self.socketio.server.disconnect(sid, namespace=self.namespace)

    def on_action(self, data: Any = None) -> dict[str, Any]:
        if not is_staff():
            return _staff_only()
        if not isinstance(data, dict):
            found = type(data).__name__
            error = _("got %(found)s, expected an object", found=found)
            return {"ok": False, "status": 400, "error": error}
        try:
            result = perform(self.host, data.get("name"), data.get("payload"), data.get("key"))
        except LapgateError as exc:
            return error_reply(exc)
        return {"ok": True, **result}


def init_app(app: Flask, socketio: SocketIO, host: EngineHost, *, queued: bool = True) -> None:
    """`/live` and `/control`; updates through a `Delivery` thread when `queued`."""
    delivery = Delivery(socketio.emit) if queued else None
    app.extensions["lapgate.delivery"] = delivery
    socketio.on_namespace(LiveNamespace(socketio, host, delivery))
    control = ControlNamespace(host)
    socketio.on_namespace(control)
    app.extensions["lapgate.staff_sessions"].subscribe(control.logins_ended)
    if delivery is not None:
        host.subscribe(delivery.update, drain=delivery.drain)
        return

    def broadcast(message: dict[str, Any]) -> None:
        socketio.emit("update", message, namespace="/live")

    host.subscribe(broadcast)
