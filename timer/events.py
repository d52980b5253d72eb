"""The events of a run's log: gate crossings and staff actions.

Every event is a frozen dataclass carrying the monotonic instant it refers to in integer
nanoseconds (`t_ns`). The log assigns each appended event a stable `event_id` (1, 2, …);
staff actions that correct something name their target by that id or by an instant
(`at_ns`: "the lap that contains this instant"), never by a lap number, because lap
numbers shift when a false crossing is removed.

`event_to_dict` / `event_from_dict` give a JSON-ready form for the store and the wire.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from lapgate.timer.errors import RuleViolation


class StartMode(StrEnum):
    """How the run clock and lap 1 start."""

    FIRST_CROSSING = "first_crossing"  # rolling start: the first crossing starts run and lap 1
    STAFF = "staff"  # staff start the clock; the first crossing ends lap 1


class ExpiryPolicy(StrEnum):
    """What happens to the lap in progress when the run time is up."""

    FINISH_LAP = "finish_lap"  # it counts if it completes within the grace period
    HARD = "hard"  # it is cut off


class LapSource(StrEnum):
    """What ended a lap."""

    GATE = "gate"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Crossing:
    """A car crossing a gate, as an adapter saw it.

    `gate_id` names the gate (one lockout shared by all its sensors); `t_ns` is the edge's
    own timestamp on the host's monotonic clock; `source` names the sensor or decoder
    (e.g. ``"gpio:BCM17"``); `transponder` names the car when a decoder reports it.
    """

    gate_id: str
    t_ns: int
    source: str
    transponder: str | None = None


@dataclass(frozen=True, slots=True)
class GateCrossing:
    """A crossing entered into a run's log."""

    crossing: Crossing

    @property
    def t_ns(self) -> int:
        return self.crossing.t_ns


@dataclass(frozen=True, slots=True)
class ManualCrossing:
    """Staff pressed "lap" because the gate missed the car at `t_ns`."""

    t_ns: int


@dataclass(frozen=True, slots=True)
class StartRun:
    """Staff started the run clock at `t_ns` (start mode ``staff``)."""

    t_ns: int


@dataclass(frozen=True, slots=True)
class AdjustResets:
    """Staff added (+1) or removed (−1) a reset on the lap that contains `at_ns`."""

    at_ns: int
    delta: int


@dataclass(frozen=True, slots=True)
class InvalidateLap:
    """Staff marked the lap that contains `at_ns` invalid."""

    at_ns: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RestoreLap:
    """Staff lifted their own invalidation of the lap that contains `at_ns`."""

    at_ns: int


@dataclass(frozen=True, slots=True)
class EndRun:
    """Staff ended the run early at `t_ns`; the lap in progress does not count."""

    t_ns: int


@dataclass(frozen=True, slots=True)
class TimeUp:
    """The service's clock passed the run's deadline (and grace) with no finishing crossing."""

    t_ns: int


@dataclass(frozen=True, slots=True)
class MarkDnf:
    """Staff marked the run did-not-finish; its laps no longer rank."""

    t_ns: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AbortRun:
    """Staff aborted the run (track fault, wrong car); it does not count at all."""

    t_ns: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Undo:
    """Cancel event `target_id` (a crossing, a staff action, or another undo)."""

    target_id: int


RunEvent = (
    GateCrossing
    | ManualCrossing
    | StartRun
    | AdjustResets
    | InvalidateLap
    | RestoreLap
    | EndRun
    | TimeUp
    | MarkDnf
    | AbortRun
    | Undo
)

_KINDS: Final[dict[str, type[Any]]] = {
    "crossing": GateCrossing,
    "manual_crossing": ManualCrossing,
    "start": StartRun,
    "resets": AdjustResets,
    "invalidate": InvalidateLap,
    "restore": RestoreLap,
    "end": EndRun,
    "time_up": TimeUp,
    "dnf": MarkDnf,
    "abort": AbortRun,
    "undo": Undo,
}
_KIND_OF: Final[dict[type[Any], str]] = {cls: kind for kind, cls in _KINDS.items()}


def event_kind(event: RunEvent) -> str:
    """The short name of an event's kind, as used on the wire and in the store."""
    return _KIND_OF[type(event)]


def event_to_dict(event: RunEvent) -> dict[str, Any]:
    """A JSON-ready dict of `event` with its kind under ``"kind"``."""
    if isinstance(event, GateCrossing):
        return {"kind": "crossing", **dataclasses.asdict(event.crossing)}
    return {"kind": event_kind(event), **dataclasses.asdict(event)}


def event_from_dict(data: dict[str, Any]) -> RunEvent:
    """Rebuild an event from `event_to_dict`'s form; raise RuleViolation on a bad dict."""
    fields = dict(data)
    kind = fields.pop("kind", None)
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise RuleViolation(
            "event kind: got {kind!r}, expected one of {kinds}", kind=kind, kinds=sorted(_KINDS)
        )
    try:
        if cls is GateCrossing:
            return GateCrossing(Crossing(**fields))
        event: RunEvent = cls(**fields)
    except TypeError as exc:
        raise RuleViolation(
            "event {kind!r}: got fields {fields}: {error}",
            kind=kind,
            fields=sorted(fields),
            error=exc,
        ) from None
    return event
