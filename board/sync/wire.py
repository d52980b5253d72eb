"""The sync wire format: domain records as JSON dicts, and their digests.

Every record keeps its stable id, so the central side can upsert it. A digest (sha256 of
the canonical JSON) tells the pusher whether the version the central store acknowledged is
still the current one.

Fields added later are read with their default when absent, so payloads from older timers
still apply: a round's kind, status and state, a run's track_id.

Reading a record (`*_from_wire`) checks every field's type and range against the limits the
venue applies (`config.limits`) and raises `WireError` naming the record, the field and the
bad value; `check_run_event` does the same for a run event (times are integer nanoseconds,
never a float, within a 64-bit column).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.store.codec import run_config_from_dict, run_config_to_dict
from lapgate.config import limits
from lapgate.timer.errors import LapgateError
from lapgate.timer.events import RunEvent, event_from_dict
from lapgate.timer.formats import Format, FormatKind

NAMESPACE = "/ingest"
UPSERT = "upsert"
# Record kinds in the order a batch applies them (a run needs its round and its racer).
RECORD_KINDS = ("event", "racer", "round", "run")
EVENT_KIND = "run_event"
MAX_NS = 2**63 - 1  # a time in nanoseconds fits a signed 64-bit column
MAX_INT = 2**31 - 1  # sequence numbers, counts and event ids fit an INTEGER column
MAX_DOCUMENT_CHARS = 100_000  # a JSON document (a round's state, a run's model_meta)
MAX_EVENT_TEXT = 200  # a run event's text (a reason, a gate id, a source)


class WireError(LapgateError, ValueError):
    """A delivered item is malformed: a field of the wrong type, out of range or too long."""


def _text(d: dict[str, Any], key: str, max_len: int, *, optional: bool = False) -> Any:
    value = d.get(key) if optional else _field(d, key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise WireError(
            "{key}: got {shown}, expected text of at most {max_len} characters",
            key=key,
            shown=_show(value),
            max_len=max_len,
        )
    return value


def _record_id(d: dict[str, Any], key: str) -> str:
    value = _text(d, key, limits.RECORD_ID_MAX)
    if not value:
        raise WireError(
            "{key}: got an empty id, expected 1 to {max_len} characters",
            key=key,
            max_len=limits.RECORD_ID_MAX,
        )
    return str(value)


def _int(d: dict[str, Any], key: str, low: int = 0, high: int = MAX_INT, default: Any = ...) -> int:
    value = _field(d, key) if default is ... else d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise WireError(
            "{key}: got {shown}, expected an integer from {low} to {high}",
            key=key,
            shown=_show(value),
            low=low,
            high=high,
        )
    return value


def _document(d: dict[str, Any], key: str, *, optional: bool = False) -> dict[str, Any]:
    value = d.get(key) if optional else _field(d, key)
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise WireError("{key}: got {shown}, expected a JSON object", key=key, shown=_show(value))
    size = len(json.dumps(value, default=str))
    if size > MAX_DOCUMENT_CHARS:
        raise WireError(
            "{key}: got {size} characters, expected at most {max_chars}",
            key=key,
            size=size,
            max_chars=MAX_DOCUMENT_CHARS,
        )
    return value


def _field(d: dict[str, Any], key: str) -> Any:
    if key not in d:
        raise WireError("{key}: missing, expected it in the record", key=key)
    return d[key]


def _show(value: Any) -> str:
    if isinstance(value, str) and len(value) > 40:
        return f"a {len(value)}-character string"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _checked(kind: str, d: Any, build: Any) -> Any:
    """`build(d)`, with any error turned into a WireError naming the record."""
    if not isinstance(d, dict):
        raise WireError("{kind}: got {shown}, expected a JSON object", kind=kind, shown=_show(d))
    name = f"{kind} {d.get('id')!r:.40}"
    try:
        return build(d)
    except WireError as exc:
        raise WireError("{name}: {exc}", name=name, exc=exc) from None
    except (LapgateError, KeyError, ValueError, TypeError) as exc:
        raise WireError(
            "{name}: {type_name}: {exc}", name=name, type_name=type(exc).__name__, exc=exc
        ) from None


def digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_to_wire(e: EventInfo) -> dict[str, Any]:
    return {
        "id": e.event_id,
        "season": e.season,
        "name": e.name,
        "kind": e.kind,
        "date": e.date,
        "venue": e.venue,
        "region": e.region,
    }


def event_from_wire(d: Any) -> EventInfo:
    return _checked("event", d, _event_from_wire)  # type: ignore[no-any-return]


def _event_from_wire(d: dict[str, Any]) -> EventInfo:
    season = _text(d, "season", limits.SEASON_MAX)
    if not season:
        raise WireError("season: got an empty season, expected a name")
    return EventInfo(
        _record_id(d, "id"),
        season,
        _text(d, "name", limits.EVENT_NAME_MAX),
        _text(d, "kind", limits.EVENT_KIND_MAX),
        _text(d, "date", limits.EVENT_DATE_MAX),
        _text(d, "venue", limits.VENUE_MAX),
        _text(d, "region", limits.REGION_MAX),
    )


def racer_to_wire(r: Racer) -> dict[str, Any]:
    return {
        "id": r.racer_id,
        "alias": r.alias,
        "user_id": r.user_id,
        "country": r.country,
        "region": r.region,
    }


def racer_from_wire(d: Any) -> Racer:
    return _checked("racer", d, _racer_from_wire)  # type: ignore[no-any-return]


def _racer_from_wire(d: dict[str, Any]) -> Racer:
    return Racer(
        _record_id(d, "id"),
        _text(d, "alias", limits.ALIAS_MAX),
        _text(d, "user_id", limits.USER_ID_MAX, optional=True),
        _text(d, "country", limits.COUNTRY_MAX),
        _text(d, "region", limits.REGION_MAX),
    )


def round_to_wire(r: RoundInfo) -> dict[str, Any]:
    return {
        "id": r.round_id,
        "event_id": r.event_id,
        "track_id": r.track_id,
        "name": r.name,
        "seq": r.seq,
        "format_kind": str(r.format.kind),
        "format_laps": r.format.laps,
        "run_config": run_config_to_dict(r.run_config),
        "runs_per_racer": r.runs_per_racer,
        "advancement": dict(r.advancement),
        "kind": r.kind,
        "status": r.status,
        "state": dict(r.state),
    }


def round_from_wire(d: Any) -> RoundInfo:
    return _checked("round", d, _round_from_wire)  # type: ignore[no-any-return]


def _round_from_wire(d: dict[str, Any]) -> RoundInfo:
    return RoundInfo(
        round_id=_record_id(d, "id"),
        event_id=_record_id(d, "event_id"),
        track_id=_text(d, "track_id", limits.TRACK_ID_MAX),
        name=_text(d, "name", limits.ROUND_NAME_MAX),
        seq=_int(d, "seq"),
        format=Format(FormatKind(_text(d, "format_kind", 20)), _int(d, "format_laps", 1, 100)),
        run_config=run_config_from_dict(_document(d, "run_config")),
        runs_per_racer=_int(d, "runs_per_racer"),
        advancement=dict(_document(d, "advancement")),
        kind=_text({"kind": d.get("kind", "timed")}, "kind", limits.ROUND_KIND_MAX),
        status=_text({"status": d.get("status", "open")}, "status", limits.ROUND_KIND_MAX),
        state=dict(_document(d, "state", optional=True)),
    )


def run_to_wire(r: RunInfo) -> dict[str, Any]:
    return {
        "id": r.run_id,
        "round_id": r.round_id,
        "racer_id": r.racer_id,
        "seq": r.seq,
        "config": run_config_to_dict(r.config),
        "car": r.car,
        "model_name": r.model_name,
        "model_meta": dict(r.model_meta),
        "proxy": r.proxy,
        "transponder": r.transponder,
        "clock_id": r.clock_id,
        "track_id": r.track_id,
    }


def run_from_wire(d: Any) -> RunInfo:
    return _checked("run", d, _run_from_wire)  # type: ignore[no-any-return]


def _run_from_wire(d: dict[str, Any]) -> RunInfo:
    proxy = _field(d, "proxy")
    if not isinstance(proxy, bool):
        raise WireError("proxy: got {shown}, expected true or false", shown=_show(proxy))
    return RunInfo(
        run_id=_record_id(d, "id"),
        round_id=_record_id(d, "round_id"),
        racer_id=_record_id(d, "racer_id"),
        seq=_int(d, "seq"),
        config=run_config_from_dict(_document(d, "config")),
        car=_text(d, "car", limits.CAR_MAX),
        model_name=_text(d, "model_name", limits.MODEL_NAME_MAX),
        model_meta=dict(_document(d, "model_meta")),
        proxy=proxy,
        transponder=_text(d, "transponder", limits.TRANSPONDER_MAX, optional=True),
        clock_id=_text(d, "clock_id", limits.CLOCK_ID_MAX),
        track_id=_text({"track_id": d.get("track_id", "")}, "track_id", limits.TRACK_ID_MAX),
    )


def check_run_event(d: Any) -> tuple[str, int, dict[str, Any], RunEvent]:
    """The (run id, event id, payload, event) of a delivered run event, checked: every
    `*_ns` field an integer from 0 to MAX_NS, other integers in range, text bounded."""
    if not isinstance(d, dict):
        raise WireError("run event: got {shown}, expected a JSON object", shown=_show(d))
    run_id = _record_id(d, "run_id")
    try:
        event_id = _int(d, "event_id", 1)
        payload = _document(d, "payload")
        for key, value in payload.items():
            if key.endswith("_ns"):
                _int(payload, key, 0, MAX_NS)
            elif isinstance(value, bool) or value is None:
                continue
            elif isinstance(value, int):
                _int(payload, key, -MAX_INT, MAX_INT)
            elif isinstance(value, str):
                _text(payload, key, MAX_EVENT_TEXT)
            else:
                raise WireError(
                    "payload {key}: got {shown}, expected a number or text",
                    key=key,
                    shown=_show(value),
                )
        event = event_from_dict(payload)
    except WireError as exc:
        raise WireError(
            "run {run_id} event {event_id!r:.20}: {exc}",
            run_id=run_id,
            event_id=d.get("event_id"),
            exc=exc,
        ) from None
    except LapgateError as exc:
        raise WireError(
            "run {run_id} event {event_id}: {exc}", run_id=run_id, event_id=event_id, exc=exc
        ) from None
    return run_id, event_id, payload, event
