"""Brackets on the board: `/brackets` (big screen), `/m/brackets` (phones), the JSON API.

Reads are public: ``GET /api/brackets`` lists the event's brackets, ``GET
/api/brackets/latest`` and ``GET /api/brackets/<id>`` give a bracket's view (see
`board.live.brackets.view`). Staff actions need a staff session and the CSRF token (header
``X-CSRF-Token``); they are the live core's bracket commands under bracket-shaped paths:
``POST /api/brackets`` is ``bracket_open``, ``POST /api/brackets/<id>/<action>`` is
``bracket_<action>`` (``stage``, ``unstage``, ``decide``, ``correct``, ``undo``) with the
id in the path; the same commands are served by ``POST /api/control/<command>``. Every
change is pushed to ``/live`` clients as an ``update`` with ``type: "bracket"``. Errors are
JSON ``{"error", "status"}``: 400 a bad value (named), 401/403 not staff or no CSRF token,
404 unknown id, 409 against the rules.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request

from lapgate.board.i18n import request_error_text
from lapgate.board.i18n import request_gettext as _
from lapgate.board.live import brackets
from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.live.race import Race
from lapgate.board.web.actions import error_status, perform
from lapgate.board.web.auth import staff_required
from lapgate.board.web.jsonbody import json_body
from lapgate.timer.errors import LapgateError

bp = Blueprint("brackets", __name__)
ACTIONS = ("stage", "unstage", "decide", "correct", "undo")
Payload = dict[str, Any]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    from lapgate.board.web.pages import N_, NAV

    if ("Brackets", "/m/brackets") not in NAV:
        NAV.append((N_("Brackets"), "/m/brackets"))


def _host() -> EngineHost:
    host: EngineHost = current_app.extensions["lapgate.host"]
    return host


def _read(work: Any) -> Response:
    try:
        return jsonify(_host().call(work))
    except LapgateError as exc:
        abort(error_status(exc), request_error_text(exc))
    except (HostStopped, TimeoutError) as exc:
        abort(
            503, _("the engine is not answering (%(exc)s); try again", exc=request_error_text(exc))
        )


def _command(name: str, payload: Payload) -> Response:
    try:
        result = perform(_host(), name, payload, request.headers.get("Idempotency-Key"))
    except LapgateError as exc:
        abort(error_status(exc), request_error_text(exc))
    return jsonify({"ok": True, **result})


def _payload() -> Payload:
    payload = json_body()
    if not isinstance(payload, dict):
        abort(400, _("body: got something that is not a JSON object, expected a JSON object"))
    return payload


# ---- pages ------------------------------------------------------------------------------


@bp.get("/brackets")
def screen() -> str:
    return render_template("brackets.html", mode="screen", bracket_id=request.args.get("id", ""))


@bp.get("/m/brackets")
def phone() -> str:
    from lapgate.board.web.pages import NAV

    return render_template(
        "brackets.html", mode="phone", nav=NAV, bracket_id=request.args.get("id", "")
    )


# ---- reads ------------------------------------------------------------------------------


@bp.get("/api/brackets")
def listing() -> Response:
    return _read(brackets.summary)


@bp.get("/api/brackets/latest")
def latest() -> Response:
    """The newest bracket's view; 204 No Content before any bracket is open (every big
    screen and bracket page asks on load: not an error to log)."""

    def work(race: Race) -> Payload | None:
        bracket = brackets.latest(race)
        return None if bracket is None else brackets.view(race, bracket)

    try:
        view = _host().call(work)
    except LapgateError as exc:
        abort(error_status(exc), request_error_text(exc))
    except (HostStopped, TimeoutError) as exc:
        abort(
            503, _("the engine is not answering (%(exc)s); try again", exc=request_error_text(exc))
        )
    return Response(status=204) if view is None else jsonify(view)


@bp.get("/api/brackets/<bracket_id>")
def one(bracket_id: str) -> Response:
    return _read(lambda race: brackets.view(race, brackets.get(race, bracket_id)))


# ---- staff actions: the bracket commands ---------------------------------------------------


@bp.post("/api/brackets")
@staff_required
def open_bracket() -> Response:
    return _command("bracket_open", _payload())


@bp.post("/api/brackets/<bracket_id>/<action>")
@staff_required
def act(bracket_id: str, action: str) -> Response:
    if action not in ACTIONS:
        abort(
            404,
            _(
                "bracket action: got %(action)s, expected one of %(actions)s",
                action=repr(action)[:40],
                actions=list(ACTIONS),
            ),
        )
    return _command(f"bracket_{action}", {**_payload(), "bracket_id": bracket_id})
