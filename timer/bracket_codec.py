"""A bracket's log as JSON-ready dicts, for the store and the wire.

The layout is stored by its parameters (kind, size, stop_at, grand_final_reset) and
rebuilt with `build_layout`, so a stored bracket always gets the current layout rules;
the entrants (seed order) and the events are stored as they are. Replaying the rebuilt
log with `bracket_state` gives the bracket back.
"""

from __future__ import annotations

from typing import Any

from lapgate.timer.bracket_layout import BracketKind, build_layout
from lapgate.timer.brackets import (
    BracketEvent,
    BracketLog,
    LoggedBracketEvent,
    MatchResult,
    UndoResult,
)
from lapgate.timer.errors import RuleViolation


def bracket_event_to_dict(event: BracketEvent) -> dict[str, Any]:
    if isinstance(event, MatchResult):
        return {
            "kind": "result",
            "match_id": event.match_id,
            "winner_id": event.winner_id,
            "loser_id": event.loser_id,
            "note": event.note,
        }
    return {"kind": "undo", "target_id": event.target_id}


def bracket_event_from_dict(data: dict[str, Any]) -> BracketEvent:
    """Rebuild an event; RuleViolation names what is wrong with `data`."""
    kind = data.get("kind")
    try:
        if kind == "result":
            return MatchResult(
                str(data["match_id"]),
                str(data["winner_id"]),
                str(data["loser_id"]),
                str(data.get("note", "")),
            )
        if kind == "undo":
            return UndoResult(int(data["target_id"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RuleViolation(
            "bracket event {kind!r}: got {data!r}: missing {error}", kind=kind, data=data, error=exc
        ) from None
    raise RuleViolation("bracket event kind: got {kind!r}, expected 'result' or 'undo'", kind=kind)


def bracket_log_to_dict(log: BracketLog) -> dict[str, Any]:
    layout = log.layout
    return {
        "kind": str(layout.kind),
        "size": layout.size,
        "stop_at": layout.stop_at,
        "grand_final_reset": layout.grand_final_reset,
        "entrants": list(log.entrants),
        "events": [
            {"id": entry.event_id, **bracket_event_to_dict(entry.event)} for entry in log.entries
        ],
    }


def bracket_log_from_dict(data: dict[str, Any]) -> BracketLog:
    """Rebuild a log from `bracket_log_to_dict`'s form; event ids must run 1, 2, …"""
    try:
        kind = BracketKind(data["kind"])
        layout = build_layout(
            int(data["size"]), kind, int(data["stop_at"]), bool(data["grand_final_reset"])
        )
        entrants = tuple(str(r) for r in data["entrants"])
        events = list(data["events"])
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, RuleViolation):
            raise
        raise RuleViolation(
            "bracket log: got {keys}: {error}", keys=sorted(data), error=exc
        ) from None
    entries: list[LoggedBracketEvent] = []
    for expected_id, event in enumerate(events, start=1):
        if event.get("id") != expected_id:
            raise RuleViolation(
                "bracket event id: got {got_id}, expected {expected_id}",
                got_id=event.get("id"),
                expected_id=expected_id,
            )
        fields = {k: v for k, v in event.items() if k != "id"}
        entries.append(LoggedBracketEvent(expected_id, bracket_event_from_dict(fields)))
    return BracketLog(layout, entrants, tuple(entries))
