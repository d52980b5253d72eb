"""Socket.IO namespaces: ``/live`` for every screen, ``/control`` for staff.

``/live``: on connect (and on ``resync``) the client gets a ``snapshot`` with the `seq` of
the last message it includes; then every change arrives as an ``update`` with the next
`seq`. Snapshots are sent from the engine host's thread, so they are ordered with the
broadcasts: a client that applies updates with ``seq > snapshot.seq`` misses nothing, and
one that sees a gap emits ``resync``.

``/control``: connect needs a staff session and the session's CSRF token in the connect
``auth`` payload (``{"csrf": token}``); ``action`` events (``{"name", "payload", "key"}``,
`key` an idempotency key the page makes per action and reuses on retry) are acknowledged
with ``{"ok": true, ...}`` or ``{"ok": false, "status", "error"}``. The socket is closed when
the staff login that opened it ends.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from flask import Flask, request
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO

from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.web.actions import error_status, perform
from lapgate.board.web.auth import csrf_ok, is_staff, staff_login_id
from lapgate.timer.errors import LapgateError

STAFF_ONLY = {"ok": False, "status": 403, "error": "staff only: log in on /control"}


class LiveNamespace(Namespace):  # type: ignore[misc]
    def __init__(self, socketio: SocketIO, host: EngineHost) -> None:
        super().__init__("/live")
        self.host = host
        self.sio = socketio

    def _send_snapshot(self, sid: str) -> None:
        def send(snapshot: dict[str, Any]) -> None:
            self.sio.emit("snapshot", snapshot, to=sid, namespace="/live")

        with contextlib.suppress(HostStopped):
            self.host.send_snapshot(send)

    def on_connect(self, auth: Any = None) -> None:
        self._send_snapshot(request.sid)  # type: ignore[attr-defined]

    def on_resync(self, data: Any = None) -> None:
        self._send_snapshot(request.sid)  # type: ignore[attr-defined]

    def on_action(self, data: Any = None) -> dict[str, Any]:
        return STAFF_ONLY


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
            return STAFF_ONLY
        if not isinstance(data, dict):
            found = type(data).__name__
            return {"ok": False, "status": 400, "error": f"got {found}, expected an object"}
        try:
            result = perform(self.host, data.get("name"), data.get("payload"), data.get("key"))
        except LapgateError as exc:
            return {"ok": False, "status": error_status(exc), "error": str(exc)}
        return {"ok": True, **result}


def init_app(app: Flask, socketio: SocketIO, host: EngineHost) -> None:
    socketio.on_namespace(LiveNamespace(socketio, host))
    control = ControlNamespace(host)
    socketio.on_namespace(control)
    app.extensions["lapgate.staff_sessions"].subscribe(control.logins_ended)

    def broadcast(message: dict[str, Any]) -> None:
        socketio.emit("update", message, namespace="/live")

    host.subscribe(broadcast)
