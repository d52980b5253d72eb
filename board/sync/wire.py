"""The sync wire format: domain records as JSON dicts, and their digests.

Every record keeps its stable id, so the central side can upsert it. A digest (sha256 of
the canonical JSON) tells the pusher whether the version the central store acknowledged is
still the current one.

Fields added later are read with their default when absent, so payloads from older timers
still apply: a round's kind, status and state, a run's track_id.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.store.codec import run_config_from_dict, run_config_to_dict
from lapgate.timer.formats import Format, FormatKind

NAMESPACE = "/ingest"
UPSERT = "upsert"
# Record kinds in the order a batch applies them (a run needs its round and its racer).
RECORD_KINDS = ("event", "racer", "round", "run")
EVENT_KIND = "run_event"


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


def event_from_wire(d: dict[str, Any]) -> EventInfo:
    return EventInfo(d["id"], d["season"], d["name"], d["kind"], d["date"], d["venue"], d["region"])


def racer_to_wire(r: Racer) -> dict[str, Any]:
    return {
        "id": r.racer_id,
        "alias": r.alias,
        "user_id": r.user_id,
        "country": r.country,
        "region": r.region,
    }


def racer_from_wire(d: dict[str, Any]) -> Racer:
    return Racer(d["id"], d["alias"], d["user_id"], d["country"], d["region"])


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


def round_from_wire(d: dict[str, Any]) -> RoundInfo:
    return RoundInfo(
        round_id=d["id"],
        event_id=d["event_id"],
        track_id=d["track_id"],
        name=d["name"],
        seq=int(d["seq"]),
        format=Format(FormatKind(d["format_kind"]), int(d["format_laps"])),
        run_config=run_config_from_dict(d["run_config"]),
        runs_per_racer=int(d["runs_per_racer"]),
        advancement=dict(d["advancement"]),
        kind=str(d.get("kind", "timed")),
        status=str(d.get("status", "open")),
        state=dict(d.get("state") or {}),
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


def run_from_wire(d: dict[str, Any]) -> RunInfo:
    return RunInfo(
        run_id=d["id"],
        round_id=d["round_id"],
        racer_id=d["racer_id"],
        seq=int(d["seq"]),
        config=run_config_from_dict(d["config"]),
        car=d["car"],
        model_name=d["model_name"],
        model_meta=dict(d["model_meta"]),
        proxy=bool(d["proxy"]),
        transponder=d["transponder"],
        clock_id=d["clock_id"],
        track_id=str(d.get("track_id", "")),
    )
