"""The central league service: the ingest namespace and read-only league pages.

`create_league_app(settings)` serves, on the central PostgreSQL store:
- Socket.IO ``/ingest``: timers' deliveries (`board.sync.ingest`);
- ``/``: every event and its combined leaderboard across tracks, live (the page reloads a
  leaderboard when a ``league_update`` arrives on ``/league``);
- ``/api/league/events``, ``/api/league/events/<event_id>/leaderboard`` (combined) and
  ``/api/league/events/<event_id>/rounds`` (each round in its own format) (JSON);
- ``/standings`` and ``/api/standings`` (the board's season standings blueprint);
- ``/staff``, ``/api/league/timers``, ``/api/league/racers/merge``: staff only
  (`board.sync.league_staff`).

With `message_queue` set (Redis), several league processes behind a proxy share the
``league_update`` broadcasts.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from types import SimpleNamespace
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template
from flask_socketio import Namespace, SocketIO

from lapgate.board.store.sql import SqlStore
from lapgate.board.sync.ingest import Applier, ApplyResult, IngestNamespace
from lapgate.board.sync.league_view import LeagueViews, round_leaderboards
from lapgate.board.sync.settings import LeagueSettings
from lapgate.config.settings import Settings

log = logging.getLogger(__name__)
LEAGUE_NAMESPACE = "/league"


class TimerContacts:
    """Each timer's last contact (epoch seconds) and the backlog it reported then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, dict[str, Any]] = {}

    def seen(self, timer_id: str, backlog: dict[str, Any]) -> None:
        records, events = backlog.get("records"), backlog.get("events")
        with self._lock:
            self._seen[timer_id] = {
                "last_contact_s": time.time(),
                "backlog_records": records if isinstance(records, int) else None,
                "backlog_events": events if isinstance(events, int) else None,
            }

    def get(self, timer_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._seen.get(timer_id, {}))


class LeagueNamespace(Namespace):
    """``/league``: pages connect to receive ``league_update``; they send nothing."""

    def on_connect(self, auth: Any = None) -> None:
        return None


def create_league_app(
    settings: LeagueSettings, store: SqlStore | None = None
) -> tuple[Flask, SocketIO]:
    """The league app and its Socket.IO server (threading mode, like the board)."""
    from lapgate.board.sync import league_staff
    from lapgate.board.web import jsonbody, standings

    store = store or SqlStore(settings.database_url)
    app = Flask("lapgate.board", template_folder="templates", static_folder="static")
    app.config.update(SECRET_KEY=secrets.token_hex(32), SEND_FILE_MAX_AGE_DEFAULT=3600)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    jsonbody.init_app(app)  # too deep JSON is bad JSON (400), not a 500
    socketio = SocketIO(
        app,
        async_mode="threading",
        message_queue=settings.message_queue or None,
        ping_interval=10,
        ping_timeout=10,
        serializer=jsonbody.CheckedPacket,  # an unreadable frame is refused, not a traceback
    )
    views = LeagueViews(store)
    contacts = TimerContacts()

    def applied(result: ApplyResult) -> None:
        views.changed(result.event_ids)
        if result.event_ids:
            socketio.emit(
                "league_update", {"event_ids": list(result.event_ids)}, namespace=LEAGUE_NAMESPACE
            )

    socketio.on_namespace(
        IngestNamespace(Applier(store), settings.tokens(), applied, contacts.seen)
    )
    socketio.on_namespace(LeagueNamespace(LEAGUE_NAMESPACE))
    app.extensions["lapgate.league_store"] = store
    app.extensions["lapgate.league_views"] = views
    app.extensions["lapgate.league_contacts"] = contacts
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

    @app.get("/healthz")
    def healthz() -> Any:
        return {"ok": True}
