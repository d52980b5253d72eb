"""The OpenAPI 3.1 document of the JSON API, served at ``/api/openapi.json``.

Reads are described here; every staff command's path and request body are generated from
the live core's command table (`board.live.commands.COMMANDS`), so a new command is
documented as soon as it exists. A test compares the paths with Flask's URL map.
"""

from __future__ import annotations

from typing import Any

from lapgate.board.live.commands import COMMANDS

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


def _public_post(summary: str, body: str | None) -> dict[str, Any]:
    """A spectator's write (a phone's own join): no staff session; bounded per phone."""
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {}}}},
            "400": {
                "description": "A bad value",
                "content": {"application/json": {"schema": ERROR}},
            },
            "409": {
                "description": "Refused by the rules",
                "content": {"application/json": {"schema": ERROR}},
            },
            "429": {
                "description": "Too many tries",
                "content": {"application/json": {"schema": ERROR}},
            },
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "title": body}}},
        }
    return operation


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


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
    paths.update(_program_paths())
    paths.update(_bracket_paths())
    paths.update(_other_paths())
    schemas = _schemas()
    for spec in COMMANDS.values():
        paths[f"/api/control/{spec.name}"] = _command_path(spec.name, spec.summary)
        schema = spec.model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas[_command_schema(spec.name)] = schema
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lapgate board API",
            "version": "1",
            "description": "Durations are whole ms (`*_ms`); instants are float ms on the "
            "track's gate clock (`*_at_ms`), relative to `now_at_ms`. Ids are stable.",
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _command_schema(name: str) -> str:
    return "Command_" + name


STAFF_RESPONSES = {
    "200": {"description": "Done: {ok: true, ...ids}"},
    "400": {
        "description": "A payload value is wrong",
        "content": {"application/json": {"schema": ERROR}},
    },
    "401": {"description": "Not logged in as staff"},
    "403": {"description": "CSRF token missing or wrong"},
    "404": {"description": "Unknown command, round, run, lap, bracket or entry"},
    "409": {"description": "The race rules do not allow it now (the message says why)"},
    "503": {
        "description": "The engine did not answer in time: the action was cancelled and "
        "nothing was changed, or (the message says so) it is still being applied and a retry "
        "with the same Idempotency-Key returns its answer"
    },
}
CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "One per staff action, reused when the action is retried: the action is "
    "applied once and every retry gets the first answer",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{8,128}$"},
}


def _command_path(name: str, summary: str, body: str | None = None) -> dict[str, Any]:
    """A staff command: session cookie, CSRF header, the command's model as the body."""
    return {
        "post": {
            "summary": summary,
            "description": f"Staff command `{name}` (also on the /control socket).",
            "parameters": [CSRF, IDEMPOTENCY_KEY],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _ref(body or _command_schema(name))}},
            },
            "responses": STAFF_RESPONSES,
        }
    }


def _program_paths() -> dict[str, Any]:
    s, ni = {"type": "string"}, {"type": ["integer", "null"]}
    return {
        "/api/program": _get(
            "The event's rounds in order: status, entrants, outcome", _array("ProgramRound")
        ),
        "/api/rounds/{round_id}": _get(
            "One round of the program", _ref("ProgramRound"), "round_id"
        ),
        "/api/rounds/{round_id}/results": _get(
            "The round's places by its kind (bracket: stage of elimination; shootout: lap)",
            {"type": "array", "items": _obj(place=ni, racer_id=s, name=s, value_ms=ni, label=s)},
            "round_id",
        ),
        "/api/rounds/{round_id}/preview": _get(
            "Who would enter the round if it opened now (nothing changes)",
            {"type": "object"},
            "round_id",
        ),
    }


def _bracket_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/brackets": {
            **_get("The event's brackets", {"type": "array", "items": {"type": "object"}}),
            **_command_path("bracket_open", COMMANDS["bracket_open"].summary),
        },
        "/api/brackets/latest": _get(
            "The newest bracket's view (204 No Content before any bracket is open)",
            {"type": "object"},
        ),
        "/api/brackets/{bracket_id}": _get("A bracket's view", {"type": "object"}, "bracket_id"),
    }
    action = _command_path("bracket_<action>", "A bracket command with the id in the path")
    action["post"]["parameters"] = [
        {"name": "bracket_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {
            "name": "action",
            "in": "path",
            "required": True,
            "schema": {"enum": ["stage", "unstage", "decide", "correct", "undo"]},
        },
        CSRF,
        IDEMPOTENCY_KEY,
    ]
    action["post"]["requestBody"]["content"]["application/json"]["schema"] = {"type": "object"}
    paths["/api/brackets/{bracket_id}/{action}"] = action
    return paths


def _other_paths() -> dict[str, Any]:
    return {
        "/api/openapi.json": _get("This document", {"type": "object"}),
        "/api/standings": _get("Season standings (?season=, ?scheme=, ?q=)", {"type": "object"}),
        "/api/standings/racers/{racer_id}": _get(
            "A racer's season history", {"type": "object"}, "racer_id"
        ),
        "/api/export/{fmt}": _get(
            "The event's results: final-csv, laps-csv, json, drem-laps-csv, "
            "drem-summary-csv, pdf or html (staff)",
            {"type": "string"},
            "fmt",
        ),
        "/api/sync": _get("Sync to the central store: status (staff)", {"type": "object"}),
        "/api/sync/retry": _sync_retry_path(),
        "/api/models": _get("Model cards: racer, model name, summary", {"type": "array"}),
        "/api/join": {"post": _public_post("Join a track's queue from a phone", "JoinRequest")},
        "/api/join/me": {
            **_get("This phone's join: state, position, estimated wait", {"type": "object"}),
            "delete": _public_post("Leave the queue (this phone's own entry)", None),
        },
        "/api/join/model": {
            "post": _public_post(
                "Hand in a model card for this phone's joined racer", "ModelUpload"
            )
        },
        "/api/joins": _get(
            "Joins waiting for approval and each track's mode (staff)", {"type": "object"}
        ),
        "/api/models/{card_id}": _get(
            "A model card with the racer's physical laps raced with it",
            {"type": "object"},
            "card_id",
        ),
    }


def _sync_retry_path() -> dict[str, Any]:
    s = {"type": "string"}
    return {
        "post": {
            "summary": "Send quarantined sync items again now: all, or one {kind, id} (staff)",
            "description": "After staff fixed what the league refused; one still refused "
            "is quarantined again with the league's new answer.",
            "parameters": [CSRF],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _obj(kind=s, id=s)}},
            },
            "responses": {
                "200": {"description": "{released: N}"},
                "400": {"description": "A wrong kind or id"},
                "401": {"description": "Not logged in as staff"},
                "403": {"description": "CSRF token missing or wrong"},
                "404": {"description": "No such quarantined item"},
                "409": {"description": "Sync is off"},
            },
        }
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
            invalid_codes={"type": "array", "items": {"type": "object"}},
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
            kind=s,
            status=s,
            track_id=s,
            tracks={"type": "array", "items": s},
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
        "ProgramRound": _obj(
            round_id=s,
            name=s,
            seq=i,
            kind={"enum": ["external", "timed", "bracket", "shootout"]},
            status={"enum": ["pending", "open", "closed"]},
            tracks={"type": "array", "items": s},
            advancement=s,
            advance_rule={
                "type": ["object", "null"],
                "description": "the advancement rule's parts: kind, count, named (racers)",
            },
            entry_from={"type": "array", "items": s},
            entrants={"type": ["array", "null"], "items": _obj(racer_id=s, name=s)},
            entrant_log={"type": "array", "items": _obj(action=s, racer_id=s, name=s, reason=s)},
            advancers={"type": "array", "items": _obj(racer_id=s, name=s)},
            outcome={"type": ["object", "null"]},
            bracket_id={"type": ["string", "null"]},
        ),
        "Snapshot": _obj(
            seq=i,
            event=_ref("Event"),
            program=_array("ProgramRound"),
            tracks=_array("Track"),
            brackets={"type": "object"},
            gates={"type": "object"},
            settings=_obj(
                speak_laps=b,
                sounds={"type": "object", "additionalProperties": b},
            ),
        ),
    }
