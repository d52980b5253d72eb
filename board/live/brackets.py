"""Head-to-head brackets in the live core: open, stage, decide, correct, undo.

A bracket belongs to a bracket round. A program's bracket round opens its bracket when
staff open the round (seeds: the round's entrants in order); an event without a program
may open an ad-hoc bracket from a round's leaderboard (`open_adhoc`). Matches are raced as
ordinary runs of the round: staging a match queues its two racers in running order (top,
bottom, … one entry per attempt); deciding it hands the runs each racer started since the
match was staged to `timer.bracket_match.decide_match`. Corrections and undos go through
`timer.brackets`, which recomputes (or flags) everything downstream.

Each change is stored first (the whole bracket as one JSON document,
`RaceStore.save_bracket`), then announced as a `BracketChanged` message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lapgate.board.bracket_document import LiveBracket, Staged, load_brackets
from lapgate.board.domain import RoundInfo, new_id
from lapgate.board.live.messages import BracketChanged, Notice
from lapgate.board.live.race import ActionError, NotFound, Race, RoundStatus, RunRecord
from lapgate.timer.bracket_layout import build_layout
from lapgate.timer.bracket_match import MatchSide, apply_decision, decide_match
from lapgate.timer.bracket_view import bracket_view
from lapgate.timer.brackets import (
    BracketLog,
    MatchResult,
    active_event_ids,
    bracket_state,
    new_bracket,
    record_result,
    undo_event,
)
from lapgate.timer.errors import LapgateError, RuleViolation
from lapgate.timer.formats import RunLaps
from lapgate.timer.rounds import (
    AdvanceKind,
    Advancement,
    BracketRules,
    RoundKind,
    advancement_to_dict,
)

Payload = dict[str, Any]


def load(race: Race) -> None:
    """Rebuild every bracket from the store; a damaged document is logged and left out."""
    loaded = load_brackets(race.store, race.rounds)
    race.brackets = {bracket.bracket_id: bracket for bracket in loaded}


# ---- reads --------------------------------------------------------------------------------


def get(race: Race, bracket_id: str) -> LiveBracket:
    bracket = race.brackets.get(bracket_id)
    if bracket is None:
        raise NotFound(
            "bracket: got {bracket_id!r:.60}, expected a known bracket id", bracket_id=bracket_id
        )
    return bracket


def latest(race: Race) -> LiveBracket | None:
    """The bracket of the newest round that has one (the one the big screen shows)."""
    return max(race.brackets.values(), key=lambda b: race.rounds[b.round_id].seq, default=None)


def current(bracket: LiveBracket) -> str | None:
    if bracket.staged is not None:
        return bracket.staged.match_id
    return bracket.state.current_match


def summary(race: Race) -> list[Payload]:
    ordered = sorted(race.brackets.values(), key=lambda b: race.rounds[b.round_id].seq)
    return [
        {
            "bracket_id": b.bracket_id,
            "name": b.name,
            "round_id": b.round_id,
            "track_id": b.track_id,
            "kind": str(b.rules.kind),
            "size": b.log.layout.size,
            "finished": b.state.finished,
            "current_match": current(b),
            "rev": b.rev,
        }
        for b in ordered
    ]


def view(race: Race, bracket: LiveBracket) -> Payload:
    """`timer.bracket_view` plus what the board adds: ids, rules, staging, undo list."""
    names = {
        racer_id: race.racers[racer_id].alias
        for racer_id in bracket.log.entrants
        if racer_id in race.racers
    }
    shown = bracket_view(bracket.state, names, current(bracket))
    match = bracket.rules.match
    active = active_event_ids(bracket.log)
    events = [
        {
            "event_id": entry.event_id,
            "label": _event_label(entry.event, names, bracket),
            **_event_parts(entry.event, names, bracket),
            "active": entry.event_id in active,
            **_event_parts(entry.event, names, bracket),
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
            "format_kind": str(match.format.kind),
            "format_laps": match.format.laps,
            "attempts": match.attempts,
            "tie": str(match.tie),
            "grand_final_reset": bracket.rules.grand_final_reset,
        },
        "staged": bracket.staged.match_id if bracket.staged else None,
        "staged_runs": _staged_runs(race, bracket),
        "events": events,
        **shown,
    }


def _staged_runs(race: Race, bracket: LiveBracket) -> dict[str, list[str]]:
    """The staged match's runs so far, by racer id (oldest first): its attempts."""
    if bracket.staged is None:
        return {}
    match = bracket.state.match(bracket.staged.match_id)
    return {r: [run.info.run_id for run in _match_runs(race, bracket, r)] for r in match.racers}


# ---- changes ----------------------------------------------------------------------------


def _draft(race: Race, bracket_id: str) -> LiveBracket:
    """A copy to change; it replaces the held one only in `_commit`, so a change that fails
    half-way (a rule, the store) leaves the bracket as it was."""
    bracket = get(race, bracket_id)
    staged = None if bracket.staged is None else replace(bracket.staged)
    return replace(bracket, staged=staged, match_runs=dict(bracket.match_runs))


def _commit(race: Race, bracket: LiveBracket, new_log: BracketLog | None = None) -> None:
    if new_log is not None:
        bracket.log = new_log
        bracket.state = bracket_state(new_log)
    bracket.rev += 1
    race.store.save_bracket(bracket.bracket_id, bracket.round_id, bracket.to_payload())
    race.brackets[bracket.bracket_id] = bracket
    race.round_changed(bracket.round_id)
    race.outbox.append(BracketChanged(bracket.bracket_id))


def _create(
    race: Race, info: RoundInfo, rules: BracketRules, seeds: Sequence[str], source: str | None
) -> LiveBracket:
    if len(seeds) < 2:
        raise RuleViolation(
            "open {info_name}: got {count} entrants, expected at least 2",
            info_name=info.name,
            count=len(seeds),
        )
    if rules.stop_at > len(seeds):
        raise ActionError(
            "stop_at: got {stop_at}, expected at most {field_size} (the field)",
            stop_at=rules.stop_at,
            field_size=len(seeds),
        )
    layout = build_layout(len(seeds), rules.kind, rules.stop_at, rules.grand_final_reset)
    bracket_log = new_bracket(layout, tuple(seeds))
    track_id = race.round_tracks(info.round_id)[0]
    bracket = LiveBracket(
        new_id(),
        info.round_id,
        track_id,
        info.name,
        source,
        rules,
        bracket_log,
        bracket_state(bracket_log),
    )
    _commit(race, bracket)
    return bracket


def open_for_round(race: Race, info: RoundInfo, seeds: Sequence[str]) -> LiveBracket:
    """The bracket of a program's bracket round (seeds: its entrants in order)."""
    existing = [b for b in race.brackets.values() if b.round_id == info.round_id]
    if existing:
        return existing[0]
    rules = race.specs[info.round_id].bracket
    if rules is None:
        raise RuleViolation("open {info_name}: it has no bracket rules", info_name=info.name)
    return _create(race, info, rules, seeds, None)


def open_adhoc(
    race: Race,
    track_id: str | None,
    name: str,
    rules: BracketRules,
    seeds: Sequence[str] | None,
    size: int | None,
    source_round_id: str | None,
) -> Payload:
    """A bracket round of its own on a track, seeded from a round's leaderboard (no program)."""
    from lapgate.board.live import program

    track = race.track(track_id)
    source = source_round_id or track.round_id
    if source not in race.rounds:
        raise NotFound(
            "source_round_id: got {source!r:.60}, expected a known round id", source=source
        )
    if seeds is None:
        ranked = [s.racer_id for s in race.standings(source) if s.rank is not None]
        seeds = ranked[:size] if size else ranked
        if size and len(seeds) < size:
            raise RuleViolation(
                "size: got {size}, but the round's leaderboard has only {count} racers "
                "with a result",
                size=size,
                count=len(seeds),
            )
    else:
        for racer_id in seeds:
            race.racer(racer_id)
        if len(set(seeds)) != len(seeds):
            raise ActionError("seeds: got repeated racer ids in {seeds!r:.80}", seeds=list(seeds))
    running = race.running_on(track)
    if running is not None:
        raise RuleViolation(
            "open bracket: a run is {state_status} on {track_id}; end it first",
            state_status=running.state.status,
            track_id=track.track_id,
        )
    assert race.event is not None
    old = race.rounds.get(track.round_id)
    if old is not None and old.status == RoundStatus.OPEN and race.queues.get(old.round_id):
        queued = len(race.queues[old.round_id])
        raise RuleViolation(
            "open bracket: {queued} racers are still queued for {old_name}; race or remove them "
            "first",
            queued=queued,
            old_name=old.name,
        )
    seq = max((r.seq for r in race.rounds.values()), default=0) + 1
    info = RoundInfo(
        new_id(),
        race.event.event_id,
        track.track_id,
        name,
        seq,
        rules.match.format,
        race.rounds[source].run_config,
        0,
        advancement_to_dict(Advancement(AdvanceKind.NONE)),
        kind=str(RoundKind.BRACKET),
        status=RoundStatus.OPEN,
        state={"entrants": list(seeds), "tracks": [track.track_id]},
    )
    if old is not None and old.status == RoundStatus.OPEN:
        race.save_round(replace(old, status=RoundStatus.CLOSED))
        race.program_changed(old.round_id, "closed")
    race.save_round(info)
    race.specs[info.round_id] = program._stored_spec(info)
    race.queues[info.round_id] = []
    bracket = _create(race, info, rules, seeds, source)
    track.round_id = info.round_id
    track.current_run_id = None
    race.changed(track, "round")
    race.program_changed(info.round_id, "opened")
    return {"bracket_id": bracket.bracket_id, "round_id": info.round_id}


def stage(race: Race, bracket_id: str, match_id: str | None, replace_staged: bool) -> Payload:
    """Queue a ready match's racers in running order (default: the next match)."""
    bracket = _draft(race, bracket_id)
    state = bracket.state
    match_id = match_id or state.current_match
    if match_id is None:
        raise RuleViolation(
            "stage: {bracket_name} has no match to race (finished: {finished})",
            bracket_name=bracket.name,
            finished=state.finished,
        )
    if match_id not in state.next_up:
        status = state.match(match_id).status
        raise RuleViolation(
            "stage: match {match_id} is {status}, expected one of the next-up matches {next_up}",
            match_id=match_id,
            status=status,
            next_up=list(state.next_up),
        )
    track = race.track(bracket.track_id)
    if track.round_id != bracket.round_id or race.rounds[bracket.round_id].status != "open":
        raise RuleViolation(
            "stage: {bracket_name} is not the open round on {track_id}; it can take corrections "
            "only",
            bracket_name=bracket.name,
            track_id=track.track_id,
        )
    if bracket.staged is not None and not replace_staged:
        raise RuleViolation(
            "stage: match {match_id} is staged and not decided; decide it first or stage again "
            "with replace=true",
            match_id=bracket.staged.match_id,
        )
    _unqueue(race, bracket)
    match = state.match(match_id)
    runs = race.round_runs(bracket.round_id)
    after_seq = runs[-1].info.seq if runs else 0
    entry_ids = []
    for _ in range(bracket.rules.match.attempts):
        for racer_id in match.racers:
            entry_ids.append(race.queue_add(track.track_id, race.racer(racer_id)))
    bracket.staged = Staged(match_id, after_seq, entry_ids)
    _commit(race, bracket)
    return {"match_id": match_id, "entry_ids": entry_ids}


def _unqueue(race: Race, bracket: LiveBracket) -> None:
    """Take the staged match's entries that were not raced off the queue."""
    if bracket.staged is None:
        return
    queued = {e.entry_id for e in race.queues.get(bracket.round_id, [])}
    for entry_id in bracket.staged.entry_ids:
        if entry_id in queued:
            race.queue_remove(bracket.track_id, entry_id)
    bracket.staged = None


def _match_runs(race: Race, bracket: LiveBracket, racer_id: str) -> list[RunRecord]:
    assert bracket.staged is not None
    after = bracket.staged.after_seq
    return [
        r
        for r in race.round_runs(bracket.round_id)
        if r.info.racer_id == racer_id and r.info.seq > after
    ]


def decide(race: Race, bracket_id: str, no_show: Sequence[str]) -> Payload:
    """Decide the staged match from its runs (`decide_match`) and record the result."""
    bracket = _draft(race, bracket_id)
    if bracket.staged is None:
        raise RuleViolation(
            "decide: no match of {bracket_name} is staged; stage one first",
            bracket_name=bracket.name,
        )
    match = bracket.state.match(bracket.staged.match_id)
    unknown = [r for r in no_show if r not in match.racers]
    if unknown:
        raise ActionError(
            "no_show: got {unknown!r:.60}, expected racers of {match_id}: {racers}",
            unknown=unknown,
            match_id=match.match_id,
            racers=list(match.racers),
        )
    sides = []
    used: list[str] = []
    for racer_id in match.racers:
        runs = _match_runs(race, bracket, racer_id)
        used.extend(r.info.run_id for r in runs)
        laps = tuple(RunLaps(r.info.run_id, r.info.seq, r.state.status, r.state.laps) for r in runs)
        sides.append(MatchSide(racer_id, bracket.log.seed_of(racer_id), laps, racer_id in no_show))
    if not used and not no_show:
        top, bottom = (race.racers[r].alias for r in match.racers)
        raise RuleViolation(
            "decide {match_id}: neither {top} nor {bottom} has raced an attempt; race it, record "
            "a no-show, or set the winner by hand",
            match_id=match.match_id,
            top=top,
            bottom=bottom,
        )
    decision = decide_match(bracket.rules.match, sides[0], sides[1])
    new_log = apply_decision(bracket.log, match.match_id, decision)  # a re-run raises (409)
    bracket.match_runs[match.match_id] = used
    _unqueue(race, bracket)
    _commit(race, bracket, new_log)
    return {"match_id": match.match_id, "winner_id": decision.winner_id, "reason": decision.reason}


def check_decided(race: Race, run: RunRecord) -> None:
    """After a correction of `run`: if a decided match was decided from it, decide that
    match again from its runs as they are now and tell staff (a notice on /control) whether
    the recorded result still holds. The result itself changes only by staff's hand
    (`correct`): later matches may already have been raced on it."""
    for bracket in race.brackets.values():
        for match_id, used in bracket.match_runs.items():
            if run.info.run_id in used:
                _recheck(race, bracket, match_id, used)


def _recheck(race: Race, bracket: LiveBracket, match_id: str, used: list[str]) -> None:
    match = bracket.state.match(match_id)
    if not isinstance(match.winner, str) or len(match.racers) != 2:
        return
    sides = []
    for racer_id in match.racers:
        runs = [race.runs[r] for r in used if r in race.runs]
        laps = tuple(
            RunLaps(r.info.run_id, r.info.seq, r.state.status, r.state.laps)
            for r in runs
            if r.info.racer_id == racer_id
        )
        sides.append(MatchSide(racer_id, bracket.log.seed_of(racer_id), laps))
    try:
        decision = decide_match(bracket.rules.match, sides[0], sides[1])
    except RuleViolation as exc:
        text = f"{bracket.name} {match_id}: its runs changed and cannot decide it now ({exc})"
        race.outbox.append(Notice("bracket", text))
        return
    names = {r: race.racers[r].alias if r in race.racers else r for r in match.racers}
    recorded = f"{names[match.winner]} beat {names[str(match.loser)]}"
    if decision.winner_id is None or decision.loser_id is None:
        now = f"a tie ({decision.reason})"
    else:
        winner_is_bottom = decision.winner_id == match.bottom
        times = winner_first(decision.reason, winner_is_bottom)
        now = f"{names[decision.winner_id]} beat {names[decision.loser_id]} ({times})"
    if decision.winner_id == match.winner:
        text = f"{bracket.name} {match_id}: a run of it was corrected; the result stands: {now}"
    else:
        text = (
            f"{bracket.name} {match_id}: a run of it was corrected; its runs now say {now}, "
            f"but the recorded result is {recorded}. Correct the winner on the Brackets "
            "panel if it should change"
        )
    race.outbox.append(Notice("bracket", text))


def correct(race: Race, bracket_id: str, match_id: str, winner_id: str, note: str) -> Payload:
    """Staff set a match's winner by hand (a correction, or a result without runs)."""
    bracket = _draft(race, bracket_id)
    new_log = record_result(bracket.log, match_id, winner_id, note, state=bracket.state)
    if bracket.staged is not None and bracket.staged.match_id == match_id:
        _unqueue(race, bracket)
    _commit(race, bracket, new_log)
    return {"match_id": match_id, "winner_id": winner_id}


def undo(race: Race, bracket_id: str, event_id: int | None) -> Payload:
    """Undo event `event_id` (default: the latest event still in effect)."""
    bracket = _draft(race, bracket_id)
    if event_id is None:
        active = active_event_ids(bracket.log)
        if not active:
            raise RuleViolation(
                "undo: {bracket_name} has no result to undo", bracket_name=bracket.name
            )
        event_id = max(active)
    new_log = undo_event(bracket.log, event_id)
    _commit(race, bracket, new_log)
    return {"undone": event_id}


def unstage(race: Race, bracket_id: str) -> Payload:
    """Cancel the staged match: its entries leave the queue; runs already raced stay."""
    bracket = _draft(race, bracket_id)
    if bracket.staged is None:
        raise RuleViolation(
            "unstage: no match of {bracket_name} is staged", bracket_name=bracket.name
        )
    match_id = bracket.staged.match_id
    _unqueue(race, bracket)
    _commit(race, bracket)
    return {"match_id": match_id}


def _event_label(event: Any, names: dict[str, str], bracket: LiveBracket) -> str:
    if isinstance(event, MatchResult):
        winner = names.get(event.winner_id, event.winner_id)
        loser = names.get(event.loser_id, event.loser_id)
        note = winner_first(event.note, _bottom_of(bracket, event.match_id) == event.winner_id)
        return f"{event.match_id}: {winner} beat {loser}" + (f" ({note})" if note else "")
    return f"undo of #{event.target_id}"


def _event_parts(event: Any, names: dict[str, str], bracket: LiveBracket) -> dict[str, Any]:
    """`_event_label`'s parts, for pages that say it in their own language: a result's
    match, winner, loser and note (times winner first); an undo's target."""
    if isinstance(event, MatchResult):
        bottom_won = _bottom_of(bracket, event.match_id) == event.winner_id
        return {
            "match_id": event.match_id,
            "winner": names.get(event.winner_id, event.winner_id),
            "loser": names.get(event.loser_id, event.loser_id),
            "note": winner_first(event.note, bottom_won),
        }
    return {"undo_of": event.target_id}


def _bottom_of(bracket: LiveBracket, match_id: str) -> object:
    try:
        return bracket.state.match(match_id).bottom
    except LapgateError:
        return None


_TIMES = re.compile(r"^(no time|\d+\.\d+) v (no time|\d+\.\d+)")


def winner_first(note: str, winner_is_bottom: bool) -> str:
    """A decision's note ("top v bottom" times) with the winner's time first, as it reads
    after "A beat B": "Gustav beat Fredrik (7.192 v 9.519)"."""
    found = _TIMES.match(note)
    if not winner_is_bottom or found is None:
        return note
    return f"{found.group(2)} v {found.group(1)}{note[found.end() :]}"
