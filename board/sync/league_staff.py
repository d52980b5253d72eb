"""The league's staff pages: each timer's sync state and refused records, racer merges.

Staff authenticate with HTTP Basic (any user name, the password whose werkzeug hash is
``[league] staff_password_hash``; `lapgate hash-password` makes one); with no hash set the
pages answer 403. Serve the league over TLS: the password travels with every request.

- ``GET /staff``: the page; ``GET /api/league/timers``: each configured timer's last
  contact, the backlog it reported then, how many records it owns, and its refused records
  with their reasons (JSON);
- ``GET /api/league/racers?q=TEXT``: racers whose alias, id or user id contains TEXT, each
  with the timer that registered it and its runs per track (to tell two people apart);
- ``POST /api/league/racers/merge`` ``{"kept_id": ..., "merged_id": ...}``: link one person
  registered separately at two venues (the merged racer's results move to the kept one,
  and runs synced for it later count for the kept one too; a timer can never do this by
  writing a record);
- ``GET /api/league/merges``: every merge, newest first;
  ``POST /api/league/racers/unmerge`` ``{"merge_id": N}``: undo a merge (everything moved
  goes back). The page does all this with a search, a confirmation and an undo button.

POSTs take JSON only: a browser sends cached Basic credentials with a cross-site form too,
but a cross-site page cannot send ``application/json`` without the league's consent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from werkzeug.security import check_password_hash

from lapgate.board.i18n import request_error_text
from lapgate.board.i18n import request_gettext as _
from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger
from lapgate.timer.errors import LapgateError

log = logging.getLogger(__name__)
MAX_QUERY = 200
MAX_FOUND = 20
bp = Blueprint("league_staff", __name__)


def staff_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        password_hash: str = current_app.extensions["lapgate.league_staff_hash"]
        if not password_hash:
            abort(403, _("staff pages: set [league] staff_password_hash to use them"))
        auth = request.authorization
        if auth is None or not check_password_hash(password_hash, auth.password or ""):
            log.warning("league staff: refused a login from %s", request.remote_addr)
            message = "staff only: log in with the league staff password"
            response = (
                jsonify({"error": message, "status": 401})
                if request.path.startswith("/api/")
                else Response(message, 401)
            )
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Basic realm="lapgate league staff"'
            return response
        return view(*args, **kwargs)

    return checked


def timers_state() -> list[dict[str, Any]]:
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    timer_ids: list[str] = current_app.extensions["lapgate.league_timer_ids"]
    ledger = SyncLedger(store)
    owned = ledger.owners()
    refusals = ledger.refusals()
    contacts = ledger.contacts()
    return [
        {
            "timer_id": timer_id,
            "last_contact_s": None,
            "backlog_records": None,
            "backlog_events": None,
            **(contacts[timer_id].to_dict() if timer_id in contacts else {}),
            "records_owned": owned.get(timer_id, 0),
            "refused": [r.to_dict() for r in refusals if r.timer_id == timer_id],
        }
        for timer_id in timer_ids
    ]


@bp.get("/staff")
@staff_only
def staff_page() -> str:
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    return render_template("league_staff.html", timers=timers_state(), merges=store.merge_details())


@bp.get("/api/league/timers")
@staff_only
def timers() -> Response:
    return jsonify(timers_state())


@bp.get("/api/league/racers")
@staff_only
def racers() -> Response:
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        abort(
            400,
            _(
                "q: got %(chars)s characters, expected at most %(max_chars)s",
                chars=len(text),
                max_chars=MAX_QUERY,
            ),
        )
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    return jsonify([r.to_dict() for r in store.find_racers(text, limit=MAX_FOUND)])


@bp.get("/api/league/merges")
@staff_only
def merges() -> Response:
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    return jsonify([m.to_dict() for m in store.merge_details()])


def _json_field(body: Any, name: str, kind: type, example: str) -> Any:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        abort(
            400,
            _(
                "%(name)s: got %(value)s, expected JSON %(example)s",
                name=name,
                value=repr(value)[:60],
                example=example,
            ),
        )
    return value


@bp.post("/api/league/racers/merge")
@staff_only
def merge() -> Response:
    body = request.get_json(silent=True)  # JSON only: a cross-site form cannot send it
    example = '{"kept_id": "...", "merged_id": "..."}'
    kept = _json_field(body, "kept_id", str, example)
    merged = _json_field(body, "merged_id", str, example)
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    try:
        merge_id = store.merge_racers(kept, merged)
    except LookupError as exc:
        abort(404, request_error_text(exc))
    except LapgateError as exc:
        abort(409, request_error_text(exc))
    log.info("league staff: merged racer %s into %s (merge %d)", merged, kept, merge_id)
    _standings_changed(store)
    return jsonify({"merge_id": merge_id, "kept_id": kept, "merged_id": merged})


@bp.post("/api/league/racers/unmerge")
@staff_only
def unmerge() -> Response:
    body = request.get_json(silent=True)
    merge_id = _json_field(body, "merge_id", int, '{"merge_id": 1}')
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    try:
        store.undo_merge(merge_id)
    except LookupError as exc:
        abort(404, request_error_text(exc))
    except LapgateError as exc:
        abort(409, request_error_text(exc))
    log.info("league staff: undid merge %d", merge_id)
    _standings_changed(store)
    return jsonify({"merge_id": merge_id, "undone": True})


def _standings_changed(store: SqlStore) -> None:
    """Every event's combined leaderboard joins racers anew; open pages reload."""
    events = tuple(e.event_id for e in store.list_events())
    current_app.extensions["lapgate.league_views"].changed(events)
    notify = current_app.extensions.get("lapgate.league_notify")
    if notify is not None:
        notify(events)
