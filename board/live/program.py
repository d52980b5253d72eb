"""The event's program: the config's `[[rounds]]` as stored rounds that staff open and close.

A round is *pending* until staff open it, *open* while it is raced, *closed* once its
outcome (who advances, `timer.rounds.Qualification`) is fixed. Its stored `state` document
holds what the live core decided about it:

- ``entrants``: racer ids who may race it, in seeding order (absent: open entry), fixed
  when the round opens from the outcomes of the rounds in its `entry_from`;
- ``entrant_log``: every change staff made to the entrants, and every queue override, with
  the reason given;
- ``advancers``: an external round's advancers as typed in or imported;
- ``outcome``: the qualification fixed when the round closed.

An event without `[[rounds]]` keeps one open timed round on all its tracks. Rules:
opening a round needs every round it takes entrants from closed, and its tracks free (no
run staged or running, no other open round on them); closing needs no run on its tracks,
and a bracket round a finished bracket; reopening needs no later round that takes its
advancers to have been opened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from lapgate.board.domain import RoundInfo, new_id
from lapgate.board.league.summit import RoundRuns, round_placings
from lapgate.board.live.race import ActionError, NotFound, Race, RoundStatus
from lapgate.board.live.state import RaceState
from lapgate.timer.errors import RuleViolation
from lapgate.timer.placing import Placing
from lapgate.timer.rounds import (
    AdvanceKind,
    Advancement,
    EventPlan,
    Qualification,
    RoundKind,
    RoundSpec,
    advance,
    advancement_from_dict,
    advancement_to_dict,
    already_qualified,
    bracket_qualification,
    entrants,
    reason_parts,
)
from lapgate.timer.run import RunStatus

MAX_REASON_CHARS = 200


# ---- loading ------------------------------------------------------------------------------


def load_rounds(race: Race) -> None:
    """The stored rounds of the event; the program's rounds are created on first start."""
    assert race.event is not None
    stored = {r.round_id: r for r in race.store.list_rounds(race.event.event_id)}
    configured = list(race.settings.rounds)
    by_name = {r.name: r for r in stored.values()}
    seq = max((r.seq for r in stored.values()), default=0)
    defaults = race.settings.round
    for index, round_settings in enumerate(configured):
        spec = round_settings.spec(defaults)
        info = by_name.get(spec.name)
        if info is None:
            seq = max(seq, index) + 1
            tracks = list(round_settings.tracks)
            info = RoundInfo(
                new_id(),
                race.event.event_id,
                tracks[0] if len(tracks) == 1 else "",
                spec.name,
                seq,
                spec.format,
                spec.run_config,
                spec.runs_per_racer,
                advancement_to_dict(spec.advancement),
                kind=str(spec.kind),
                status=RoundStatus.PENDING,
                state={"tracks": tracks} if tracks else {},
            )
            race.store.save_round(info)
            stored[info.round_id] = info
        race.specs[info.round_id] = spec
    if not stored:
        info = RoundInfo(
            new_id(),
            race.event.event_id,
            "",
            "Round 1",
            1,
            defaults.ranking_format(),
            defaults.run_config(),
            defaults.runs_per_racer,
            advancement_to_dict(Advancement(AdvanceKind.ALL)),
            kind=str(RoundKind.TIMED),
            status=RoundStatus.OPEN,
            state={"default_name": True},  # named by the board: pages word it (views)
        )
        race.store.save_round(info)
        stored[info.round_id] = info
    race.rounds = stored
    for info in stored.values():
        if info.round_id not in race.specs:
            race.specs[info.round_id] = _stored_spec(info)


def _stored_spec(info: RoundInfo) -> RoundSpec:
    """The rules of a round the config does not describe (the default or an ad-hoc one)."""
    kind = RoundKind(info.kind) if info.kind in set(RoundKind) else RoundKind.TIMED
    if kind is RoundKind.BRACKET:
        kind = RoundKind.TIMED  # its bracket rules live in the bracket document
    return RoundSpec(
        info.name,
        kind,
        info.format,
        (),
        info.run_config,
        info.runs_per_racer,
        advancement_from_dict(info.advancement),
    )


def assign_tracks(race: Race) -> None:
    """Each track races its newest open round (or shows its newest closed one)."""
    for track in race.tracks.values():
        mine = [r for r in race.ordered_rounds() if track.track_id in race.round_tracks(r.round_id)]
        mine = [r for r in mine if r.kind != str(RoundKind.EXTERNAL)]
        open_ = [r for r in mine if r.status == RoundStatus.OPEN]
        shown = open_ or [r for r in mine if r.status == RoundStatus.CLOSED]
        track.round_id = shown[-1].round_id if shown else ""
        track.current_run_id = _last_run_on(race, track.round_id, track.track_id)


def _last_run_on(race: Race, round_id: str, track_id: str) -> str | None:
    runs = [r for r in race.round_runs(round_id) if race.track_of_run(r).track_id == track_id]
    return runs[-1].info.run_id if runs else None


# ---- the plan and outcomes ------------------------------------------------------------------


def plan(race: Race) -> EventPlan:
    return EventPlan(tuple(race.specs[r.round_id] for r in race.ordered_rounds()))


def outcome_of(info: RoundInfo) -> Qualification | None:
    data = info.state.get("outcome")
    if not isinstance(data, dict):
        return None
    return Qualification(
        info.name,
        tuple(str(r) for r in data.get("advanced", [])),
        tuple((str(r), str(why)) for r, why in data.get("reasons", [])),
        tuple(str(r) for r in data.get("tied_at_cut", [])),
    )


def _outcome_dict(q: Qualification) -> dict[str, Any]:
    return {
        "advanced": list(q.advanced),
        "reasons": [list(pair) for pair in q.reasons],
        "tied_at_cut": list(q.tied_at_cut),
    }


def outcomes(race: Race, provisional: bool = False) -> dict[str, Qualification]:
    """Closed rounds' outcomes by round name; with `provisional`, open rounds' as they stand."""
    found: dict[str, Qualification] = {}
    for info in race.ordered_rounds():
        fixed = outcome_of(info)
        if fixed is not None and info.status == RoundStatus.CLOSED:
            found[info.name] = fixed
        elif provisional and info.status == RoundStatus.OPEN:
            try:
                found[info.name] = qualify(race, info, found)
            except RuleViolation:
                continue
    return found


def qualify(race: Race, info: RoundInfo, known: dict[str, Qualification]) -> Qualification:
    """Who advances from `info` as it stands (RuleViolation while that cannot be known)."""
    spec = race.specs[info.round_id]
    kind = info.kind
    if kind == str(RoundKind.EXTERNAL):
        advancers = tuple(str(r) for r in info.state.get("advancers", []))
        if not advancers:
            raise RuleViolation(
                "close {info_name}: no advancers yet; type them in or import a CSV first",
                info_name=info.name,
            )
        return Qualification(info.name, advancers, tuple((r, "named") for r in advancers))
    if kind == str(RoundKind.BRACKET):
        bracket = race_bracket(race, info.round_id)
        if not bracket.state.finished:
            remaining = len(bracket.state.remaining)
            raise RuleViolation(
                "close {info_name}: the bracket is not finished ({remaining} racers remain, "
                "expected {stop_at}); next match {current_match}",
                info_name=info.name,
                remaining=remaining,
                stop_at=bracket.state.layout.stop_at,
                current_match=bracket.state.current_match,
            )
        rules_spec = spec if spec.bracket is not None else replace(spec, kind=RoundKind.TIMED)
        return bracket_qualification(rules_spec, bracket.state)
    regions = {r.racer_id: r.region for r in race.racers.values()}
    elsewhere = already_qualified(plan(race), info.name, known)
    rule = spec.advancement
    return advance(rule, race.standings(info.round_id), regions, elsewhere, info.name)


def race_bracket(race: Race, round_id: str) -> Any:
    for bracket in race.brackets.values():
        if bracket.round_id == round_id:
            return bracket
    raise NotFound(
        "bracket: round {rounds_name} has no bracket", rounds_name=race.rounds[round_id].name
    )


def results(race: Race, round_id: str) -> tuple[Placing, ...]:
    """The round's places by its kind (bracket by elimination stage, shootout by its lap)."""

    def build() -> tuple[Placing, ...]:
        info = race.rounds[round_id]
        bracket = next((b for b in race.brackets.values() if b.round_id == round_id), None)
        runs = tuple((r.info, r.state) for r in race.round_runs(round_id))
        round_runs = RoundRuns(
            info,
            runs,
            bracket.state if bracket else None,
            bracket.rules.match.format if bracket else None,
        )
        return round_placings(round_runs, race.racers)

    placings: tuple[Placing, ...] = race.cached(("results", round_id), build)
    return placings


# ---- entrants --------------------------------------------------------------------------------


def entrants_of(info: RoundInfo) -> list[str] | None:
    value = info.state.get("entrants")
    return None if value is None else [str(r) for r in value]


def preview(
    race: Race, round_id: str, word: Callable[[RuleViolation], str] = str
) -> dict[str, Any]:
    """Who would enter round `round_id` if it opened now, and why (nothing changes).
    `word` writes a rule that stops the preview (the web layer: in the client's language)."""
    info = race.round(round_id)
    known = outcomes(race, provisional=True)
    closed = outcomes(race)
    try:
        ordered = entrants(plan(race), info.name, known)
    except RuleViolation as exc:
        return {
            "round_id": round_id,
            "open_entry": False,
            "entrants": [],
            "problem": word(exc),
            "waiting": [],
        }
    if ordered is None:
        return {
            "round_id": round_id,
            "open_entry": True,
            "entrants": [],
            "problem": "",
            "waiting": [],
        }
    spec = race.specs[round_id]
    waiting = [s for s in spec.entry_from if s not in closed]
    reasons: dict[str, str] = {}
    codes: dict[str, dict[str, str | int] | None] = {}  # `reasons` for pages that word them
    for source in spec.entry_from:
        for racer_id, why in known[source].reasons:
            reasons.setdefault(racer_id, f"{source}: {why}")
            parts = reason_parts(why)
            codes.setdefault(racer_id, {**parts, "round": source} if parts else None)
    problem = f"provisional: {', '.join(waiting)} not closed yet" if waiting else ""
    return {
        "round_id": round_id,
        "open_entry": False,
        "entrants": [
            {
                "racer_id": r,
                "name": _name(race, r),
                "reason": reasons.get(r, ""),
                "reason_code": codes.get(r),
            }
            for r in ordered
        ],
        "problem": problem,
        "waiting": waiting,  # the rounds `problem` names, for pages that word it themselves
    }


def _name(race: Race, racer_id: str) -> str:
    racer = race.racers.get(racer_id)
    return racer.alias if racer else racer_id


def check_entrant(race: RaceState, info: RoundInfo, racer: Any, override_reason: str) -> None:
    """Refuse a racer who is not an entrant of `info`, unless staff give a reason."""
    allowed = entrants_of(info)
    if info.kind == str(RoundKind.EXTERNAL):
        raise RuleViolation(
            "queue: {info_name} is raced outside lapgate; nobody queues for it", info_name=info.name
        )
    if allowed is None or racer.racer_id in allowed:
        return
    if not override_reason:
        raise RuleViolation(
            "queue: {alias} is not an entrant of {info_name}; give a reason to let them race "
            "anyway",
            alias=racer.alias,
            info_name=info.name,
        )
    _log_entrant(race, info, "override", racer.racer_id, override_reason)


def check_runs_left(race: RaceState, info: RoundInfo, racer_id: str) -> None:
    limit = info.runs_per_racer
    if not limit:
        return
    done = [
        r
        for r in race.round_runs(info.round_id)
        if r.info.racer_id == racer_id and r.state.status is not RunStatus.ABORTED
    ]
    if len(done) >= limit:
        alias = race.racers[racer_id].alias
        raise RuleViolation(
            "stage: {alias} has had {runs_done} of {limit} runs in {info_name}",
            alias=alias,
            runs_done=len(done),
            limit=limit,
            info_name=info.name,
        )


def _log_entrant(race: RaceState, info: RoundInfo, action: str, racer_id: str, reason: str) -> None:
    state = dict(race.rounds[info.round_id].state)
    log = [
        *state.get("entrant_log", []),
        {"action": action, "racer_id": racer_id, "reason": reason},
    ]
    state["entrant_log"] = log
    race.save_round(replace(race.rounds[info.round_id], state=state))
    race.program_changed(info.round_id, "entrants")


def clean_reason(reason: str, what: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ActionError("reason: got nothing for {what}, expected why (it is logged)", what=what)
    if len(reason) > MAX_REASON_CHARS:
        raise ActionError(
            "reason: got {chars} characters, expected ≤ {max_chars}",
            chars=len(reason),
            max_chars=MAX_REASON_CHARS,
        )
    return reason


def change_entrants(
    race: Race,
    info: RoundInfo,
    add: Sequence[tuple[str, str]],
    remove: Sequence[tuple[str, str]],
) -> RoundInfo:
    """`info` with racers added (by alias) and removed (by id), each with a logged reason."""
    current = entrants_of(info)
    if current is None:
        if add or remove:
            raise RuleViolation(
                "entrants: {info_name} has open entry; anyone may queue", info_name=info.name
            )
        return info
    log = list(info.state.get("entrant_log", []))
    for racer_id, reason in remove:
        if racer_id not in current:
            raise NotFound(
                "remove: got {racer_id!r:.60}, expected an entrant of {info_name}",
                racer_id=racer_id,
                info_name=info.name,
            )
        current.remove(racer_id)
        log.append(
            {"action": "remove", "racer_id": racer_id, "reason": clean_reason(reason, racer_id)}
        )
    for alias, reason in add:
        racer = race.add_racer(alias)
        if racer.racer_id in current:
            raise RuleViolation(
                "add: {alias} is already an entrant of {info_name}",
                alias=racer.alias,
                info_name=info.name,
            )
        current.append(racer.racer_id)
        log.append(
            {"action": "add", "racer_id": racer.racer_id, "reason": clean_reason(reason, alias)}
        )
    return replace(info, state={**info.state, "entrants": current, "entrant_log": log})


# ---- open, close, reopen -----------------------------------------------------------------


def _check_tracks_free(race: Race, info: RoundInfo, action: str) -> None:
    for track_id in race.round_tracks(info.round_id):
        track = race.tracks[track_id]
        running = race.running_on(track)
        if running is not None and (action != "close" or track.round_id == info.round_id):
            name = race.racers[running.info.racer_id].alias
            raise RuleViolation(
                "{action} {info_name}: {name}'s run is {state_status} on {track_name}; end it "
                "first",
                action=action,
                info_name=info.name,
                name=name,
                state_status=running.state.status,
                track_name=track.name,
            )
        other = race.rounds.get(track.round_id)
        if (
            action == "open"
            and other is not None
            and other.round_id != info.round_id
            and other.status == RoundStatus.OPEN
        ):
            raise RuleViolation(
                "open {info_name}: {track_name} still races {other_name}; close it first",
                info_name=info.name,
                track_name=track.name,
                other_name=other.name,
            )


def open_round(
    race: Race,
    round_id: str,
    add: Sequence[tuple[str, str]] = (),
    remove: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Open a pending round: fix its entrants, hand it its tracks, set up its kind."""
    from lapgate.board.live import brackets

    info = race.round(round_id)
    if info.status == RoundStatus.OPEN:
        raise RuleViolation("open {info_name}: it is open already", info_name=info.name)
    if info.status == RoundStatus.CLOSED:
        raise RuleViolation(
            "open {info_name}: it is closed; reopen it instead", info_name=info.name
        )
    ordered = entrants(plan(race), info.name, outcomes(race))  # raises while feeders run
    state = dict(info.state)
    if ordered is not None:
        state["entrants"] = list(ordered)
    info = change_entrants(race, replace(info, state=state), add, remove)
    is_external = info.kind == str(RoundKind.EXTERNAL)
    if is_external:
        fixed = race.specs[round_id].advancement.fixed
        if fixed and not info.state.get("advancers"):
            info = replace(info, state={**info.state, "advancers": resolve_names(race, fixed)})
    else:
        _check_tracks_free(race, info, "open")
    info = replace(info, status=RoundStatus.OPEN)
    race.save_round(info)
    if info.kind == str(RoundKind.BRACKET):
        brackets.open_for_round(race, info, entrants_of(info) or [])
    if not is_external:
        _take_tracks(race, info)
    if info.kind == str(RoundKind.SHOOTOUT):
        _queue_running_order(race, info)
    race.program_changed(round_id, "opened")
    return {"round_id": round_id, "entrants": entrants_of(info)}


def _take_tracks(race: Race, info: RoundInfo) -> None:
    for track_id in race.round_tracks(info.round_id):
        track = race.tracks[track_id]
        track.round_id = info.round_id
        track.current_run_id = _last_run_on(race, info.round_id, track_id)
        race.changed(track, "round")


def _queue_running_order(race: Race, info: RoundInfo) -> None:
    """A shootout's entrants queue on its first track, best-placed last."""
    track = race.tracks[race.round_tracks(info.round_id)[0]]
    order = list(reversed(entrants_of(info) or []))
    for racer_id in order:
        race.queue_add(track.track_id, race.racer(racer_id))


def close_round(race: Race, round_id: str) -> dict[str, Any]:
    """Fix the round's outcome (who advances) and close it."""
    info = race.round(round_id)
    if info.status == RoundStatus.CLOSED:
        raise RuleViolation("close {info_name}: it is closed already", info_name=info.name)
    if info.status == RoundStatus.PENDING and info.kind != str(RoundKind.EXTERNAL):
        raise RuleViolation("close {info_name}: it has not been opened", info_name=info.name)
    _check_tracks_free(race, info, "close")
    qualification = qualify(race, info, outcomes(race))
    queued = len(race.queues.get(round_id, []))
    state = {**info.state, "outcome": _outcome_dict(qualification)}
    race.save_round(replace(info, status=RoundStatus.CLOSED, state=state))
    for track in race.tracks.values():
        if track.round_id == round_id:
            race.changed(track, "round")
    race.program_changed(round_id, "closed")
    return {
        "round_id": round_id,
        "advanced": list(qualification.advanced),
        "advanced_names": [_name(race, r) for r in qualification.advanced],
        "tied_at_cut": list(qualification.tied_at_cut),
        "left_in_queue": queued,
    }


def reopen_round(race: Race, round_id: str) -> dict[str, Any]:
    """Reopen a closed round (its outcome is dropped until it closes again)."""
    info = race.round(round_id)
    if info.status != RoundStatus.CLOSED:
        raise RuleViolation(
            "reopen {info_name}: it is {info_status}, expected closed",
            info_name=info.name,
            info_status=info.status,
        )
    for later in race.ordered_rounds():
        spec = race.specs[later.round_id]
        if info.name in spec.entry_from and later.status != RoundStatus.PENDING:
            raise RuleViolation(
                "reopen {info_name}: {later_name} took its advancers and is {later_status}; its "
                "entrants would change under it",
                info_name=info.name,
                later_name=later.name,
                later_status=later.status,
            )
    if info.kind != str(RoundKind.EXTERNAL):
        _check_tracks_free(race, info, "open")
    state = {k: v for k, v in info.state.items() if k != "outcome"}
    info = replace(info, status=RoundStatus.OPEN, state=state)
    race.save_round(info)
    if info.kind != str(RoundKind.EXTERNAL):
        _take_tracks(race, info)
    race.program_changed(round_id, "reopened")
    return {"round_id": round_id}


# ---- external rounds --------------------------------------------------------------------------


def resolve_names(race: Race, names: Sequence[str]) -> list[str]:
    """Racer ids for typed names: a known user id, else an alias (created when new)."""
    ids: list[str] = []
    for name in names:
        cleaned = " ".join(str(name).split())
        found = next((r for r in race.racers.values() if r.user_id == cleaned), None)
        racer = found or race.add_racer(cleaned)
        if racer.racer_id in ids:
            raise ActionError(
                "advancers: got {cleaned!r:.60} twice, expected each racer once", cleaned=cleaned
            )
        ids.append(racer.racer_id)
    return ids


def set_advancers(race: Race, round_id: str, names: Sequence[str]) -> dict[str, Any]:
    """Staff type in (or import) an external round's advancers, best first."""
    info = race.round(round_id)
    if info.kind != str(RoundKind.EXTERNAL):
        raise RuleViolation(
            "advancers: {info_name} is {info_kind}; only external rounds take them",
            info_name=info.name,
            info_kind=info.kind,
        )
    if info.status == RoundStatus.CLOSED:
        raise RuleViolation(
            "advancers: {info_name} is closed; reopen it first", info_name=info.name
        )
    if not names:
        raise ActionError("advancers: got an empty list, expected at least one racer")
    ids = resolve_names(race, names)
    race.save_round(replace(info, state={**info.state, "advancers": ids}))
    race.program_changed(round_id, "advancers")
    return {"round_id": round_id, "advancers": ids}


def advancers_from_csv(text: str) -> list[str]:
    """Names from a CSV: an `Alias`/`UserId`/`Name` column (header), or the first column."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ActionError("csv: got no rows, expected one racer per line")
    header = [cell.strip().casefold() for cell in rows[0]]
    for wanted in ("userid", "user_id", "alias", "name", "racer"):
        if wanted in header:
            column = header.index(wanted)
            names = [r[column].strip() for r in rows[1:] if len(r) > column and r[column].strip()]
            if not names:
                raise ActionError(
                    "csv: column {column!r} is empty, expected names", column=rows[0][column]
                )
            return names
    return [r[0].strip() for r in rows if r and r[0].strip()]
