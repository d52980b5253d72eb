"""Racers on the live core: rename, merge, split and delete, and "same person?" on queueing.

Each works on the running board as the CLI's `lapgate racer merge|unmerge` does on a stopped
one (the store's `merge_racers` / `undo_merge`), then takes the moved runs and queue entries
back from the store, so the next run of a merged racer is stored under the kept racer and
every screen and export shows one racer at once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lapgate.board.domain import Racer
from lapgate.board.i18n import Joined, Phrase
from lapgate.board.live import program
from lapgate.board.live.race import NeedsAnswer, Race, clean_alias
from lapgate.timer.errors import RuleViolation
from lapgate.timer.units import ms_from_ns

Payload = dict[str, Any]


def rename(race: Race, racer_id: str, alias: object) -> Racer:
    """Give a racer a new alias (a typo fixed): stored, then every screen shows it at once.

    Refused when another racer has that alias (case-insensitively): two people must not
    look like one, and one person with two racers is a merge.
    """
    racer = race.racer(racer_id)
    cleaned = clean_alias(alias)
    for other in race.racers.values():
        if other.racer_id != racer_id and other.alias.casefold() == cleaned.casefold():
            raise RuleViolation(
                "rename: {alias!r} is another racer's alias; merge them if they are one person, "
                "or choose another alias",
                alias=other.alias,
            )
    renamed = replace(racer, alias=cleaned)
    race.store.save_racer(renamed)
    race.racers[racer_id] = renamed
    _identity_changed(race)
    return renamed


def merge(race: Race, kept_id: str, merged_id: str) -> Payload:
    """Merge racer `merged_id` into `kept_id` (one person queued under two names).

    The merged racer's runs and queue entries become the kept racer's; undo with `split`.
    Refused while the merged racer is named by a round's entrants or advancers, or seeded
    in a bracket: those lists are fixed, so keep the racer they name.
    """
    kept, merged = race.racer(kept_id), race.racer(merged_id)
    _check_unreferenced(race, merged, f"merge {merged.alias} into {kept.alias}")
    merge_id = race.store.merge_racers(kept_id, merged_id)
    _reload_identity(race)
    runs = sum(1 for r in race.runs.values() if r.info.racer_id == kept_id)
    return {"merge_id": merge_id, "racer_id": kept_id, "alias": kept.alias, "runs": runs}


def split(race: Race, merge_id: int) -> Payload:
    """Undo merge `merge_id`: the runs and queue entries that moved go back."""
    found = [m for m in race.store.list_merges() if m[0] == merge_id]
    race.store.undo_merge(merge_id)  # UnknownEvent for an unknown or undone merge
    _reload_identity(race)
    _, kept_id, merged_id, _ = found[0]
    return {"merge_id": merge_id, "racer_id": merged_id, "kept_id": kept_id}


def delete(race: Race, racer_id: str) -> Payload:
    """Forget a racer with nothing recorded (a typo queued, then taken off the queue)."""
    racer = race.racer(racer_id)
    runs = [r for r in race.runs.values() if r.info.racer_id == racer_id]
    queued = [e for q in race.queues.values() for e in q if e.racer_id == racer_id]
    if runs or queued:
        raise RuleViolation(
            "delete {alias}: has {runs} and {entries}; expected a racer with none (take them "
            "off the queue, or merge them)",
            alias=racer.alias,
            runs=runs_counted(len(runs)),
            entries=entries_counted(len(queued)),
        )
    _check_unreferenced(race, racer, f"delete {racer.alias}")
    race.store.delete_racer(racer_id)
    del race.racers[racer_id]
    _identity_changed(race)
    return {"racer_id": racer_id, "alias": racer.alias}


def merges_into(race: Race, racer_id: str) -> list[Payload]:
    """The merges (not undone) that folded another racer into `racer_id`, for a split."""
    found = []
    for merge_id, kept_id, merged_id, undone in race.store.list_merges():
        if kept_id == racer_id and not undone:
            merged = race.store.get_racer(merged_id)
            alias = merged.alias if merged else merged_id
            found.append({"merge_id": merge_id, "racer_id": merged_id, "alias": alias})
    return found


# ---- queueing by name: "same person?" -----------------------------------------------------


def racer_to_queue(
    race: Race,
    track_id: str | None,
    alias: object,
    racer_id: str | None,
    same_racer: bool,
    new_racer: bool,
) -> Racer:
    """The racer a queue_add means: a known id, a new racer, or one with that name.

    A name that matches a racer's (case-insensitively) is only taken as that racer with
    `same_racer`, and only made a new racer with `new_racer`; without either, `NeedsAnswer`
    asks "same person?" and lists the matching racers' runs. Two people with one name can
    be two racers. In a round with a fixed list of entrants, the one entrant of that name
    is meant (nobody else may race it without an override).
    """
    if same_racer and new_racer:
        raise RuleViolation("queue: got same_racer and new_racer both true, expected one")
    if racer_id is not None:
        return race.racer(racer_id)
    cleaned = clean_alias(alias)
    matches = race.racers_named(cleaned)
    if not matches or new_racer:
        return race.new_racer(cleaned)
    if same_racer and len(matches) == 1:
        return matches[0]
    entrants = _entrants_named(race, track_id, matches)
    if len(entrants) == 1:
        return entrants[0]
    names = names_with_runs(race, matches)
    if same_racer:
        raise NeedsAnswer(
            "queue: {count} racers are named {alias!r} ({names}); "
            "expected racer_id to say which one",
            question(race, matches),
            count=len(matches),
            alias=cleaned,
            names=names,
        )
    raise NeedsAnswer(
        "queue: {alias!r} is the name of a known racer: {names}. Same person? "
        "Send same_racer: true (or their racer_id) to queue them, or new_racer: true for "
        "another person with that name",
        question(race, matches),
        alias=cleaned,
        names=names,
    )


def _entrants_named(race: Race, track_id: str | None, matches: list[Racer]) -> list[Racer]:
    info = race.rounds.get(race.track(track_id).round_id)
    allowed = program.entrants_of(info) if info is not None else None
    return [] if allowed is None else [r for r in matches if r.racer_id in allowed]


def names_with_runs(race: Race, matches: list[Racer]) -> Joined:
    """ "Sam (2 runs); Sam (no runs yet)": the racers a name matches, for the question."""
    return Joined(
        "; ",
        [
            Phrase("{alias} ({runs})", alias=r.alias, runs=_runs_summary(race, r.racer_id))
            for r in matches
        ],
    )


def question(race: Race, matches: list[Racer]) -> Payload:
    return {
        "question": "same_racer",
        "matches": [
            {"racer_id": r.racer_id, "alias": r.alias, "runs": _runs_of(race, r.racer_id)}
            for r in matches
        ],
    }


def _runs_of(race: Race, racer_id: str) -> list[Payload]:
    runs = [r for r in race.runs.values() if r.info.racer_id == racer_id]
    runs.sort(key=lambda r: (race.rounds[r.info.round_id].seq, r.info.seq))
    out = []
    for run in runs:
        valid = [lap.duration_ns for lap in run.state.laps if lap.valid]
        out.append(
            {
                "run_id": run.info.run_id,
                "round_name": race.rounds[run.info.round_id].name,
                "seq": run.info.seq,
                "status": str(run.state.status),
                "laps": len(run.state.laps),
                "best_lap_ms": ms_from_ns(min(valid)) if valid else None,
                "car": run.info.car,
            }
        )
    return out


def _runs_summary(race: Race, racer_id: str) -> Phrase:
    count = len(_runs_of(race, racer_id))
    if count == 0:
        return Phrase("no runs yet")
    return runs_counted(count)


def runs_counted(count: int) -> Phrase:
    """ "1 run", "2 runs"."""
    return Phrase("{count} run", count=count) if count == 1 else Phrase("{count} runs", count=count)


def entries_counted(count: int) -> Phrase:
    """ "1 queue entry", "2 queue entries"."""
    if count == 1:
        return Phrase("{count} queue entry", count=count)
    return Phrase("{count} queue entries", count=count)


# ---- keeping memory in step with the store --------------------------------------------------


def _check_unreferenced(race: Race, racer: Racer, action: str) -> None:
    """Refuse when a round's entrants or advancers, or a bracket, name `racer`."""
    for info in race.ordered_rounds():
        for key in ("entrants", "advancers"):
            if racer.racer_id in (info.state.get(key) or []):
                raise RuleViolation(
                    "{action}: {alias} is named in the {key} of {info_name}; keep that racer "
                    "(merge the other one into them)",
                    action=action,
                    alias=racer.alias,
                    key=key,
                    info_name=info.name,
                )
    for bracket in race.brackets.values():
        if racer.racer_id in bracket.log.entrants:
            raise RuleViolation(
                "{action}: {alias} is seeded in the bracket {bracket_name}; keep that racer "
                "(merge the other one into them)",
                action=action,
                alias=racer.alias,
                bracket_name=bracket.name,
            )


def _reload_identity(race: Race) -> None:
    """Take racers, the runs' racers and the queues back from the store after a merge."""
    race.racers = {r.racer_id: r for r in race.store.list_racers()}
    for round_id in race.rounds:
        for info in race.store.list_runs(round_id):
            run = race.runs.get(info.run_id)
            if run is not None and run.info.racer_id != info.racer_id:
                run.info = replace(run.info, racer_id=info.racer_id)
        race.queues[round_id] = race.store.load_queue(round_id)
    _identity_changed(race)


def _identity_changed(race: Race) -> None:
    race.derived.clear()  # standings and their views hold names
    for track in race.tracks.values():
        race.changed(track, "racer")
