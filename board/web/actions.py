"""Staff actions: one table of named actions shared by the HTTP API and the control socket.

Each action checks its JSON payload (a bad value raises `ActionError` naming the value and
what was expected), then runs on the engine host's thread, where it reads the track's gate
clock for "now" and records the matching run event (rules checked by `timer.staff`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from board.host import EngineHost, HostStopped
from board.race import ActionError, NotFound, Race, RunRecord
from timer.errors import LapgateError, RuleViolation
from timer.events import (
    AbortRun,
    AdjustResets,
    EndRun,
    InvalidateLap,
    ManualCrossing,
    MarkDnf,
    RestoreLap,
    StartRun,
    Undo,
)

log = logging.getLogger(__name__)
Payload = dict[str, Any]
Action = Callable[[Race, Payload], Payload]
MAX_TEXT_CHARS = 200


def _text(payload: Payload, key: str, default: str = "") -> str:
    value = payload.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > MAX_TEXT_CHARS:
        raise ActionError(f"{key}: got {value!r:.60}, expected text of at most {MAX_TEXT_CHARS}")
    return value.strip()


def _int(payload: Payload, key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActionError(f"{key}: got {value!r:.60}, expected a whole number")
    return value


def _optional_id(payload: Payload, key: str) -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ActionError(f"{key}: got {value!r:.60}, expected an id string")
    return value


def _run(race: Race, payload: Payload) -> RunRecord:
    """The run named by `run_id`, or the current run of the track (`track_id` or first)."""
    run_id = _optional_id(payload, "run_id")
    if run_id is not None:
        return race.run(run_id)
    track = race.track(_optional_id(payload, "track_id"))
    if track.current_run_id is None:
        raise RuleViolation(f"track {track.track_id}: no run is staged; stage a racer first")
    return race.runs[track.current_run_id]


def _now(race: Race, run: RunRecord) -> int:
    return race.now_ns(race.track_of_run(run))


def _lap_end_ns(run: RunRecord, payload: Payload) -> int:
    number = _int(payload, "lap")
    for lap in run.state.laps:
        if lap.number == number:
            return lap.end_ns
    raise NotFound(f"lap: got {number}, expected 1–{len(run.state.laps)} of this run")


def _event(race: Race, run: RunRecord, event: Any) -> Payload:
    event_id = race.apply(run.info.run_id, event)
    return {"run_id": run.info.run_id, "event_id": event_id}


def queue_add(race: Race, payload: Payload) -> Payload:
    racer = race.add_racer(payload.get("alias"))
    entry_id = race.queue_add(
        _optional_id(payload, "track_id"),
        racer,
        _text(payload, "car"),
        _text(payload, "model"),
    )
    return {"entry_id": entry_id, "racer_id": racer.racer_id}


def queue_move(race: Race, payload: Payload) -> Payload:
    entry_id = _optional_id(payload, "entry_id")
    if entry_id is None:
        raise ActionError("entry_id: got nothing, expected a queue entry id")
    race.queue_move(_optional_id(payload, "track_id"), entry_id, _int(payload, "position"))
    return {}


def queue_remove(race: Race, payload: Payload) -> Payload:
    entry_id = _optional_id(payload, "entry_id")
    if entry_id is None:
        raise ActionError("entry_id: got nothing, expected a queue entry id")
    race.queue_remove(_optional_id(payload, "track_id"), entry_id)
    return {}


def stage(race: Race, payload: Payload) -> Payload:
    run_id = race.stage(_optional_id(payload, "track_id"), _optional_id(payload, "entry_id"))
    return {"run_id": run_id}


def start(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, StartRun(_now(race, run)))


def end(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, EndRun(_now(race, run)))


def dnf(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, MarkDnf(_now(race, run), _text(payload, "reason")))


def abort(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, AbortRun(_now(race, run), _text(payload, "reason")))


def manual_lap(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, ManualCrossing(_now(race, run)))


def reset(race: Race, payload: Payload) -> Payload:
    """A reset +1/−1 on lap `lap`, or on the lap in progress when `lap` is absent."""
    run = _run(race, payload)
    delta = _int(payload, "delta")
    if delta not in (1, -1):
        raise ActionError(f"delta: got {delta}, expected 1 or -1")
    at_ns = _lap_end_ns(run, payload) if payload.get("lap") is not None else _now(race, run)
    return _event(race, run, AdjustResets(at_ns, delta))


def invalidate(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, InvalidateLap(_lap_end_ns(run, payload), _text(payload, "reason")))


def restore(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, RestoreLap(_lap_end_ns(run, payload)))


def undo(race: Race, payload: Payload) -> Payload:
    run = _run(race, payload)
    return _event(race, run, Undo(_int(payload, "event_id")))


def speak(race: Race, payload: Payload) -> Payload:
    value = payload.get("on")
    if not isinstance(value, bool):
        raise ActionError(f"on: got {value!r:.60}, expected true or false")
    race.set_speak(value)
    return {"speak_laps": value}


ACTIONS: dict[str, Action] = {
    "queue_add": queue_add,
    "queue_move": queue_move,
    "queue_remove": queue_remove,
    "stage": stage,
    "start": start,
    "end": end,
    "dnf": dnf,
    "abort": abort,
    "manual_lap": manual_lap,
    "reset": reset,
    "invalidate": invalidate,
    "restore": restore,
    "undo": undo,
    "speak": speak,
}


def perform(host: EngineHost, name: object, payload: object) -> Payload:
    """Check `name` and `payload`, run the action on the host thread, return its result.

    Lapgate errors (bad value, rule, unknown id) propagate for the caller to map with
    `error_status`; anything else (the store failed, the host is stopped or busy) becomes
    `ActionFailed`, so the daemon answers and keeps running.
    """
    if not isinstance(name, str) or name not in ACTIONS:
        raise NotFound(f"action: got {name!r:.60}, expected one of {sorted(ACTIONS)}")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ActionError(f"payload: got {type(payload).__name__}, expected a JSON object")
    action = ACTIONS[name]
    checked: Payload = payload
    try:
        return host.call(lambda race: action(race, checked))
    except (HostStopped, TimeoutError) as exc:
        raise ActionFailed(f"{name}: the engine is not answering ({exc}); try again") from exc
    except LapgateError:
        raise
    except Exception as exc:
        log.exception("action %s failed", name)
        raise ActionFailed(f"{name}: failed and nothing was changed ({exc})") from exc


class ActionFailed(LapgateError, RuntimeError):
    """An action could not be carried out for a reason that is not the request's fault."""


def error_status(exc: Exception) -> int:
    """The HTTP status for an error an action raised."""
    if isinstance(exc, LookupError):
        return 404
    if isinstance(exc, ActionError):
        return 400
    if isinstance(exc, RuleViolation):
        return 409
    if isinstance(exc, ActionFailed | HostStopped):
        return 503
    return 500
