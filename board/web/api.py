"""The JSON API: the same data as the Socket.IO push, with stable ids; staff actions.

Reads are public. `POST /api/control/<action>` needs a staff session and the CSRF token
(header ``X-CSRF-Token``) and, optionally, an ``Idempotency-Key`` header: one key per
staff action, reused on retry, so a retried action is applied once and answered as the
first attempt was. Errors are JSON ``{"error": message, "status": code}``.
The OpenAPI document is served at ``/api/openapi.json`` (see `board.web.openapi`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request

from lapgate.board.i18n import request_error_text
from lapgate.board.i18n import request_gettext as _
from lapgate.board.live import program
from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.live.race import Race
from lapgate.board.live.views import (
    event_view,
    gates_view,
    program_round_view,
    program_view,
    queue_view,
    racer_view,
    results_view,
    run_view,
    standing_view,
    track_view,
)
from lapgate.board.web.actions import error_reply, error_status, perform
from lapgate.board.web.auth import staff_required
from lapgate.board.web.jsonbody import json_body
from lapgate.board.web.openapi import openapi_document
from lapgate.timer.errors import LapgateError
from lapgate.timer.events import event_to_dict

bp = Blueprint("api", __name__, url_prefix="/api")


def _host() -> EngineHost:
    host: EngineHost = current_app.extensions["lapgate.host"]
    return host


def _read(work: Any) -> Response:
    """Run a read on the host thread (consistent view), mapping lapgate errors to JSON."""
    try:
        return jsonify(_host().call(work))
    except (HostStopped, TimeoutError) as exc:
        abort(
            503, _("the engine is not answering (%(exc)s); try again", exc=request_error_text(exc))
        )
    except LapgateError as exc:
        abort(error_status(exc), request_error_text(exc))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/snapshot")
def snapshot() -> Response:
    host = _host()
    return _read(lambda race: host.snapshot_now())


@bp.get("/event")
def event() -> Response:
    return _read(event_view)


@bp.get("/tracks/<track_id>")
def track(track_id: str) -> Response:
    return _read(lambda race: track_view(race, race.track(track_id)))


def _round(race: Race, round_id: str) -> str:
    return race.find_round(round_id).round_id


@bp.get("/program")
def program_list() -> Response:
    """The event's rounds in order with status, entrants and outcome."""
    return _read(program_view)


@bp.get("/rounds/<round_id>")
def round_detail(round_id: str) -> Response:
    return _read(lambda race: program_round_view(race, _round(race, round_id)))


@bp.get("/rounds/<round_id>/results")
def round_results(round_id: str) -> Response:
    """The round's places by its kind: brackets by elimination stage, shootouts by lap."""
    return _read(lambda race: results_view(race, _round(race, round_id)))


@bp.get("/rounds/<round_id>/preview")
def round_preview(round_id: str) -> Response:
    """Who would enter the round if staff opened it now (nothing changes); a rule that
    stops it in the client's language (read here: the host thread has no request)."""
    from lapgate.board.i18n import DEFAULT_LANGUAGE, current_language, error_text

    try:
        lang = current_language()
    except KeyError:  # an app without the language (board/i18n.py init_app)
        lang = DEFAULT_LANGUAGE
    return _read(
        lambda race: program.preview(race, _round(race, round_id), lambda e: error_text(e, lang))
    )


@bp.get("/rounds/<round_id>/leaderboard")
def leaderboard(round_id: str) -> Response:
    def work(race: Race) -> list[dict[str, Any]]:
        return [standing_view(s, detail=True) for s in race.standings(_round(race, round_id))]

    return _read(work)


@bp.get("/rounds/<round_id>/queue")
def queue(round_id: str) -> Response:
    return _read(lambda race: queue_view(race, _round(race, round_id)))


@bp.get("/runs/<run_id>")
def run(run_id: str) -> Response:
    return _read(lambda race: run_view(race, race.run(run_id)))


@bp.get("/runs/<run_id>/events")
def run_events(run_id: str) -> Response:
    def work(race: Race) -> list[dict[str, Any]]:
        entries = race.run(run_id).log.entries
        return [{"event_id": e.event_id, **event_to_dict(e.event)} for e in entries]

    return _read(work)


@bp.get("/racers")
def racers() -> Response:
    query = request.args.get("q", "").casefold()

    def work(race: Race) -> list[dict[str, Any]]:
        found = [r for r in race.racers.values() if query in r.alias.casefold()]
        found.sort(key=lambda r: r.alias.casefold())
        runs: dict[str, int] = {}
        for run in race.runs.values():
            runs[run.info.racer_id] = runs.get(run.info.racer_id, 0) + 1
        return [
            {"racer_id": r.racer_id, "alias": r.alias, "runs": runs.get(r.racer_id, 0)}
            for r in found
        ]

    return _read(work)


@bp.get("/racers/<racer_id>")
def racer(racer_id: str) -> Response:
    return _read(lambda race: racer_view(race, racer_id))


@bp.get("/gates")
def gates() -> Response:
    return _read(gates_view)


@bp.post("/control/<action>")
@staff_required
def control(action: str) -> Response:
    payload = json_body()
    try:
        result = perform(_host(), action, payload, request.headers.get("Idempotency-Key"))
    except LapgateError as exc:
        reply = error_reply(exc)
        response = jsonify({key: value for key, value in reply.items() if key != "ok"})
        response.status_code = reply["status"]
        return response
    return jsonify({"ok": True, **result})
