"""Records the service keeps about an event, shared by the store, the engine host and views.

These are plain frozen dataclasses: repositories return them, views render them, and no
SQLAlchemy object ever leaves the store. Ids are strings (uuid4 hex) so that records keep
their identity when they are synced to a central store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from timer.formats import Format
from timer.run import RunConfig


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Racer:
    racer_id: str
    alias: str
    user_id: str | None = None
    country: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class EventInfo:
    event_id: str
    season: str
    name: str
    kind: str = "summit"  # summit | virtual | company
    date: str = ""  # ISO date, a label only
    venue: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class RoundInfo:
    round_id: str
    event_id: str
    track_id: str
    name: str
    seq: int
    format: Format
    run_config: RunConfig
    runs_per_racer: int = 0  # 0: unlimited
    advancement: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A run's registration: who, in which round, with what car and model."""

    run_id: str
    round_id: str
    racer_id: str
    seq: int  # order of runs in the round (1, 2, …): "who set it first"
    config: RunConfig
    car: str = ""
    model_name: str = ""
    model_meta: dict[str, Any] = field(default_factory=dict)
    proxy: bool = False  # raced by someone on the racer's behalf
    transponder: str | None = None
    # Identity of the monotonic clock the run's instants are on (see board.clock). A run
    # left open on another clock (the Pi rebooted) cannot continue on this one.
    clock_id: str = ""


@dataclass(frozen=True, slots=True)
class QueueEntry:
    entry_id: str
    round_id: str
    racer_id: str
    position: int
    car: str = ""
    model_name: str = ""
