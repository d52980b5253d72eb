"""A bracket as an event log of match results, and its state as a fold of that log.

`BracketLog` holds the layout, the entrants in seed order and an append-only list of
`MatchResult`s and `UndoResult`s (ids 1, 2, …). `bracket_state(log)` replays it: every
match's racers are resolved from the seeds and the results upstream, so a staff correction
(a new result for an already decided match) or an undo recomputes every downstream match
that has not been raced. A downstream match that *was* raced with racers the bracket no
longer puts there is **flagged**: it counts as undecided until staff record a new result
for it (a re-race) or undo that result.

A match with a bye is a walkover: the racer advances and nobody drops to the last-chance
bracket. The bracket is finished when `layout.stop_at` racers remain; matches still open
then are not needed. Ready matches are raced round by round (winners bracket first);
flagged matches that can be raced again come before all others; and when the bracket
stops at K > 1 racers, a match that eliminates nobody and that the bracket can finish
without is raced last, so the bracket never races a match it does not need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from lapgate.timer.bracket_layout import (
    SIDE_ORDER,
    BracketLayout,
    LoserOf,
    MatchSlot,
    Seed,
    Source,
    WinnerOf,
    downstream,
    walkover_slots,
)
from lapgate.timer.errors import RuleViolation, UnknownEvent


@dataclass(frozen=True, slots=True)
class Bye:
    """The empty place of a seed above the field size (or a walkover's missing loser)."""


BYE: Final = Bye()
Occupant = str | Bye | None  # a racer id, a bye, or not known yet


class MatchStatus(StrEnum):
    WAITING = "waiting"  # a racer is not known yet
    READY = "ready"  # both racers known, not raced
    DECIDED = "decided"
    WALKOVER = "walkover"  # a bye: decided without racing
    FLAGGED = "flagged"  # raced, but a correction upstream changed its racers
    VOID = "void"  # GF2 when the undefeated champion won GF1
    NOT_NEEDED = "not_needed"  # the bracket finished before it was raced


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Staff (or the match rules) decided `match_id`: `winner_id` beat `loser_id`."""

    match_id: str
    winner_id: str
    loser_id: str
    note: str = ""  # e.g. "9.871 v 10.204", "no-show", "tie: higher seed"


@dataclass(frozen=True, slots=True)
class UndoResult:
    """Cancel event `target_id` (a result or another undo)."""

    target_id: int


BracketEvent = MatchResult | UndoResult


@dataclass(frozen=True, slots=True)
class LoggedBracketEvent:
    event_id: int
    event: BracketEvent


@dataclass(frozen=True, slots=True)
class BracketLog:
    """A bracket's layout, its entrants (index 0 is seed 1) and its event log."""

    layout: BracketLayout
    entrants: tuple[str, ...]
    entries: tuple[LoggedBracketEvent, ...] = ()

    def __post_init__(self) -> None:
        if len(self.entrants) != self.layout.size:
            raise RuleViolation(
                "bracket entrants: got {got}, expected {size}",
                got=len(self.entrants),
                size=self.layout.size,
            )
        if len(set(self.entrants)) != len(self.entrants) or not all(self.entrants):
            repeated = sorted({r for r in self.entrants if self.entrants.count(r) > 1})
            raise RuleViolation(
                "bracket entrants: got repeated or empty ids {repeated}, expected unique ids",
                repeated=repeated,
            )

    def append(self, event: BracketEvent) -> BracketLog:
        entry = LoggedBracketEvent(len(self.entries) + 1, event)
        return BracketLog(self.layout, self.entrants, (*self.entries, entry))

    def seed_of(self, racer_id: str) -> int:
        return self.entrants.index(racer_id) + 1


@dataclass(frozen=True, slots=True)
class MatchState:
    slot: MatchSlot
    top: Occupant
    bottom: Occupant
    status: MatchStatus
    winner: Occupant = None
    loser: Occupant = None
    result_event_id: int | None = None
    note: str = ""
    flag_reason: str = ""
    needs_undo: bool = False  # flagged, but not raceable (a bye or a void GF2): undo it
    # `flag_reason` as a code with its values, for pages that word it in their own language:
    # undecided, changed (raced_winner, raced_loser, top, bottom: racer ids), bye_undo,
    # void_undo
    flag_code: tuple[str, tuple[tuple[str, str], ...]] = ("", ())

    @property
    def match_id(self) -> str:
        return self.slot.match_id

    @property
    def racers(self) -> tuple[str, ...]:
        """The real racers placed in this match (no byes, no unknowns)."""
        return tuple(o for o in (self.top, self.bottom) if isinstance(o, str))


@dataclass(frozen=True, slots=True)
class BracketState:
    """Everything derived from a bracket's log."""

    layout: BracketLayout
    entrants: tuple[str, ...]
    matches: tuple[MatchState, ...]  # in layout order
    losses: tuple[tuple[str, int], ...]  # (racer, losses) in seed order
    wins: tuple[tuple[str, int], ...]
    eliminated: tuple[tuple[str, str], ...]  # (racer, match that eliminated them), in order
    next_up: tuple[str, ...]  # flagged to re-race, then ready match ids; race the first first
    finished: bool
    event_count: int  # entries in the log this state was folded from

    def match(self, match_id: str) -> MatchState:
        for state in self.matches:
            if state.slot.match_id == match_id:
                return state
        self.layout.slot(match_id)  # raises with the valid ids
        raise AssertionError(match_id)

    @property
    def remaining(self) -> tuple[str, ...]:
        """Racers not eliminated, in seed order."""
        out = {racer for racer, _ in self.eliminated}
        return tuple(r for r in self.entrants if r not in out)

    @property
    def current_match(self) -> str | None:
        return self.next_up[0] if self.next_up else None

    @property
    def champion(self) -> str | None:
        if self.finished and self.layout.stop_at == 1 and len(self.remaining) == 1:
            return self.remaining[0]
        return None

    @property
    def flagged(self) -> tuple[str, ...]:
        return tuple(m.match_id for m in self.matches if m.status is MatchStatus.FLAGGED)

    def losses_of(self, racer_id: str) -> int:
        return dict(self.losses)[racer_id]

    def ranking(self) -> tuple[str, ...]:
        """Remaining racers best first (fewer losses, more wins, better seed), then the
        eliminated, last eliminated first. The shootout's running order is the reverse of
        the remaining racers' part."""
        losses, wins = dict(self.losses), dict(self.wins)
        alive = sorted(
            self.remaining,
            key=lambda r: (losses[r], -wins[r], self.entrants.index(r)),
        )
        out = [racer for racer, _ in reversed(self.eliminated)]
        return (*alive, *out)


def active_event_ids(log: BracketLog) -> frozenset[int]:
    """Ids of events in effect: not cancelled by an undo that is itself in effect."""
    cancelled: set[int] = set()
    active: set[int] = set()
    for entry in reversed(log.entries):
        if entry.event_id in cancelled:
            continue
        active.add(entry.event_id)
        if isinstance(entry.event, UndoResult):
            cancelled.add(entry.event.target_id)
    return frozenset(active)


def _latest_results(log: BracketLog) -> dict[str, tuple[int, MatchResult]]:
    active = active_event_ids(log)
    latest: dict[str, tuple[int, MatchResult]] = {}
    for entry in log.entries:
        if entry.event_id in active and isinstance(entry.event, MatchResult):
            latest[entry.event.match_id] = (entry.event_id, entry.event)
    return latest


def bracket_state(log: BracketLog) -> BracketState:
    """Replay `log` into the bracket's state."""
    results = _latest_results(log)
    resolved: dict[str, MatchState] = {}
    for slot in log.layout.slots:  # layout order is a topological order
        resolved[slot.match_id] = _resolve(log, slot, resolved, results.get(slot.match_id))
    losses = {racer: 0 for racer in log.entrants}
    wins = {racer: 0 for racer in log.entrants}
    eliminated: list[tuple[str, str]] = []
    for state in resolved.values():
        if state.status is MatchStatus.DECIDED:
            assert isinstance(state.winner, str) and isinstance(state.loser, str)
            losses[state.loser] += 1
            wins[state.winner] += 1
            if _loser_is_out(state):
                eliminated.append((state.loser, state.match_id))
    layout = log.layout
    finished = len(eliminated) >= layout.size - layout.stop_at
    matches = tuple(_close(m) if finished else m for m in resolved.values())
    ready = [m for m in matches if m.status is MatchStatus.READY]
    deferred = _unneeded_now(layout, matches, len(eliminated)) if layout.stop_at > 1 else set()
    ready.sort(key=lambda m: (m.match_id in deferred, *_priority(m)))
    if not finished:  # flagged matches with both racers known are raced again first
        ready[:0] = [m for m in matches if _rerace(m)]
    return BracketState(
        layout,
        log.entrants,
        matches,
        tuple(losses.items()),
        tuple(wins.items()),
        tuple(eliminated),
        tuple(m.match_id for m in ready),
        finished,
        len(log.entries),
    )


def _priority(state: MatchState) -> tuple[int, int, int, int]:
    slot = state.slot
    return (slot.wave, SIDE_ORDER[slot.side], slot.round, slot.index)


def _unneeded_now(
    layout: BracketLayout, matches: tuple[MatchState, ...], eliminated: int
) -> set[str]:
    """Ready matches that eliminate nobody and that the bracket can finish without.

    A bracket that stops at K racers needs size−K eliminations. A ready match whose loser
    goes on is not needed now if enough eliminating matches that do not depend on it
    remain; it is raced last, and not at all if the bracket finishes first.
    """
    byes = walkover_slots(layout)
    open_eliminating = [
        m.match_id
        for m in matches
        if m.status in (MatchStatus.READY, MatchStatus.WAITING, MatchStatus.FLAGGED)
        and m.slot.loser_to is None
        and m.match_id not in byes
    ]
    still_needed = layout.size - layout.stop_at - eliminated
    unneeded: set[str] = set()
    for match in matches:
        if match.status is not MatchStatus.READY or match.slot.loser_to is None:
            continue
        after = downstream(layout, match.match_id)
        if sum(1 for m in open_eliminating if m not in after) >= still_needed:
            unneeded.add(match.match_id)
    return unneeded


def _rerace(state: MatchState) -> bool:
    flagged = state.status is MatchStatus.FLAGGED
    return flagged and len(state.racers) == 2 and not state.needs_undo


def _close(state: MatchState) -> MatchState:
    if state.status in (MatchStatus.READY, MatchStatus.WAITING):
        return MatchState(state.slot, state.top, state.bottom, MatchStatus.NOT_NEEDED)
    return state


def _loser_is_out(state: MatchState) -> bool:
    if state.slot.loser_to is None:
        return True
    # GF1 with a reset: only the undefeated champion (top) gets a second grand final.
    return state.match_id == "GF1" and state.loser == state.bottom


def _occupant(log: BracketLog, source: Source, resolved: dict[str, MatchState]) -> Occupant:
    if isinstance(source, Seed):
        return log.entrants[source.seed - 1] if source.seed <= log.layout.size else BYE
    upstream = resolved[source.match_id]
    if isinstance(source, WinnerOf):
        return upstream.winner
    assert isinstance(source, LoserOf)
    return upstream.loser


def _resolve(
    log: BracketLog,
    slot: MatchSlot,
    resolved: dict[str, MatchState],
    result: tuple[int, MatchResult] | None,
) -> MatchState:
    top = _occupant(log, slot.top, resolved)
    bottom = _occupant(log, slot.bottom, resolved)
    unneeded = ""
    if slot.reset:
        gf1 = resolved["GF1"]
        if gf1.status is not MatchStatus.DECIDED:
            top = bottom = None
        elif gf1.winner == gf1.top:
            unneeded = "the undefeated champion won GF1"
    if unneeded or isinstance(top, Bye) or isinstance(bottom, Bye):
        return _without_race(slot, top, bottom, result, unneeded)
    if top is None or bottom is None:
        if result is None:
            return MatchState(slot, top, bottom, MatchStatus.WAITING)
        why = "raced before a correction upstream; its racers are not decided now"
        return _flagged(slot, top, bottom, result, why, ("undecided", ()))
    if result is None:
        return MatchState(slot, top, bottom, MatchStatus.READY)
    event_id, outcome = result
    if {outcome.winner_id, outcome.loser_id} != {top, bottom}:
        raced = f"{outcome.winner_id} v {outcome.loser_id}"
        why = f"raced as {raced}; the bracket now has {top} v {bottom}"
        pairs = (outcome.winner_id, outcome.loser_id, str(top), str(bottom))
        params = tuple(zip(("raced_winner", "raced_loser", "top", "bottom"), pairs, strict=True))
        return _flagged(slot, top, bottom, result, why, ("changed", params))
    return MatchState(
        slot,
        top,
        bottom,
        MatchStatus.DECIDED,
        outcome.winner_id,
        outcome.loser_id,
        event_id,
        outcome.note,
    )


def _without_race(
    slot: MatchSlot,
    top: Occupant,
    bottom: Occupant,
    result: tuple[int, MatchResult] | None,
    unneeded: str,
) -> MatchState:
    """A void GF2 or a walkover (bye); a result recorded for it is flagged."""
    if result is not None:
        why = unneeded or "a bye: this match is not raced"
        code = ("void_undo" if unneeded else "bye_undo", ())
        flagged = _flagged(slot, top, bottom, result, f"{why}; undo its result", code)
        return replace(flagged, needs_undo=True)
    if unneeded:
        return MatchState(slot, top, bottom, MatchStatus.VOID, note=unneeded)
    if top is None or bottom is None:
        return MatchState(slot, top, bottom, MatchStatus.WAITING)
    winner, loser = (bottom, top) if isinstance(top, Bye) else (top, bottom)
    return MatchState(slot, top, bottom, MatchStatus.WALKOVER, winner, loser, note="bye")


def _flagged(
    slot: MatchSlot,
    top: Occupant,
    bottom: Occupant,
    result: tuple[int, MatchResult],
    why: str,
    code: tuple[str, tuple[tuple[str, str], ...]],
) -> MatchState:
    event_id, outcome = result
    return MatchState(
        slot,
        top,
        bottom,
        MatchStatus.FLAGGED,
        None,
        None,
        event_id,
        outcome.note,
        why,
        flag_code=code,
    )


def new_bracket(layout: BracketLayout, entrants_by_seed: tuple[str, ...]) -> BracketLog:
    """An empty bracket log; `entrants_by_seed[0]` is seed 1."""
    return BracketLog(layout, tuple(entrants_by_seed))


def record_result(
    log: BracketLog,
    match_id: str,
    winner_id: str,
    note: str = "",
    *,
    state: BracketState | None = None,
) -> BracketLog:
    """`log` with `winner_id` winning `match_id`: a first result, a correction or a re-race.

    `state` may pass `bracket_state(log)` when the caller already has it (saves a replay).
    Raises RuleViolation when the match cannot take a result (not ready, a bye, not needed)
    or `winner_id` is not one of its racers.
    """
    if state is None or state.event_count != len(log.entries):
        state = bracket_state(log)
    match = state.match(match_id)
    allowed = (MatchStatus.READY, MatchStatus.DECIDED, MatchStatus.FLAGGED)
    if match.status not in allowed or len(match.racers) != 2 or match.needs_undo:
        raise RuleViolation(
            "result for {match_id}: the match is {status}, expected ready, decided "
            "(a correction) or flagged with both racers known",
            match_id=match_id,
            status=match.status,
        )
    if state.finished and match.status is not MatchStatus.DECIDED:
        raise RuleViolation(
            "result for {match_id}: the bracket finished with {remaining} racers "
            "without this match; undo its result instead",
            match_id=match_id,
            remaining=len(state.remaining),
        )
    if winner_id not in match.racers:
        raise RuleViolation(
            "result for {match_id}: got winner {winner_id!r}, expected one of {racers}",
            match_id=match_id,
            winner_id=winner_id,
            racers=match.racers,
        )
    loser_id = match.racers[1] if match.racers[0] == winner_id else match.racers[0]
    return log.append(MatchResult(match_id, winner_id, loser_id, note))


def undo_event(log: BracketLog, event_id: int) -> BracketLog:
    """`log` with event `event_id` cancelled (undo of an undo restores it)."""
    if not 1 <= event_id <= len(log.entries):
        raise UnknownEvent(
            "undo: got event id {event_id}, expected 1–{last_id}",
            event_id=event_id,
            last_id=len(log.entries),
        )
    if event_id not in active_event_ids(log):
        raise RuleViolation("undo: event {event_id} is already undone", event_id=event_id)
    return log.append(UndoResult(event_id))


def play_out(log: BracketLog, pick_winner: Callable[[MatchState], str]) -> BracketLog:
    """Race every match in `next_up` order until the bracket finishes (for previews)."""
    state = bracket_state(log)
    while state.next_up:
        match = state.match(state.next_up[0])
        log = record_result(log, match.match_id, pick_winner(match), state=state)
        state = bracket_state(log)
    return log
