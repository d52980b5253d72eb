"""The on-site daemon's side of the sync wiring: start the pusher, show its state.

`start_sync(settings, store, app, host)` is the one hook the composition root calls: with
``[sync] upstream_url`` set (and a SQL store) it starts a `Pusher` woken by every stored
change, and registers ``GET /api/sync`` (staff only): the pusher's state as JSON, or
``{"enabled": false}``, and ``POST /api/sync/retry`` (staff, CSRF) ``{"kind": ..., "id":
...}`` or ``{}`` for all: send quarantined items again now ("Send again" on /control, once
staff fixed what the league refused). The control page's `js/sync-control.js` polls the
state and has the buttons.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request

from lapgate.board.i18n import request_gettext as _
from lapgate.board.sync import wire
from lapgate.board.sync.pusher import Pusher
from lapgate.config.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("sync", __name__)


def timer_id_of(settings: Settings) -> str:
    """The id this daemon authenticates with: its tracks' ids (one Pi, one track usually)."""
    return "+".join(track.id for track in settings.track)


def start_sync(settings: Settings, store: Any, app: Flask, host: Any) -> Pusher | None:
    """Start pushing to ``[sync] upstream_url`` if set; register the state endpoint."""
    app.extensions["lapgate.sync"] = None
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
    url = settings.sync.upstream_url
    if not url:
        return None
    from lapgate.board.store.sql import SqlStore

    if not isinstance(store, SqlStore):
        log.warning("sync: [sync] upstream_url is set but the store is not SQL; not syncing")
        return None
    pusher = Pusher(store, url, timer_id_of(settings), settings.sync.token, poll_interval_s=5.0)
    app.extensions["lapgate.sync"] = pusher
    host.subscribe(lambda _message: pusher.wake())
    pusher.start()
    log.info("sync: pushing to %s as timer %r", url, pusher.timer_id)
    return pusher


@bp.post("/api/sync/retry")
def sync_retry() -> Response:
    from lapgate.board.web.auth import staff_required

    return staff_required(_retry)()


def _retry() -> Response:
    pusher: Pusher | None = current_app.extensions.get("lapgate.sync")
    if pusher is None:
        abort(409, _("sync: off (no [sync] upstream_url); nothing to send again"))
    body = request.get_json(silent=True)
    body = {} if body is None else body
    if not isinstance(body, dict) or set(body) - {"kind", "id"}:
        abort(
            400,
            _(
                'retry: got %(body)s, expected JSON {} or {"kind": ..., "id": ...}',
                body=repr(body)[:80],
            ),
        )
    kind, record_id = body.get("kind"), body.get("id")
    kinds = (*wire.RECORD_KINDS, wire.EVENT_KIND)
    if kind is not None and kind not in kinds:
        abort(
            400,
            _(
                "kind: got %(kind)s, expected one of %(kinds)s",
                kind=repr(kind)[:40],
                kinds=list(kinds),
            ),
        )
    if record_id is not None and (not isinstance(record_id, str) or kind is None):
        abort(
            400,
            _(
                "id: got %(record_id)s, expected a record id (text) with its kind",
                record_id=repr(record_id)[:80],
            ),
        )
    released = pusher.retry(kind, record_id)
    if kind is not None and record_id is not None and not released:
        abort(
            404,
            _(
                "%(kind)s %(record_id)s: expected a quarantined item",
                kind=kind,
                record_id=repr(record_id)[:80],
            ),
        )
    return jsonify({"released": released})


@bp.get("/api/sync")
def sync_state() -> Response:
    from lapgate.board.web.auth import is_staff

    if not is_staff():
        abort(401, _("staff only: log in on /control"))
    pusher: Pusher | None = current_app.extensions.get("lapgate.sync")
    if pusher is None:
        return jsonify({"enabled": False})
    return jsonify({"enabled": True, **pusher.snapshot()})
