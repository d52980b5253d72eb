"""The central league service: the ingest namespace and read-only league pages.

`create_league_app(settings)` serves, on the central PostgreSQL store:
- Socket.IO ``/ingest``: timers' deliveries (`board.sync.ingest`);
- ``/``: every event and its combined leaderboard across tracks, live (the page reloads a
  leaderboard when a ``league_update`` arrives on ``/league``);
- ``/api/league/events``, ``/api/league/events/<event_id>/leaderboard`` (combined) and
  ``/api/league/events/<event_id>/rounds`` (each round in its own format) (JSON);
- ``/standings`` and ``/api/standings`` (the board's season standings blueprint);
- ``/staff``, ``/api/league/timers``, ``/api/league/racers``, ``/api/league/merges``,
  ``/api/league/racers/merge`` and ``/racers/unmerge``: staff only
  (`board.sync.league_staff`).

With `message_queue` set (Redis), several league processes behind a proxy share the
``league_update`` broadcasts.
"""

from __future__ import annotations

import logging
import secrets
from types import SimpleNamespace
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template, request
from flask_socketio import Namespace, SocketIO
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger
from lapgate.board.sync.ingest import Applier, ApplyResult, IngestNamespace
from lapgate.board.sync.league_view import LeagueViews, round_leaderboards
from lapgate.board.sync.settings import LeagueSettings
from lapgate.config.settings import Settings

log = logging.getLogger(__name__)
LEAGUE_NAMESPACE = "/league"
MAX_COUNT = 2**31 - 1  # a reported backlog beyond an INTEGER column is not believed


def record_contact(ledger: SyncLedger, timer_id: str, backlog: dict[str, Any]) -> None:
    """Store a timer's contact and reported backlog (every league process reads it)."""
    records, events = backlog.get("records"), backlog.get("events")
    try:
        ledger.contact(
            timer_id,
            records if isinstance(records, int) and 0 <= records <= MAX_COUNT else None,
            events if isinstance(events, int) and 0 <= events <= MAX_COUNT else None,
        )
    except SQLAlchemyError:  # the answer to the batch matters more than the staff page
        log.exception("sync: timer %r: could not record its contact", timer_id)


class LeagueNamespace(Namespace):
    """``/league``: pages connect to receive ``league_update``; they send nothing."""

    def on_connect(self, auth: Any = None) -> None:
        return None


def create_league_app(
    settings: LeagueSettings, store: SqlStore | None = None
) -> tuple[Flask, SocketIO]:
    """The league app and its Socket.IO server (threading mode, like the board)."""
    from lapgate.board import i18n
    from lapgate.board.sync import league_staff
    from lapgate.board.web import jsonbody, standings

    store = store or SqlStore(settings.database_url)
    app = Flask("lapgate.board", template_folder="templates", static_folder="static")
    app.config.update(SECRET_KEY=secrets.token_hex(32), SEND_FILE_MAX_AGE_DEFAULT=3600)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    jsonbody.init_app(app)  # too deep JSON is bad JSON (400), not a 500
    i18n.init_app(app)  # each client's language (board/i18n.py), as on the board
    socketio = SocketIO(
        app,
        async_mode="threading",
        message_queue=settings.message_queue or None,
        ping_interval=10,
        ping_timeout=10,
        serializer=jsonbody.CheckedPacket,  # an unreadable frame is refused, not a traceback
    )
    views = LeagueViews(store)
    ledger = SyncLedger(store)

    def notify(event_ids: tuple[str, ...]) -> None:
        if event_ids:
            socketio.emit(
                "league_update", {"event_ids": list(event_ids)}, namespace=LEAGUE_NAMESPACE
            )

    def applied(result: ApplyResult) -> None:
        views.changed(result.event_ids)
        notify(result.event_ids)

    socketio.on_namespace(
        IngestNamespace(
            Applier(store),
            settings.tokens(),
            applied,
            lambda timer_id, backlog: record_contact(ledger, timer_id, backlog),
        )
    )
    socketio.on_namespace(LeagueNamespace(LEAGUE_NAMESPACE))
    app.extensions["lapgate.league_store"] = store
    app.extensions["lapgate.league_views"] = views
    app.extensions["lapgate.league_notify"] = notify
    app.extensions["lapgate.league_timer_ids"] = [t.id for t in settings.timers]
    app.extensions["lapgate.league_staff_hash"] = settings.staff_password_hash
    app.register_blueprint(league_staff.bp)
    # the standings blueprint reads the store through the host; there is no engine here
    app.extensions["lapgate.host"] = SimpleNamespace(race=SimpleNamespace(store=store))
    app.extensions["lapgate.results"] = store  # the standings pages read results from it
    app.extensions["lapgate.settings"] = Settings()
    standings.init_app(app)
    _routes(app, store, views)
    return app, socketio


def _routes(app: Flask, store: SqlStore, views: LeagueViews) -> None:
    @app.get("/")
    def index() -> str:
        return render_template("league.html")

    @app.get("/api/league/events")
    def events() -> Response:
        return jsonify(
            [
                {"event_id": e.event_id, "season": e.season, "name": e.name, "date": e.date}
                for e in store.list_events()
                if store.list_rounds(e.event_id)
            ]
        )

    @app.get("/api/league/events/<event_id>/leaderboard")
    def event_leaderboard(event_id: str) -> Response:
        if store.load_event(event_id) is None:
            abort(404, f"event id: got {event_id!r:.40}, expected a stored event")
        return jsonify(views.leaderboard(event_id))

    @app.get("/api/league/events/<event_id>/rounds")
    def event_rounds(event_id: str) -> Response:
        if store.load_event(event_id) is None:
            abort(404, f"event id: got {event_id!r:.40}, expected a stored event")
        return jsonify(round_leaderboards(store, event_id))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):  # JSON errors for API clients and the pages
            response = jsonify({"error": exc.description, "status": exc.code})
            response.status_code = exc.code or 500
            if exc.code == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="lapgate league staff"'
            return response
        return exc

    @app.get("/healthz")
    def healthz() -> Any:
        return {"ok": True}
