"""Racers join a track's queue from their phones.

Staff choose per track how joins are taken (`JoinMode`): ``closed`` (no joins), ``open``
(a join goes straight into the queue) or ``approve`` (staff accept or reject each on
/control). A joined racer is an ordinary queue entry: staff edit, move and remove it as
any other. The phone follows its own join by a device key the web layer derives from its
cookie; it can never see or change another device's join.

Abuse is bounded here, whatever the transport: one active join per device, one per name
(a name already waiting or queued is refused), at most `PENDING_MAX` joins waiting for
approval, names cleaned as staff-typed aliases are. Rate limits per device and address
are the web layer's (`board.web.join`).

A phone never decides who its racer is. A join whose name is a known racer's (as staff's
`queue_add` sees it: `racers.racer_to_queue`) is not silently taken as that racer, whose
results the walk-up would then share: it waits for staff even on an ``open`` track, and
staff accept it as that racer (`racer_id`, or `same_racer` for the one racer of the name) or
as a new racer of the same name (`new_racer`); accepting it without an answer asks "same
person?" (`NeedsAnswer`, with the matching racers and their runs, which `pending_view`
lists too). Only then does the join get a racer, so a card handed in from the phone
(`board.web.join`) goes to the racer staff chose.

Joins waiting for approval live in memory only: a restart drops them (the phones see it
and may join again); joins that were taken are queue entries in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from statistics import median
from typing import Any

from lapgate.board.domain import new_id
from lapgate.board.live import racers
from lapgate.board.live.race import NotFound, Race, TrackRecord, clean_alias
from lapgate.timer.errors import LapgateError, RuleViolation
from lapgate.timer.run import RunStatus
from lapgate.timer.units import NS_PER_S

PENDING_MAX = 100
HISTORY_MAX = 2000  # joins kept for phones to follow (the oldest finished ones go first)
DEFAULT_CHANGEOVER_S = 30  # between two runs, when no run on the track has ended yet
SLOT_SAMPLES = 6


class JoinMode(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    APPROVE = "approve"


class JoinStatus(StrEnum):
    PENDING = "pending"  # waiting for staff approval
    QUEUED = "queued"  # a queue entry (or staged / raced since: see `follow`)
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the phone left before it raced


@dataclass(slots=True)
class Join:
    join_id: str
    device: str
    track_id: str
    alias: str
    car: str
    model: str
    status: JoinStatus
    racer_id: str | None = None
    entry_id: str | None = None
    reason: str = ""
    returning: bool = False  # the name matched a racer already known at this event
    runs_before: int = 0  # the racer's runs on the track when the join was queued


@dataclass(slots=True)
class Joins:
    """The live core's joins (a field of `Race`)."""

    modes: dict[str, JoinMode] = field(default_factory=dict)  # track id → mode
    items: dict[str, Join] = field(default_factory=dict)  # join id → join, oldest first


def load(race: Race) -> None:
    """Each track's join mode as configured (`[[track]] join`); staff change it live."""
    race.joins.modes = {t.id: JoinMode(t.join) for t in race.settings.track}


def mode(race: Race, track: TrackRecord) -> JoinMode:
    return race.joins.modes.get(track.track_id, JoinMode.CLOSED)


def set_mode(race: Race, track_id: str | None, new_mode: JoinMode) -> JoinMode:
    track = race.track(track_id)
    race.joins.modes[track.track_id] = new_mode
    race.changed(track, "join mode")
    return new_mode


def _active(race: Race, join: Join) -> bool:
    if join.status is JoinStatus.PENDING:
        return True
    if join.status is not JoinStatus.QUEUED:
        return False
    return follow(race, join)["state"] in ("queued", "staged", "racing")


def request(
    race: Race, device: str, track_id: str | None, alias: object, car: str, model: str
) -> Join:
    """A phone asks to join track `track_id`'s queue; the join as taken (or refused)."""
    track = race.track(track_id)
    taken = mode(race, track)
    if taken is JoinMode.CLOSED:
        raise RuleViolation(
            "join: {track_name} takes no joins from phones now; ask the staff",
            track_name=track.name,
        )
    name = clean_alias(alias)
    for join in race.joins.items.values():
        if join.device == device and _active(race, join):
            raise RuleViolation(
                "join: this phone has already joined as {alias!r}; leave that entry first",
                alias=join.alias,
            )
        if join.alias.casefold() == name.casefold() and join.status is JoinStatus.PENDING:
            raise RuleViolation("join: {name!r} is already waiting for approval", name=name)
    known = race.racers_named(name)
    for racer in known:
        if any(
            e.racer_id == racer.racer_id for t in race.tracks.values() for e in race.track_queue(t)
        ):
            raise RuleViolation("join: {alias!r} is already in a queue", alias=racer.alias)
    if taken is JoinMode.APPROVE or known:  # a known name waits for staff: "same person?"
        waiting = sum(1 for j in race.joins.items.values() if j.status is JoinStatus.PENDING)
        if waiting >= PENDING_MAX:
            raise RuleViolation(
                "join: {waiting} joins are waiting for approval already; try again later",
                waiting=waiting,
            )
    join = Join(
        new_id(),
        device,
        track.track_id,
        name,
        car,
        model,
        JoinStatus.PENDING,
        returning=bool(known),
    )
    if taken is JoinMode.OPEN and not known:
        _enqueue(race, join, None, same_racer=False, new_racer=True)
    _keep(race, join)
    race.changed(track, "join")
    return join


def _enqueue(
    race: Race, join: Join, racer_id: str | None, *, same_racer: bool, new_racer: bool
) -> None:
    """Queue the join as the racer staff's answer names (`racers.racer_to_queue`)."""
    known = set(race.racers)
    racer = racers.racer_to_queue(race, join.track_id, join.alias, racer_id, same_racer, new_racer)
    try:
        join.entry_id = race.queue_add(join.track_id, racer, join.car, join.model)
    except LapgateError:
        if racer.racer_id not in known:  # refused (round not open...): no stray racer
            racers.delete(race, racer.racer_id)
        raise
    join.racer_id = racer.racer_id
    join.runs_before = _runs_on(race, racer.racer_id, race.track(join.track_id))
    join.status = JoinStatus.QUEUED


def _runs_on(race: Race, racer_id: str, track: TrackRecord) -> int:
    return sum(
        1
        for r in race.runs.values()
        if r.info.racer_id == racer_id and race.track_of_run(r) is track
    )


def _keep(race: Race, join: Join) -> None:
    items = race.joins.items
    items[join.join_id] = join
    while len(items) > HISTORY_MAX:
        oldest = next(
            (j for j in items.values() if j.status is not JoinStatus.PENDING),
            next(iter(items.values())),
        )
        del items[oldest.join_id]


def _pending(race: Race, join_id: str) -> Join:
    join = race.joins.items.get(join_id)
    if join is None:
        raise NotFound(
            "join: got {join_id!r:.40}, expected a join waiting for approval", join_id=join_id
        )
    if join.status is not JoinStatus.PENDING:
        raise RuleViolation(
            "join: {alias!r} was {join_status} already", alias=join.alias, join_status=join.status
        )
    return join


def approve(
    race: Race,
    join_id: str,
    racer_id: str | None = None,
    *,
    same_racer: bool = False,
    new_racer: bool = False,
) -> Join:
    """Staff take a join into the queue; a name of a known racer needs their answer
    (`racer_id`, `same_racer` or `new_racer`), else `NeedsAnswer` asks "same person?"."""
    join = _pending(race, join_id)
    _enqueue(race, join, racer_id, same_racer=same_racer, new_racer=new_racer)
    race.changed(race.track(join.track_id), "join")
    return join


def reject(race: Race, join_id: str, reason: str) -> Join:
    join = _pending(race, join_id)
    join.status = JoinStatus.REJECTED
    join.reason = reason
    race.changed(race.track(join.track_id), "join")
    return join


def latest(race: Race, device: str) -> Join | None:
    mine = [j for j in race.joins.items.values() if j.device == device]
    return mine[-1] if mine else None


def cancel(race: Race, device: str) -> Join:
    """The phone leaves: its pending join is withdrawn or its queue entry removed."""
    join = latest(race, device)
    if join is None or not _active(race, join):
        raise NotFound("join: this phone has no entry waiting")
    state = follow(race, join)["state"]
    if state in ("staged", "racing"):
        raise RuleViolation("join: you are on track already; tell the staff")
    if join.status is JoinStatus.QUEUED and join.entry_id:
        track = race.track(join.track_id)
        race.queue_remove(track.track_id, join.entry_id)
    join.status = JoinStatus.CANCELLED
    race.changed(race.track(join.track_id), "join")
    return join


def slot_s(race: Race, track: TrackRecord) -> float:
    """Seconds one racer takes on this track, staging to staging: the median gap between
    the ends of the track's recent runs, else the round's time limit plus a changeover."""
    ended = sorted(
        r.state.ended_ns
        for r in race.runs.values()
        if race.track_of_run(r) is track and r.state.ended_ns is not None
    )[-(SLOT_SAMPLES + 1) :]
    gaps = [b - a for a, b in pairwise(ended) if b > a]
    if gaps:
        return float(median(gaps)) / NS_PER_S
    info = race.rounds.get(track.round_id)
    limit_s = info.run_config.time_limit_ns / NS_PER_S if info else 120.0
    return limit_s + DEFAULT_CHANGEOVER_S


def follow(race: Race, join: Join) -> dict[str, Any]:
    """What the joined phone shows: its state, position and estimated wait."""
    track = race.track(join.track_id)
    answer: dict[str, Any] = {
        "join_id": join.join_id,
        "track_id": track.track_id,
        "track": track.name,
        "alias": join.alias,
        "car": join.car,
        "model": join.model,
        "racer_id": join.racer_id,
        "entry_id": join.entry_id,
        "reason": join.reason,
        "position": None,
        "ahead": None,
        "wait_s": None,
    }
    if join.status is not JoinStatus.QUEUED:
        return {**answer, "state": str(join.status)}
    queue = list(race.track_queue(track))
    index = next((i for i, e in enumerate(queue) if e.entry_id == join.entry_id), None)
    if index is not None:
        current = race.running_on(track)
        busy = 1 if current is not None else 0
        return {
            **answer,
            "state": "queued",
            "position": index + 1,
            "ahead": index,
            "wait_s": round((index + busy) * slot_s(race, track)),
            "slot_s": round(slot_s(race, track)),
        }
    current = race.running_on(track)
    if current is not None and current.info.racer_id == join.racer_id:
        status = current.state.status
        state = "staged" if status is RunStatus.STAGED else "racing"
        return {**answer, "state": state, "run_id": current.info.run_id}
    raced = join.racer_id is not None and _runs_on(race, join.racer_id, track) > join.runs_before
    return {**answer, "state": "done" if raced else "removed"}


def pending_view(race: Race) -> list[dict[str, Any]]:
    """Joins waiting for approval, oldest first (staff)."""
    names = {t.track_id: t.name for t in race.tracks.values()}
    return [
        {
            "join_id": j.join_id,
            "track_id": j.track_id,
            "track": names.get(j.track_id, j.track_id),
            "alias": j.alias,
            "car": j.car,
            "model": j.model,
            "returning": j.returning,
            "matches": racers.question(race, race.racers_named(j.alias))["matches"],
        }
        for j in race.joins.items.values()
        if j.status is JoinStatus.PENDING
    ]


def modes_view(race: Race) -> dict[str, str]:
    return {t.track_id: str(mode(race, t)) for t in race.tracks.values()}
