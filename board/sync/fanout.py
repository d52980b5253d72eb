"""Spectator processes: Socket.IO fan-out of one owner's broadcasts through Redis.

The owner (`lapgate run` with ``[board] message_queue``) keeps the race state and emits its
``/live`` updates through Redis; every spectator process created here subscribes to the
same queue and delivers them to the phones connected to it. A spectator holds no race
state: a phone's ``snapshot`` (on connect and on ``resync``) is the owner's
``GET /api/snapshot``, kept for `SNAPSHOT_TTL_S` so a burst of connections costs the owner
one request; a phone that sees a gap in `seq` asks again (see board/web/live.py). Staff
(``/control``) connect to the owner only; a spectator refuses that namespace.

`lapgate spectate` serves this app on gevent's event loop (board/sync/spectator.py): a
spectator has no GPIO or decoder callbacks from OS threads, so nothing stops it from
leaving the thread-per-connection model that the owner must keep; with threads an emit to
500 phones wakes 500 writer threads (docs/architecture.md has the figures). The app itself
is the same in both modes; tests run it threaded in their own process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from typing import Any

from flask import Flask, request
from flask_socketio import Namespace, SocketIO, emit

from lapgate.board.i18n import request_gettext as _
from lapgate.board.web import jsonbody

log = logging.getLogger(__name__)
SNAPSHOT_TTL_S = 0.25


class SnapshotSource:
    """The owner's snapshot, fetched at most once per `ttl_s` seconds."""

    def __init__(self, owner_url: str, ttl_s: float = SNAPSHOT_TTL_S) -> None:
        self.url = owner_url.rstrip("/") + "/api/snapshot"
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None

    def get(self) -> dict[str, Any] | None:
        with self._lock:
            now_s = time.monotonic()
            if self._cached is not None and now_s - self._cached[0] < self.ttl_s:
                return self._cached[1]
            try:
                with urllib.request.urlopen(self.url, timeout=5) as res:
                    snapshot: dict[str, Any] = json.load(res)
            except (OSError, ValueError) as exc:
                log.warning("spectator: snapshot from %s failed: %s", self.url, exc)
                return None
            self._cached = (now_s, snapshot)
            return snapshot


class SpectatorLive(Namespace):
    """``/live`` on a spectator: the owner's snapshot on connect/resync; updates arrive
    from the message queue."""

    def __init__(self, source: SnapshotSource | None) -> None:
        super().__init__("/live")
        self.source = source

    def _snapshot(self) -> None:
        snapshot = self.source.get() if self.source is not None else None
        if snapshot is not None:
            emit("snapshot", snapshot)

    def on_connect(self, auth: Any = None) -> None:
        self._snapshot()

    def on_resync(self, data: Any = None) -> None:
        self._snapshot()

    def on_action(self, data: Any = None) -> dict[str, Any]:
        error = _("staff actions go to the owner's /control")
        return {"ok": False, "status": 403, "error": error}


class SpectatorControl(Namespace):
    def __init__(self) -> None:
        super().__init__("/control")

    def on_connect(self, auth: Any = None) -> None:
        log.info("spectator: refused /control from %s", request.remote_addr)
        raise ConnectionRefusedError("staff connect to the owner process, not a spectator")


def create_spectator_app(
    message_queue: str, owner_url: str = "", async_mode: str = "threading"
) -> tuple[Flask, SocketIO]:
    """A spectator process's app: ``/live`` fed by `message_queue` (Redis URL).

    `async_mode` "gevent" only in a process whose standard library gevent has patched
    (board/sync/spectator.py does it first thing)."""
    app = Flask("lapgate.board", template_folder="templates", static_folder="static")
    socketio = SocketIO(
        app,
        async_mode=async_mode,
        message_queue=message_queue,
        ping_interval=10,
        ping_timeout=10,
        serializer=jsonbody.CheckedPacket,  # an unreadable frame is refused, not a traceback
    )
    jsonbody.answer_malformed(socketio, ("/live", "/control"))
    source = SnapshotSource(owner_url) if owner_url else None
    socketio.on_namespace(SpectatorLive(source))
    socketio.on_namespace(SpectatorControl())

    @app.get("/healthz")
    def healthz() -> Any:
        return {"ok": True, "role": "spectator"}

    return app, socketio
