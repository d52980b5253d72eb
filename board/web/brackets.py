"""Brackets on the board: `/brackets` (big screen), `/m/brackets` (phones), the JSON API.

Reads are public: ``GET /api/brackets`` lists the event's brackets, ``GET
/api/brackets/latest`` and ``GET /api/brackets/<id>`` give a bracket's view (see
`board.brackets_service.BracketService.view`). Staff actions need a staff session and the
CSRF token (header ``X-CSRF-Token``): ``POST /api/brackets`` opens a bracket from a round's
leaderboard; ``POST /api/brackets/<id>/<action>`` with action ``stage``, ``unstage``,
``decide``, ``correct`` or ``undo``. Every change is pushed to ``/live`` clients as an
``update`` with ``type: "bracket"``. Errors are JSON ``{"error", "status"}``: 400 a bad
value (named), 401/403 not staff or no CSRF token, 404 unknown id, 409 against the rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request

from board.brackets_service import BracketService, Payload
from board.host import EngineHost, HostStopped
from board.race import Race
from board.web.actions import error_status
from board.web.auth import staff_required
from timer.errors import LapgateError

log = logging.getLogger(__name__)
bp = Blueprint("brackets", __name__)
ACTIONS = ("stage", "unstage", "decide", "correct", "undo")


def init_app(app: Flask) -> None:
    """Register the blueprint and the bracket service (brackets rebuilt from the store)."""
    host: EngineHost = app.extensions["lapgate.host"]
    service = BracketService(host)
    service.load()
    app.extensions["lapgate.brackets"] = service
    app.register_blueprint(bp)
    from board.web.pages import NAV

    if ("Brackets", "/m/brackets") not in NAV:
        NAV.append(("Brackets", "/m/brackets"))


def _service() -> BracketService:
    service: BracketService = current_app.extensions["lapgate.brackets"]
    return service


def _on_host(work: Callable[[Race], Any]) -> Response:
    """Run `work` on the engine host's thread; lapgate errors become JSON errors."""
    try:
        return jsonify(_service().host.call(work))
    except LapgateError as exc:
        abort(error_status(exc), str(exc))
    except (HostStopped, TimeoutError) as exc:
        abort(503, f"the engine is not answering ({exc}); try again")
    except Exception as exc:  # the store failed: nothing changed, the board goes on
        log.exception("bracket request failed")
        abort(503, f"failed and nothing was changed ({exc}); try again")


def _payload() -> Payload:
    if not request.data:
        return {}
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, "body: got something that is not a JSON object, expected a JSON object")
    return payload


# ---- pages ------------------------------------------------------------------------------


@bp.get("/brackets")
def screen() -> str:
    return render_template("brackets.html", mode="screen", bracket_id=request.args.get("id", ""))


@bp.get("/m/brackets")
def phone() -> str:
    from board.web.pages import NAV

    return render_template(
        "brackets.html", mode="phone", nav=NAV, bracket_id=request.args.get("id", "")
    )


# ---- reads ------------------------------------------------------------------------------


@bp.get("/api/brackets")
def listing() -> Response:
    service = _service()
    return _on_host(service.summary)


@bp.get("/api/brackets/latest")
def latest() -> Response:
    service = _service()

    def work(race: Race) -> Payload:
        bracket = service.latest()
        if bracket is None:
            from board.race import NotFound

            raise NotFound("bracket: none is open yet; open one from the control page")
        return service.view(race, bracket)

    return _on_host(work)


@bp.get("/api/brackets/<bracket_id>")
def one(bracket_id: str) -> Response:
    service = _service()
    return _on_host(lambda race: service.view(race, service.get(bracket_id)))


# ---- staff actions ----------------------------------------------------------------------


@bp.post("/api/brackets")
@staff_required
def open_bracket() -> Response:
    service, payload = _service(), _payload()
    return _on_host(lambda race: {"ok": True, **service.open(race, payload)})


@bp.post("/api/brackets/<bracket_id>/<action>")
@staff_required
def act(bracket_id: str, action: str) -> Response:
    if action not in ACTIONS:
        abort(404, f"bracket action: got {action!r:.40}, expected one of {list(ACTIONS)}")
    service, payload = _service(), _payload()
    method = getattr(service, action)
    return _on_host(lambda race: {"ok": True, **method(race, bracket_id, payload)})
