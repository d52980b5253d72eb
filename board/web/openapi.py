"""The OpenAPI 3.1 document of the JSON API, served at ``/api/openapi.json``."""

from __future__ import annotations

from typing import Any

from board.web.actions import ACTIONS

ERROR = {"$ref": "#/components/schemas/Error"}


def _get(summary: str, schema: dict[str, Any], *params: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in params
            ],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                "404": {
                    "description": "Unknown id",
                    "content": {"application/json": {"schema": ERROR}},
                },
            },
        }
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


ACTION_FIELDS: dict[str, str] = {
    "queue_add": "alias (text, 1–60 chars), car?, model?, track_id?",
    "queue_move": "entry_id, position (0-based), track_id?",
    "queue_remove": "entry_id, track_id?",
    "stage": "entry_id? (default: first in queue), track_id?",
    "start": "run_id? (default: the track's current run), track_id?",
    "end": "run_id?, track_id?",
    "dnf": "run_id?, reason?",
    "abort": "run_id?, reason?",
    "manual_lap": "run_id?, track_id?",
    "reset": "delta (1 or -1), lap? (number; default: the lap in progress), run_id?",
    "invalidate": "lap (number), reason?, run_id?",
    "restore": "lap (number), run_id?",
    "undo": "event_id (the run log id to cancel; undoing an undo redoes), run_id?",
    "speak": "on (true/false): spoken lap times on the big screen",
}


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/snapshot": _get(
            "Everything a screen needs (as the socket snapshot)", _ref("Snapshot")
        ),
        "/api/event": _get("The event and its rounds", _ref("Event")),
        "/api/tracks/{track_id}": _get(
            "A track: round, current run, leaderboard, queue", _ref("Track"), "track_id"
        ),
        "/api/rounds/{round_id}/leaderboard": _get(
            "A round's standings, with the laps each result comes from (laps_in_metric)",
            _array("Standing"),
            "round_id",
        ),
        "/api/rounds/{round_id}/queue": _get("A round's queue", _array("QueueEntry"), "round_id"),
        "/api/runs/{run_id}": _get("A run with its laps", _ref("Run"), "run_id"),
        "/api/runs/{run_id}/events": _get(
            "A run's event log (ids stable)",
            {"type": "array", "items": {"type": "object"}},
            "run_id",
        ),
        "/api/racers": _get(
            "Racers (filter with ?q=)", {"type": "array", "items": {"type": "object"}}
        ),
        "/api/racers/{racer_id}": _get(
            "A racer with all runs and laps", {"type": "object"}, "racer_id"
        ),
        "/api/gates": _get("Gate health by gate id", {"type": "object"}),
    }
    paths["/api/control/{action}"] = {
        "post": {
            "summary": "A staff action (staff session cookie + X-CSRF-Token header)",
            "description": "\n".join(f"- `{name}`: {ACTION_FIELDS[name]}" for name in ACTIONS),
            "parameters": [
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": sorted(ACTIONS)},
                },
                {
                    "name": "X-CSRF-Token",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                },
            ],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {
                "200": {"description": "Done: {ok: true, ...ids}"},
                "400": {
                    "description": "A payload value is wrong",
                    "content": {"application/json": {"schema": ERROR}},
                },
                "401": {"description": "Not logged in as staff"},
                "403": {"description": "CSRF token missing or wrong"},
                "404": {"description": "Unknown action, run, lap, event or entry"},
                "409": {"description": "The race rules do not allow it now"},
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lapgate board API",
            "version": "1",
            "description": "Durations are whole ms (`*_ms`); instants are float ms on the "
            "track's gate clock (`*_at_ms`), relative to `now_at_ms`. Ids are stable.",
        },
        "paths": paths,
        "components": {"schemas": _schemas()},
    }


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


def _schemas() -> dict[str, Any]:
    s, i, n, b = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
    ni = {"type": ["integer", "null"]}
    nn = {"type": ["number", "null"]}
    return {
        "Error": _obj(error=s, status=i),
        "Lap": _obj(
            number=i,
            duration_ms=i,
            start_at_ms=n,
            end_at_ms=n,
            resets=i,
            valid=b,
            invalid_reasons={"type": "array", "items": s},
            source=s,
            end_event_id=i,
            invalidated_by_staff=b,
        ),
        "Run": _obj(
            run_id=s,
            round_id=s,
            racer_id=s,
            racer=s,
            seq=i,
            car=s,
            model=s,
            status={"enum": ["staged", "running", "finished", "dnf", "aborted"]},
            time_limit_ms=i,
            grace_ms=i,
            started_at_ms=nn,
            deadline_at_ms=nn,
            ended_at_ms=nn,
            current_lap_start_at_ms=nn,
            current_lap_resets=i,
            laps=_array("Lap"),
            last_lap_ms=ni,
            best_lap_ms=ni,
            window_laps=i,
            window_ms=ni,
            undoable={"type": "array", "items": _obj(event_id=i, label=s)},
        ),
        "Standing": _obj(
            rank=ni,
            racer_id=s,
            name=s,
            value_ms=ni,
            gap_to_leader_ms=ni,
            gap_to_ahead_ms=ni,
            valid_laps=i,
            laps=i,
            runs=i,
            laps_in_metric={
                "type": "array",
                "items": _obj(run_id=s, lap=i, duration_ms=i),
                "description": "only in GET /api/rounds/{round_id}/leaderboard",
            },
        ),
        "QueueEntry": _obj(entry_id=s, racer_id=s, name=s, car=s, model=s, position=i),
        "Round": _obj(
            round_id=s,
            name=s,
            seq=i,
            track_id=s,
            format=s,
            format_label=s,
            format_laps=i,
            time_limit_ms=i,
        ),
        "Track": _obj(
            track_id=s,
            name=s,
            gate_id=s,
            now_at_ms=n,
            round=_ref("Round"),
            run={"oneOf": [_ref("Run"), {"type": "null"}]},
            leaderboard=_array("Standing"),
            queue=_array("QueueEntry"),
        ),
        "Event": _obj(event_id=s, name=s, season=s, kind=s, rounds=_array("Round")),
        "Snapshot": _obj(
            seq=i,
            event=_ref("Event"),
            tracks=_array("Track"),
            gates={"type": "object"},
            settings=_obj(speak_laps=b),
        ),
    }
