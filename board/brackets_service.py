"""Head-to-head brackets on the live board: open, stage, decide, correct, undo.

A bracket belongs to a **bracket round**: a round of its own on a track, created when
staff open the bracket from another round's leaderboard (the seeding). Its matches are
raced as ordinary runs of that round: staging a match adds its two racers to the round's
queue in running order (top, bottom, top, bottom, … one entry per attempt), and deciding
it takes the runs each racer started in that round since the match was staged and hands
them to `timer.bracket_match.decide_match`. Corrections and undos go through
`timer.brackets`, which recomputes (or flags) everything downstream.

Everything that changes a bracket runs on the engine host's thread (`EngineHost.call`),
so it is ordered with the race and its broadcasts. Each change is persisted first (the
whole bracket as one JSON document, `RaceStore.save_bracket`), then announced as an outbox
message ``{"type": "bracket", "bracket": view}`` that the host numbers and pushes to every
``/live`` client. On start-up `load` rebuilds every bracket from the store.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from board.bracket_document import LiveBracket, Payload, Staged, bracket_from_payload
from board.domain import RoundInfo, new_id
from board.host import EngineHost
from board.race import ActionError, NotFound, Race, RunRecord
from config.round_settings import RoundSettings
from timer.bracket_layout import BracketKind, build_layout
from timer.bracket_match import MatchRules, MatchSide, TiePolicy, apply_decision, decide_match
from timer.bracket_view import bracket_view
from timer.brackets import (
    BracketLog,
    MatchResult,
    active_event_ids,
    bracket_state,
    new_bracket,
    record_result,
    undo_event,
)
from timer.errors import RuleViolation
from timer.formats import Format, FormatKind, RunLaps
from timer.rounds import (
    AdvanceKind,
    Advancement,
    BracketRules,
    RoundKind,
    advancement_to_dict,
)

log = logging.getLogger(__name__)
MAX_NAME_CHARS = 80
MAX_NOTE_CHARS = 200


# ---- payload checks ---------------------------------------------------------------------


def _text(payload: Payload, key: str, default: str, limit: int) -> str:
    value = payload.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise ActionError(f"{key}: got {value!r:.60}, expected text of at most {limit} characters")
    return value.strip()


def _id(payload: Payload, key: str) -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ActionError(f"{key}: got {value!r:.60}, expected an id string")
    return value


def _count(payload: Payload, key: str, low: int, high: int) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ActionError(f"{key}: got {value!r:.60}, expected a whole number {low}–{high}")
    return value


def _choice(payload: Payload, key: str, choices: list[str]) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if value not in choices:
        raise ActionError(f"{key}: got {value!r:.60}, expected one of {choices}")
    return str(value)


def _flag(payload: Payload, key: str) -> bool | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ActionError(f"{key}: got {value!r:.60}, expected true or false")
    return value


# ---- opening a bracket ------------------------------------------------------------------


def _plan_round(race: Race, name: str | None) -> RoundSettings | None:
    """The `[[rounds]]` bracket round called `name` (its rules are the defaults)."""
    if name is None:
        return None
    for spec in race.settings.rounds:
        if spec.name == name:
            if spec.kind is not RoundKind.BRACKET:
                raise ActionError(
                    f"round_name: got {name!r}, a {spec.kind} round, expected a bracket round"
                )
            return spec
    names = [s.name for s in race.settings.rounds if s.kind is RoundKind.BRACKET]
    raise ActionError(f"round_name: got {name!r}, expected one of the bracket rounds {names}")


def _rules(race: Race, payload: Payload, plan: RoundSettings | None) -> BracketRules:
    """The bracket's rules: the payload, else the named plan round, else defaults."""
    defaults = race.settings.round
    fmt_kind = _choice(payload, "format", [str(k) for k in FormatKind])
    laps = _count(payload, "average_laps", 2, 10)
    if plan is not None:
        base = plan.spec(defaults).bracket
        assert base is not None
    else:
        base = BracketRules(match=MatchRules(Format(FormatKind.FASTEST_LAP)))
    fmt = base.match.format
    if fmt_kind is not None:
        kind = FormatKind(fmt_kind)
        fmt = (
            Format.average(laps or defaults.average_laps)
            if kind is FormatKind.AVERAGE
            else Format(kind)
        )
    kind_name = _choice(payload, "kind", [str(k) for k in BracketKind])
    attempts = _count(payload, "attempts", 1, 10)
    tie = _choice(payload, "tie", [str(t) for t in TiePolicy])
    reset = _flag(payload, "grand_final_reset")
    return BracketRules(
        BracketKind(kind_name) if kind_name else base.kind,
        _count(payload, "stop_at", 1, 64) or base.stop_at,
        base.grand_final_reset if reset is None else reset,
        MatchRules(
            fmt,
            attempts or base.match.attempts,
            TiePolicy(tie) if tie else base.match.tie,
        ),
    )


def _seeds(race: Race, payload: Payload, source_round_id: str) -> list[str]:
    """Racer ids in seed order: the payload's `seeds`, else the source round's top `size`."""
    given = payload.get("seeds")
    size = _count(payload, "size", 2, 64)
    if given is not None:
        if not isinstance(given, list) or not all(isinstance(r, str) for r in given):
            raise ActionError(f"seeds: got {given!r:.60}, expected a list of racer ids")
        for racer_id in given:
            race.racer(racer_id)  # NotFound names it
        seeds = list(given)
    else:
        ranked = [s.racer_id for s in race.standings(source_round_id) if s.rank is not None]
        seeds = ranked[:size] if size else ranked
        if size and len(seeds) < size:
            raise RuleViolation(
                f"size: got {size}, but the round's leaderboard has only {len(seeds)} "
                "racers with a result"
            )
    if len(seeds) < 2:
        raise RuleViolation(f"seeds: got {len(seeds)} racers with a result, expected at least 2")
    if len(set(seeds)) != len(seeds):
        raise ActionError(f"seeds: got repeated racer ids in {seeds!r:.80}, expected unique ids")
    return seeds


def _new_round(
    race: Race, track_id: str, name: str, fmt: Format, plan: RoundSettings | None
) -> RoundInfo:
    """A round for the bracket's matches on `track_id`, made the track's active round.

    Its runs follow the plan round's rules (time per run, resets) or the `[round]` ones;
    every racer may run as often as the match rules let them (no per-round limit)."""
    track = race.track(track_id)
    current = race.runs.get(track.current_run_id or "")
    if current is not None and not current.state.is_over:
        raise RuleViolation(
            f"open bracket: a run is {current.state.status} on {track_id}; end it first"
        )
    assert race.event is not None
    seq = max((r.seq for r in race.rounds.values()), default=0) + 1
    info = RoundInfo(
        new_id(),
        race.event.event_id,
        track_id,
        name,
        seq,
        fmt,
        plan.spec(race.settings.round).run_config if plan else race.settings.round.run_config(),
        0,
        advancement_to_dict(Advancement(AdvanceKind.NONE)),  # a bracket advances its finalists
    )
    race.store.save_round(info)
    race.rounds[info.round_id] = info
    race.queues[info.round_id] = []
    track.round_id = info.round_id
    track.current_run_id = None
    race.outbox.append({"type": "track", "track_id": track_id, "why": "round"})
    return info


# ---- the service ------------------------------------------------------------------------


class BracketService:
    """Every bracket of the event, held in memory and persisted through the race's store."""

    def __init__(self, host: EngineHost) -> None:
        self.host = host
        self.brackets: dict[str, LiveBracket] = {}

    def load(self) -> None:
        """Rebuild every bracket from the store (call before the host takes commands).

        A damaged document is logged and left out: the board must come up on race day."""
        self.brackets = {}
        for record in self.host.race.store.load_brackets():
            try:
                bracket = bracket_from_payload(record.bracket_id, record.round_id, record.payload)
            except RuleViolation:
                log.exception("bracket %s not loaded", record.bracket_id)
                continue
            self.brackets[bracket.bracket_id] = bracket

    # ---- reads (host thread) -------------------------------------------------------

    def get(self, bracket_id: str) -> LiveBracket:
        """The bracket `bracket_id` of this event (NotFound names the id)."""
        bracket = self.brackets.get(bracket_id)
        if bracket is None or bracket.round_id not in self.host.race.rounds:
            raise NotFound(f"bracket: got {bracket_id!r:.60}, expected a known bracket id")
        return bracket

    def latest(self) -> LiveBracket | None:
        """The bracket opened last (the one the big screen shows by default)."""
        race = self.host.race
        known = [b for b in self.brackets.values() if b.round_id in race.rounds]
        return max(known, key=lambda b: race.rounds[b.round_id].seq, default=None)

    def summary(self, race: Race) -> list[Payload]:
        mine = [b for b in self.brackets.values() if b.round_id in race.rounds]
        ordered = sorted(mine, key=lambda b: race.rounds[b.round_id].seq)
        return [
            {
                "bracket_id": b.bracket_id,
                "name": b.name,
                "round_id": b.round_id,
                "track_id": b.track_id,
                "kind": str(b.rules.kind),
                "size": b.log.layout.size,
                "finished": b.state.finished,
                "current_match": self.current(b),
                "rev": b.rev,
            }
            for b in ordered
        ]

    def current(self, bracket: LiveBracket) -> str | None:
        if bracket.staged is not None:
            return bracket.staged.match_id
        return bracket.state.current_match

    def view(self, race: Race, bracket: LiveBracket) -> Payload:
        """`timer.bracket_view` plus what the board adds: ids, rules, staging, undo list."""
        names = {
            racer_id: race.racers[racer_id].alias
            for racer_id in bracket.log.entrants
            if racer_id in race.racers
        }
        view = bracket_view(bracket.state, names, self.current(bracket))
        match = bracket.rules.match
        active = active_event_ids(bracket.log)
        events = [
            {
                "event_id": entry.event_id,
                "label": _event_label(entry.event, names),
                "active": entry.event_id in active,
            }
            for entry in reversed(bracket.log.entries)
        ]
        return {
            "bracket_id": bracket.bracket_id,
            "name": bracket.name,
            "round_id": bracket.round_id,
            "track_id": bracket.track_id,
            "rev": bracket.rev,
            "rules": {
                "format": match.format.label,
                "attempts": match.attempts,
                "tie": str(match.tie),
                "grand_final_reset": bracket.rules.grand_final_reset,
            },
            "staged": bracket.staged.match_id if bracket.staged else None,
            "events": events,
            **view,
        }

    # ---- changes (host thread) -------------------------------------------------------

    def _draft(self, bracket_id: str) -> LiveBracket:
        """A copy of the bracket to change; it replaces the held one only in `_commit`, so
        a change that fails half-way (a rule, the store) leaves the bracket as it was."""
        bracket = self.get(bracket_id)
        staged = None if bracket.staged is None else replace(bracket.staged)
        return replace(bracket, staged=staged, match_runs=dict(bracket.match_runs))

    def _commit(self, race: Race, bracket: LiveBracket, log: BracketLog | None = None) -> None:
        """Persist the draft `bracket` (with `log` when it changed), hold it, announce it."""
        if log is not None:
            bracket.log = log
            bracket.state = bracket_state(log)
        bracket.rev += 1
        race.store.save_bracket(bracket.bracket_id, bracket.round_id, bracket.to_payload())
        self.brackets[bracket.bracket_id] = bracket
        race.outbox.append({"type": "bracket", "bracket": self.view(race, bracket)})

    def open(self, race: Race, payload: Payload) -> Payload:
        """Seed a bracket from a round's leaderboard and open its round on the track."""
        plan = _plan_round(race, _text(payload, "round_name", "", MAX_NAME_CHARS) or None)
        track = race.track(_id(payload, "track_id"))
        source_round_id = _id(payload, "source_round_id") or track.round_id
        if source_round_id not in race.rounds:
            raise NotFound(
                f"source_round_id: got {source_round_id!r:.60}, expected a known round id"
            )
        rules = _rules(race, payload, plan)
        seeds = _seeds(race, payload, source_round_id)
        if rules.stop_at > len(seeds):
            raise ActionError(
                f"stop_at: got {rules.stop_at}, expected at most {len(seeds)} (the field)"
            )
        name = _text(payload, "name", plan.name if plan else "Bracket", MAX_NAME_CHARS)
        layout = build_layout(len(seeds), rules.kind, rules.stop_at, rules.grand_final_reset)
        log = new_bracket(layout, tuple(seeds))
        round_info = _new_round(race, track.track_id, name, rules.match.format, plan)
        bracket = LiveBracket(
            new_id(),
            round_info.round_id,
            track.track_id,
            name,
            source_round_id,
            rules,
            log,
            bracket_state(log),
        )
        self._commit(race, bracket)
        return {"bracket_id": bracket.bracket_id, "round_id": bracket.round_id}

    def stage(self, race: Race, bracket_id: str, payload: Payload) -> Payload:
        """Queue a ready match's racers in running order (default: the next match)."""
        bracket = self._draft(bracket_id)
        state = bracket.state
        match_id = _id(payload, "match_id") or state.current_match
        if match_id is None:
            raise RuleViolation(
                f"stage: {bracket.name} has no match to race (finished: {state.finished})"
            )
        if match_id not in state.next_up:
            status = state.match(match_id).status
            raise RuleViolation(
                f"stage: match {match_id} is {status}, "
                f"expected one of the next-up matches {list(state.next_up)}"
            )
        track = race.track(bracket.track_id)
        if track.round_id != bracket.round_id:
            raise RuleViolation(
                f"stage: track {track.track_id} has moved on to another round; "
                f"{bracket.name} can take corrections only"
            )
        if bracket.staged is not None and _flag(payload, "replace") is not True:
            raise RuleViolation(
                f"stage: match {bracket.staged.match_id} is staged and not decided; "
                "decide it first or stage again with replace=true"
            )
        self._unqueue(race, bracket)
        match = state.match(match_id)
        runs = race.round_runs(bracket.round_id)
        after_seq = runs[-1].info.seq if runs else 0
        entry_ids = []
        for _ in range(bracket.rules.match.attempts):
            for racer_id in match.racers:
                entry_ids.append(race.queue_add(track.track_id, race.racer(racer_id)))
        bracket.staged = Staged(match_id, after_seq, entry_ids)
        self._commit(race, bracket)
        return {"match_id": match_id, "entry_ids": entry_ids}

    def _unqueue(self, race: Race, bracket: LiveBracket) -> None:
        """Take the staged match's entries that were not raced off the queue."""
        if bracket.staged is None:
            return
        queued = {e.entry_id for e in race.queues.get(bracket.round_id, [])}
        for entry_id in bracket.staged.entry_ids:
            if entry_id in queued:
                race.queue_remove(bracket.track_id, entry_id)
        bracket.staged = None

    def _match_runs(self, race: Race, bracket: LiveBracket, racer_id: str) -> list[RunRecord]:
        assert bracket.staged is not None
        after = bracket.staged.after_seq
        return [
            r
            for r in race.round_runs(bracket.round_id)
            if r.info.racer_id == racer_id and r.info.seq > after
        ]

    def decide(self, race: Race, bracket_id: str, payload: Payload) -> Payload:
        """Decide the staged match from its runs (`decide_match`) and record the result."""
        bracket = self._draft(bracket_id)
        if bracket.staged is None:
            raise RuleViolation(f"decide: no match of {bracket.name} is staged; stage one first")
        no_show = payload.get("no_show", [])
        if not isinstance(no_show, list) or not all(isinstance(r, str) for r in no_show):
            raise ActionError(f"no_show: got {no_show!r:.60}, expected a list of racer ids")
        match = bracket.state.match(bracket.staged.match_id)
        unknown = [r for r in no_show if r not in match.racers]
        if unknown:
            raise ActionError(
                f"no_show: got {unknown!r:.60}, "
                f"expected racers of {match.match_id}: {list(match.racers)}"
            )
        sides = []
        used: list[str] = []
        for racer_id in match.racers:
            runs = self._match_runs(race, bracket, racer_id)
            used.extend(r.info.run_id for r in runs)
            laps = tuple(
                RunLaps(r.info.run_id, r.info.seq, r.state.status, r.state.laps) for r in runs
            )
            sides.append(
                MatchSide(racer_id, bracket.log.seed_of(racer_id), laps, racer_id in no_show)
            )
        decision = decide_match(bracket.rules.match, sides[0], sides[1])
        log = apply_decision(bracket.log, match.match_id, decision)  # a re-run raises (409)
        bracket.match_runs[match.match_id] = used
        self._unqueue(race, bracket)
        self._commit(race, bracket, log)
        return {
            "match_id": match.match_id,
            "winner_id": decision.winner_id,
            "reason": decision.reason,
        }

    def correct(self, race: Race, bracket_id: str, payload: Payload) -> Payload:
        """Staff set a match's winner by hand (a correction, or a result without runs)."""
        bracket = self._draft(bracket_id)
        match_id = _id(payload, "match_id")
        winner_id = _id(payload, "winner_id")
        if match_id is None or winner_id is None:
            raise ActionError(
                f"match_id, winner_id: got {match_id!r}, {winner_id!r}, expected both ids"
            )
        note = _text(payload, "note", "staff correction", MAX_NOTE_CHARS)
        log = record_result(bracket.log, match_id, winner_id, note, state=bracket.state)
        if bracket.staged is not None and bracket.staged.match_id == match_id:
            self._unqueue(race, bracket)
        self._commit(race, bracket, log)
        return {"match_id": match_id, "winner_id": winner_id}

    def undo(self, race: Race, bracket_id: str, payload: Payload) -> Payload:
        """Undo event `event_id` (default: the latest event still in effect)."""
        bracket = self._draft(bracket_id)
        event_id = _count(payload, "event_id", 1, 1_000_000)
        if event_id is None:
            active = active_event_ids(bracket.log)
            if not active:
                raise RuleViolation(f"undo: {bracket.name} has no result to undo")
            event_id = max(active)
        log = undo_event(bracket.log, event_id)
        self._commit(race, bracket, log)
        return {"undone": event_id}

    def unstage(self, race: Race, bracket_id: str, payload: Payload) -> Payload:
        """Cancel the staged match: its entries leave the queue; runs already raced stay."""
        bracket = self._draft(bracket_id)
        if bracket.staged is None:
            raise RuleViolation(f"unstage: no match of {bracket.name} is staged")
        match_id = bracket.staged.match_id
        self._unqueue(race, bracket)
        self._commit(race, bracket)
        return {"match_id": match_id}


def _event_label(event: Any, names: dict[str, str]) -> str:
    if isinstance(event, MatchResult):
        winner = names.get(event.winner_id, event.winner_id)
        loser = names.get(event.loser_id, event.loser_id)
        note = f" ({event.note})" if event.note else ""
        return f"{event.match_id}: {winner} beat {loser}{note}"
    return f"undo of #{event.target_id}"
