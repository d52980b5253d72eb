"""`create_app(settings, host)`: the Flask application and its Socket.IO server.

Socket.IO runs with ``async_mode="threading"``: gate callbacks arrive on real OS threads
(lgpio's C callback thread, pyserial reader threads), which green-thread servers (eventlet,
gevent) cannot host safely. Nothing lives at module level: each app gets its own SocketIO.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from flask_socketio import SocketIO
from werkzeug.exceptions import HTTPException

from lapgate.board import i18n
from lapgate.board.i18n import request_gettext as _
from lapgate.board.live.host import EngineHost
from lapgate.board.web.proxy import TrustedProxies
from lapgate.board.web.server import WebsocketCap
from lapgate.board.web.sessions import FILE_NAME, StaffSessions
from lapgate.config.settings import Settings

PING_INTERVAL_S = 10  # a sleeping tablet or a Wi-Fi blip shows "reconnecting" within ~20 s
PING_TIMEOUT_S = 10
MAX_BODY_BYTES = 1024 * 1024


def create_app(
    settings: Settings,
    host: EngineHost,
    *,
    secret_key: str | None = None,
    testing: bool = False,
    state_dir: Path | None = None,
) -> Flask:
    """The board's Flask app, wired to a started (or soon started) engine host.

    `state_dir` (the data folder) keeps the staff logins across restarts; without it they
    live in memory.
    """
    from lapgate.board.league.service import results_of
    from lapgate.board.web import (
        api,
        assets,
        auth,
        brackets,
        charts,
        exports,
        health,
        join,
        jsonbody,
        live,
        models,
        pages,
        sockets,
        standings,
    )

    app = Flask("lapgate.board", template_folder="templates", static_folder="static")
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        TESTING=testing,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        # Bodies are capped before they are read, chunked ones included (werkzeug counts
        # the stream): the largest legitimate body is an advancers CSV (200,000 characters).
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep documented field order
    jsonbody.init_app(app)  # too deep JSON is bad JSON (400), not a 500
    i18n.init_app(app, settings.board.language)  # each client's language (board/i18n.py)
    app.extensions["lapgate.settings"] = settings
    app.extensions["lapgate.host"] = host
    # Stored results (exports, season standings) are read through the league service; live
    # state only through the engine host.
    app.extensions["lapgate.results"] = results_of(host.race.store)
    socketio = SocketIO(
        app,
        async_mode="threading",
        ping_interval=PING_INTERVAL_S,
        ping_timeout=PING_TIMEOUT_S,
        message_queue=settings.board.message_queue or None,  # shared with spectator processes
        serializer=jsonbody.CheckedPacket,  # an unreadable frame is refused, not a traceback
    )
    app.extensions["lapgate.socketio"] = socketio
    queued = settings.board.delivery == "queued"
    sockets.install(socketio, settings.board.send_queue_max, one_sender=queued)
    assets.init_app(app)
    board = settings.board
    path = state_dir / FILE_NAME if state_dir is not None else None
    sessions = StaffSessions(board.staff_session_hours * 3600, board.staff_password_hash, path)
    auth.init_app(app, sessions)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    brackets.init_app(app)
    standings.init_app(app)
    charts.init_app(app)
    exports.init_app(app)
    models.init_app(app)
    join.init_app(app)
    health.init_app(app)
    live.init_app(app, socketio, host, queued=queued)
    # Outermost first: the real client address (trusted proxies only), then the per-address
    # websocket cap, then Socket.IO's own middleware and Flask.
    websockets = WebsocketCap(app.wsgi_app, board.max_websockets_per_address)
    app.extensions["lapgate.websockets"] = websockets
    app.wsgi_app = TrustedProxies(websockets, board.trusted_networks())  # type: ignore[method-assign]
    jsonbody.answer_malformed(socketio, ("/live", "/control"))

    @app.before_request
    def _cap_chunked_bodies() -> None:
        """A chunked JSON body is read only up to the cap; reaching it is a 413, not a
        truncated body (forms are capped by the form parser itself)."""
        from flask import abort, request

        chunked = request.content_length is None and request.is_json
        if chunked and len(request.get_data(cache=True)) >= MAX_BODY_BYTES:
            abort(
                413,
                _(
                    "body: got more than %(max_bytes)s bytes, expected less",
                    max_bytes=MAX_BODY_BYTES,
                ),
            )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        from flask import request

        if request.path.startswith("/api/"):
            response = jsonify({"error": exc.description, "status": exc.code})
            response.status_code = exc.code or 500
            return response
        return exc

    return app


def socketio_of(app: Flask) -> SocketIO:
    socketio: SocketIO = app.extensions["lapgate.socketio"]
    return socketio


def host_of(app: Flask) -> EngineHost:
    host: EngineHost = app.extensions["lapgate.host"]
    return host


def settings_of(app: Flask) -> Settings:
    settings: Settings = app.extensions["lapgate.settings"]
    return settings
