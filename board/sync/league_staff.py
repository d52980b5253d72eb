"""The league's staff pages: each timer's sync state and refused records, racer merges.

Staff authenticate with HTTP Basic (any user name, the password whose werkzeug hash is
``[league] staff_password_hash``; `lapgate hash-password` makes one); with no hash set the
pages answer 403. Serve the league over TLS: the password travels with every request.

- ``GET /staff``: the page; ``GET /api/league/timers``: each configured timer's last
  contact, the backlog it reported then, how many records it owns, and its refused records
  with their reasons (JSON);
- ``POST /api/league/racers/merge`` ``{"kept_id": ..., "merged_id": ...}``: link one person
  registered separately at two venues (the merged racer's results move to the kept one;
  a timer can never do this by writing a record).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from werkzeug.security import check_password_hash

from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger
from lapgate.timer.errors import LapgateError

log = logging.getLogger(__name__)
bp = Blueprint("league_staff", __name__)


def staff_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        password_hash: str = current_app.extensions["lapgate.league_staff_hash"]
        if not password_hash:
            abort(403, "staff pages: set [league] staff_password_hash to use them")
        auth = request.authorization
        if auth is None or not check_password_hash(password_hash, auth.password or ""):
            log.warning("league staff: refused a login from %s", request.remote_addr)
            return Response(
                "staff only", 401, {"WWW-Authenticate": 'Basic realm="lapgate league staff"'}
            )
        return view(*args, **kwargs)

    return checked


def timers_state() -> list[dict[str, Any]]:
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    contacts = current_app.extensions["lapgate.league_contacts"]
    timer_ids: list[str] = current_app.extensions["lapgate.league_timer_ids"]
    ledger = SyncLedger(store)
    owned = ledger.owners()
    refusals = ledger.refusals()
    return [
        {
            "timer_id": timer_id,
            "last_contact_s": None,
            "backlog_records": None,
            "backlog_events": None,
            **contacts.get(timer_id),
            "records_owned": owned.get(timer_id, 0),
            "refused": [r.to_dict() for r in refusals if r.timer_id == timer_id],
        }
        for timer_id in timer_ids
    ]


@bp.get("/staff")
@staff_only
def staff_page() -> str:
    return render_template("league_staff.html", timers=timers_state())


@bp.get("/api/league/timers")
@staff_only
def timers() -> Response:
    return jsonify(timers_state())


@bp.post("/api/league/racers/merge")
@staff_only
def merge() -> Response:
    body = request.get_json(silent=True)  # JSON only: a cross-site form cannot send it
    kept = body.get("kept_id") if isinstance(body, dict) else None
    merged = body.get("merged_id") if isinstance(body, dict) else None
    if not isinstance(kept, str) or not isinstance(merged, str):
        abort(400, 'merge: expected JSON {"kept_id": "...", "merged_id": "..."}')
    store: SqlStore = current_app.extensions["lapgate.league_store"]
    try:
        merge_id = store.merge_racers(kept, merged)
    except LapgateError as exc:
        abort(409, str(exc))
    log.info("league staff: merged racer %s into %s (merge %d)", merged, kept, merge_id)
    events = tuple(e.event_id for e in store.list_events())
    current_app.extensions["lapgate.league_views"].changed(events)  # leaderboards re-join
    return jsonify({"merge_id": merge_id, "kept_id": kept, "merged_id": merged})
