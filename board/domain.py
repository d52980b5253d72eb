"""Records the service keeps about an event, shared by the store, the engine host and views.

These are plain frozen dataclasses: repositories return them, views render them, and no
SQLAlchemy object ever leaves the store. Ids are strings (uuid4 hex) so that records keep
their identity when they are synced to a central store.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig


def new_id() -> str:
    return uuid.uuid4().hex


# `RoundInfo.track_id` of a round raced on all of the event's tracks.
ALL_TRACKS = ""


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
    """A round of the event's program.

    `track_id` is the track the round is raced on, or `ALL_TRACKS` ("") for a round raced
    on all of the event's tracks. `state` is the live core's JSON document about the round
    (its tracks, entrants, changes of entrants and why, advancers typed in, ...): the store
    keeps it verbatim and never reads it.
    """

    round_id: str
    event_id: str
    track_id: str
    name: str
    seq: int
    format: Format
    run_config: RunConfig
    runs_per_racer: int = 0  # 0: unlimited
    advancement: dict[str, Any] = field(default_factory=dict)
    kind: str = "timed"  # a timer.rounds.RoundKind: external | timed | bracket | shootout
    status: str = "open"  # pending | open | closed, as staff take the round along
    state: dict[str, Any] = field(default_factory=dict)


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
    track_id: str = ""  # the track the run was raced on
    # A team's run: the racer who drove (a member, or a proxy when `proxy`); None: the
    # entrant drove themself (or, for a team staged from a bracket, not recorded)
    raced_by: str | None = None


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A racer waiting in the queue of track `track_id` in a round; `position` counts from 0
    within that track's queue."""

    entry_id: str
    round_id: str
    racer_id: str
    position: int
    car: str = ""
    model_name: str = ""
    track_id: str = ""
    raced_by: str | None = None  # a team's entry: the racer who will drive


@dataclass(frozen=True, slots=True)
class Team:
    """A team entered in an event: it races as one entrant (`entrant_id`, a racer record
    with the team's name, so leaderboards, brackets and standings list the team), with one
    car; its runs are raced by a member or a proxy. `members` are racer ids; a racer is a
    member of at most one team per event."""

    team_id: str
    event_id: str
    entrant_id: str
    name: str
    car: str = ""
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelCardRecord:
    """A racer's model card as stored: `document` is `board.model_cards.ModelCard.document()`.

    One card per racer and model name (names compared without case); submitting again
    replaces it.
    """

    card_id: str
    racer_id: str
    name: str
    document: dict[str, Any]
    submitted_at: dt.datetime
