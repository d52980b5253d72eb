"""Converting between domain records and what the store's JSON columns hold."""

from __future__ import annotations

import json
from typing import Any

from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import ExpiryPolicy, StartMode
from lapgate.timer.run import RunConfig


def run_config_to_dict(config: RunConfig) -> dict[str, Any]:
    return {
        "time_limit_ns": config.time_limit_ns,
        "start_mode": str(config.start_mode),
        "expiry": str(config.expiry),
        "grace_ns": config.grace_ns,
        "lockout_ns": config.lockout_ns,
        "max_resets_per_lap": config.max_resets_per_lap,
        "finish_laps": config.finish_laps,
    }


def run_config_from_dict(data: dict[str, Any]) -> RunConfig:
    return RunConfig(
        time_limit_ns=int(data["time_limit_ns"]),
        start_mode=StartMode(data["start_mode"]),
        expiry=ExpiryPolicy(data["expiry"]),
        grace_ns=int(data["grace_ns"]),
        lockout_ns=int(data["lockout_ns"]),
        max_resets_per_lap=data.get("max_resets_per_lap"),
        finish_laps=data.get("finish_laps"),  # absent in runs stored before lap counts
    )


def json_document(document: dict[str, Any], what: str) -> dict[str, Any]:
    """`document` as a JSON column gives it back (a deep copy: tuples become lists, keys
    strings); a RuleViolation naming `what` if it is not JSON."""
    try:
        copied: dict[str, Any] = json.loads(json.dumps(document, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise RuleViolation(
            "{what}: got a document that is not JSON ({exc})", what=what, exc=exc
        ) from None
    return copied
