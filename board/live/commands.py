"""Every staff action as a typed command, in one table.

Each command is a pydantic model validated once (`parse`), then run by its handler on the
engine host's thread (`execute`). The same table serves ``POST /api/control/<name>``, the
``/control`` socket's ``action`` event and the CLI, and the OpenAPI document is generated
from its models (`board.web.openapi`). A bad value raises `ActionError` naming the field,
the value and what was expected.

This module holds the run, queue and stage commands and the table; the base models are in
`board.live.command_types`, the racer, team, join and model card commands in
`board.live.commands_racers`, the round and bracket commands in `board.live.commands_program`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictInt, StrictStr, ValidationError

from lapgate.board.i18n import Phrase
from lapgate.board.live import racers, teams
from lapgate.board.live.command_types import (
    Alias,
    Command,
    Count,
    Id,
    OnRun,
    OnTrack,
    OptionalId,
    Payload,
    Text,
)
from lapgate.board.live.commands_program import (
    BracketCorrect,
    BracketDecide,
    BracketOpen,
    BracketStage,
    BracketUndo,
    OnBracket,
    OnRound,
    RoundAdvancers,
    RoundAdvancersCsv,
    RoundOpen,
    bracket_correct,
    bracket_decide,
    bracket_open,
    bracket_stage,
    bracket_undo,
    bracket_unstage,
    round_advancers,
    round_advancers_csv,
    round_close,
    round_open,
    round_reopen,
)
from lapgate.board.live.commands_racers import (
    JoinApprove,
    JoinModeSet,
    JoinReject,
    ModelSubmit,
    OnRacer,
    RacerMerge,
    RacerRename,
    RacerSplit,
    TeamCreate,
    TeamMember,
    join_approve,
    join_mode,
    join_reject,
    model_submit,
    racer_delete,
    racer_merge,
    racer_rename,
    racer_split,
    team_add_member,
    team_create,
    team_remove_member,
)
from lapgate.board.live.race import ActionError, NotFound, Race, RunRecord
from lapgate.config.limits import CAR_MAX, MODEL_NAME_MAX
from lapgate.timer.errors import LapgateError, RuleViolation
from lapgate.timer.events import (
    AbortRun,
    AdjustResets,
    EndRun,
    InvalidateLap,
    ManualCrossing,
    MarkDnf,
    RestoreLap,
    RunEvent,
    StartRun,
    Undo,
)


class QueueAdd(OnTrack):
    alias: Alias | None = Field(None, description="a name typed by staff (or a team's name)")
    racer_id: OptionalId = Field(None, description="a known racer (instead of alias)")
    same_racer: StrictBool = Field(
        False, description="the alias names a known racer: queue that racer"
    )
    new_racer: StrictBool = Field(
        False, description="the alias names a known racer, but this is another person"
    )
    car: Annotated[StrictStr, Field(max_length=CAR_MAX)] = ""
    model: Annotated[StrictStr, Field(max_length=MODEL_NAME_MAX)] = ""
    override_reason: Text = Field("", description="let a racer who is not an entrant race")
    team: Alias = Field("", description="queue this team (name or id) instead of a racer")
    raced_by: Alias = Field("", description="a team's entry: who drives (member or proxy)")


class QueueRacedBy(OnTrack):
    entry_id: Id
    raced_by: Alias = Field(description="who drives this team entry (a member or a proxy)")


class QueueMove(OnTrack):
    entry_id: Id
    position: Annotated[StrictInt, Field(ge=0)]


class QueueRemove(OnTrack):
    entry_id: Id


class Stage(OnTrack):
    entry_id: OptionalId = Field(None, description="the queue entry (default: the first)")


class WithReason(OnRun):
    reason: Text = ""


class Reset(OnRun):
    delta: StrictInt = Field(description="1 or -1")
    lap: Count | None = Field(None, description="default: lap in progress")


class OnLap(OnRun):
    lap: Count


class Invalidate(OnLap):
    reason: Text = ""


class UndoEvent(OnRun):
    event_id: Count


class Speak(Command):
    on: StrictBool


class Sounds(Command):
    """Race sounds on the big screen by name; a field left out stays as it is."""

    start: StrictBool | None = Field(None, description="the run's clock starts")
    thirty_left: StrictBool | None = Field(None, description="30 s of run time left")
    final_lap: StrictBool | None = Field(None, description="the lap in progress is the last")
    time_up: StrictBool | None = Field(None, description="time up / the run is over")
    new_leader: StrictBool | None = Field(None, description="a new leader of the round")


# ---- handlers -------------------------------------------------------------------------------


def _run(race: Race, cmd: OnRun) -> RunRecord:
    """The run named by `run_id`, or the current run of the track (`track_id` or first)."""
    if cmd.run_id is not None:
        return race.run(cmd.run_id)
    track = race.track(cmd.track_id)
    if track.current_run_id is None:
        raise RuleViolation(
            "track {track_id}: no run is staged; stage a racer first", track_id=track.track_id
        )
    return race.runs[track.current_run_id]


def _now(race: Race, run: RunRecord) -> int:
    return race.now_ns(race.track_of_run(run))


def _lap_end_ns(run: RunRecord, number: int) -> int:
    for lap in run.state.laps:
        if lap.number == number:
            return lap.end_ns
    raise NotFound(
        "lap: got {number}, expected 1–{laps} of this run", number=number, laps=len(run.state.laps)
    )


def _record(race: Race, run: RunRecord, event: RunEvent) -> Payload:
    return {"run_id": run.info.run_id, "event_id": race.apply(run.info.run_id, event)}


def _at_now(make: Callable[[int, str], RunEvent]) -> Callable[[Race, WithReason], Payload]:
    def handler(race: Race, cmd: WithReason) -> Payload:
        run = _run(race, cmd)
        return _record(race, run, make(_now(race, run), cmd.reason))

    return handler


def queue_add(race: Race, cmd: QueueAdd) -> Payload:
    """Queue a racer (or a team with who drives); `warning` says when they were in this
    queue already (still queued).

    A typed name that is a known racer's asks "same person?" (`NeedsAnswer`, 409 with the
    question) unless `same_racer` or `new_racer` answers it.
    """
    alias = cmd.alias or ""
    team_key = cmd.team.strip() or (alias.strip() if teams.is_team_name(race, alias) else "")
    if team_key:
        entry_id, team, drives = teams.queue(
            race,
            cmd.track_id,
            team_key,
            cmd.raced_by,
            cmd.car.strip(),
            cmd.model.strip(),
            cmd.override_reason.strip(),
        )
        proxy = teams.is_proxy(race, team.entrant_id, drives.racer_id)
        return {
            "entry_id": entry_id,
            "racer_id": team.entrant_id,
            "team_id": team.team_id,
            "raced_by": drives.racer_id,
            "proxy": proxy,
        }
    if cmd.raced_by.strip():
        raise ActionError(
            "raced_by: got {raced_by!r:.60} for racer {alias!r:.60}; expected it only with a "
            "team (a racer drives themself)",
            raced_by=cmd.raced_by,
            alias=alias,
        )
    if cmd.alias is None and cmd.racer_id is None:
        raise ActionError("alias: got nothing, expected an alias or a racer_id")
    named = [r for r in race.racers.values() if r.alias.casefold() == alias.strip().casefold()]
    if len(named) == 1 and not cmd.new_racer:
        teams.check_solo(race, named[0])  # a team's member: queue the team, before asking
    track = race.track(cmd.track_id)
    race.open_round_of(track, "queue")  # refused before a racer is made
    known = set(race.racers)
    racer = racers.racer_to_queue(
        race, cmd.track_id, cmd.alias, cmd.racer_id, cmd.same_racer, cmd.new_racer
    )
    waiting = [e for e in race.track_queue(track) if e.racer_id == racer.racer_id]
    try:
        teams.check_solo(race, racer)  # a team's member races with the team
        entry_id = race.queue_add(
            cmd.track_id, racer, cmd.car.strip(), cmd.model.strip(), cmd.override_reason.strip()
        )
    except LapgateError:
        if racer.racer_id not in known:  # a new name refused (not an entrant): no stray racer
            racers.delete(race, racer.racer_id)
        raise
    answer: Payload = {"entry_id": entry_id, "racer_id": racer.racer_id}
    if waiting:
        answer["warning"] = (
            f"{racer.alias} was already in the queue (position {waiting[0].position + 1}); "
            "remove one entry if they race once"
        )
        answer["warning_code"] = {
            "code": "queued_twice",
            "name": racer.alias,
            "position": waiting[0].position + 1,
        }
    return answer


def queue_raced_by(race: Race, cmd: QueueRacedBy) -> Payload:
    drives = teams.set_driver(race, cmd.track_id, cmd.entry_id, cmd.raced_by)
    return {"entry_id": cmd.entry_id, "raced_by": drives.racer_id}


def queue_move(race: Race, cmd: QueueMove) -> Payload:
    race.queue_move(cmd.track_id, cmd.entry_id, cmd.position)
    return {}


def queue_remove(race: Race, cmd: QueueRemove) -> Payload:
    race.queue_remove(cmd.track_id, cmd.entry_id)
    return {}


def stage(race: Race, cmd: Stage) -> Payload:
    return {"run_id": race.stage(cmd.track_id, cmd.entry_id)}


def unstage(race: Race, cmd: OnTrack) -> Payload:
    return {"entry_id": race.unstage(cmd.track_id)}


def start(race: Race, cmd: OnRun) -> Payload:
    run = _run(race, cmd)
    return _record(race, run, StartRun(_now(race, run)))


def end(race: Race, cmd: OnRun) -> Payload:
    run = _run(race, cmd)
    return _record(race, run, EndRun(_now(race, run)))


def manual_lap(race: Race, cmd: OnRun) -> Payload:
    """A crossing at the gate clock's now; `ignored` says why it does not count (lockout)."""
    run = _run(race, cmd)
    answer = _record(race, run, ManualCrossing(_now(race, run)))
    outcome = next(c for c in run.state.crossings if c.event_id == answer["event_id"])
    if not outcome.accepted:
        answer["ignored"] = outcome.reason
        answer["ignored_code"] = outcome.why.parts() if outcome.why else {}
    return answer


def reset(race: Race, cmd: Reset) -> Payload:
    """A reset +1/−1 on lap `lap`, or on the lap in progress when `lap` is absent."""
    if cmd.delta not in (1, -1):
        raise ActionError("delta: got {delta}, expected 1 or -1", delta=cmd.delta)
    run = _run(race, cmd)
    at_ns = _lap_end_ns(run, cmd.lap) if cmd.lap is not None else _now(race, run)
    return _record(race, run, AdjustResets(at_ns, cmd.delta))


def invalidate(race: Race, cmd: Invalidate) -> Payload:
    run = _run(race, cmd)
    return _record(race, run, InvalidateLap(_lap_end_ns(run, cmd.lap), cmd.reason.strip()))


def restore(race: Race, cmd: OnLap) -> Payload:
    run = _run(race, cmd)
    return _record(race, run, RestoreLap(_lap_end_ns(run, cmd.lap)))


def undo(race: Race, cmd: UndoEvent) -> Payload:
    run = _run(race, cmd)
    return _record(race, run, Undo(cmd.event_id))


def speak(race: Race, cmd: Speak) -> Payload:
    race.set_speak(cmd.on)
    return {"speak_laps": cmd.on}


def sounds(race: Race, cmd: Sounds) -> Payload:
    changes = {name: on for name, on in cmd.model_dump().items() if on is not None}
    if not changes:
        raise ActionError(
            "sounds: got no sound, expected one or more of {names} set to true or false",
            names=list(Sounds.model_fields),
        )
    race.set_sounds(changes)
    return {"sounds": dict(race.sounds)}


# ---- the table ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    model: type[Command]
    handler: Callable[[Race, Any], Payload]
    summary: str


def _spec(
    name: str, model: type[Command], handler: Callable[..., Payload], summary: str
) -> CommandSpec:
    return CommandSpec(name, model, handler, summary)


COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        _spec("queue_add", QueueAdd, queue_add, "Add a racer (new or known alias) to a queue"),
        _spec("queue_raced_by", QueueRacedBy, queue_raced_by, "Say who drives a queued team entry"),
        _spec("team_create", TeamCreate, team_create, "Enter a team: name, members, car"),
        _spec("team_add_member", TeamMember, team_add_member, "Add a racer to a team"),
        _spec("team_remove_member", TeamMember, team_remove_member, "Take a racer off a team"),
        _spec("queue_move", QueueMove, queue_move, "Move a queue entry to another position"),
        _spec("queue_remove", QueueRemove, queue_remove, "Take an entry off the queue"),
        _spec("stage", Stage, stage, "Put the next racer (or an entry) on track"),
        _spec(
            "unstage",
            OnTrack,
            unstage,
            "Take back a staged run with nothing logged: no trace, the racer heads the queue",
        ),
        _spec("racer_rename", RacerRename, racer_rename, "Give a racer a new alias (live)"),
        _spec(
            "racer_merge",
            RacerMerge,
            racer_merge,
            "Merge one racer into another: runs and queue entries move (live; split undoes)",
        ),
        _spec("racer_split", RacerSplit, racer_split, "Undo a racer merge (live)"),
        _spec("racer_delete", OnRacer, racer_delete, "Delete a racer with no runs (live)"),
        _spec(
            "join_mode",
            JoinModeSet,
            join_mode,
            "How phones join a track's queue: closed, open or approve",
        ),
        _spec("join_approve", JoinApprove, join_approve, "Take a phone's join into the queue"),
        _spec("join_reject", JoinReject, join_reject, "Refuse a phone's join (with a reason)"),
        _spec(
            "model_submit",
            ModelSubmit,
            model_submit,
            "Store a racer's model card from the DeepRacer tools' files",
        ),
        _spec("start", OnRun, start, "Start the run's clock (staff start mode)"),
        _spec("end", OnRun, end, "End the run now"),
        _spec("dnf", WithReason, _at_now(MarkDnf), "Mark the run did-not-finish"),
        _spec("abort", WithReason, _at_now(AbortRun), "Abort the run (a track fault)"),
        _spec("manual_lap", OnRun, manual_lap, "Record a crossing the gate missed"),
        _spec("reset", Reset, reset, "Add or remove a reset on a lap"),
        _spec("invalidate", Invalidate, invalidate, "Mark a lap invalid"),
        _spec("restore", OnLap, restore, "Mark a lap valid again"),
        _spec("undo", UndoEvent, undo, "Undo an event of a run"),
        _spec("speak", Speak, speak, "Switch spoken lap times on or off"),
        _spec("sounds", Sounds, sounds, "Switch race sounds of the big screen on or off"),
        _spec("round_open", RoundOpen, round_open, "Open a round of the program"),
        _spec("round_close", OnRound, round_close, "Close a round: fix who advances"),
        _spec("round_reopen", OnRound, round_reopen, "Reopen a closed round"),
        _spec(
            "round_advancers",
            RoundAdvancers,
            round_advancers,
            "Type in an external round's advancers",
        ),
        _spec(
            "round_advancers_csv",
            RoundAdvancersCsv,
            round_advancers_csv,
            "Import an external round's advancers from CSV",
        ),
        _spec(
            "bracket_open", BracketOpen, bracket_open, "Open an ad-hoc bracket from a leaderboard"
        ),
        _spec("bracket_stage", BracketStage, bracket_stage, "Queue a bracket match's racers"),
        _spec("bracket_unstage", OnBracket, bracket_unstage, "Cancel the staged match"),
        _spec(
            "bracket_decide", BracketDecide, bracket_decide, "Decide the staged match from its runs"
        ),
        _spec("bracket_correct", BracketCorrect, bracket_correct, "Set a match's winner by hand"),
        _spec("bracket_undo", BracketUndo, bracket_undo, "Undo a bracket result or correction"),
    )
}


def parse(name: object, payload: object) -> tuple[CommandSpec, Command]:
    """The command `name` with `payload` checked (ActionError/NotFound name what is wrong)."""
    if not isinstance(name, str) or name not in COMMANDS:
        raise NotFound(
            "command: got {name!r:.60}, expected one of {commands}",
            name=name,
            commands=sorted(COMMANDS),
        )
    spec = COMMANDS[name]
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ActionError(
            "payload: got {type_name}, expected a JSON object", type_name=type(payload).__name__
        )
    check_text(name, payload)
    try:
        return spec, spec.model.model_validate(payload)
    except ValidationError as exc:
        raise ActionError("{name}: {problem}", name=name, problem=describe(exc)) from None


MAX_PAYLOAD_DEPTH = 8  # the deepest command (a bracket's seeds) needs 2


def check_text(name: str, payload: dict[str, Any]) -> None:
    """Refuse what no command takes and would break later: nesting deeper than
    `MAX_PAYLOAD_DEPTH`, and text with a lone UTF-16 surrogate (no file can hold it)."""
    pending: list[tuple[str, Any, int]] = [("", payload, 1)]
    while pending:
        where, value, depth = pending.pop()
        if isinstance(value, dict):
            if depth > MAX_PAYLOAD_DEPTH:
                raise ActionError(
                    "{name}: {where}: nested {depth} levels deep, expected at most {max_depth}",
                    name=name,
                    where=where or "payload",
                    depth=depth,
                    max_depth=MAX_PAYLOAD_DEPTH,
                )
            items = [(str(k), v) for k, v in value.items()]
            pending.extend((f"{where}.{k}" if where else k, k, depth) for k, _ in items)
            pending.extend((f"{where}.{k}" if where else k, v, depth + 1) for k, v in items)
        elif isinstance(value, list):
            if depth > MAX_PAYLOAD_DEPTH:
                raise ActionError(
                    "{name}: {where}: nested {depth} levels deep, expected at most {max_depth}",
                    name=name,
                    where=where,
                    depth=depth,
                    max_depth=MAX_PAYLOAD_DEPTH,
                )
            pending.extend((f"{where}[{i}]", v, depth + 1) for i, v in enumerate(value))
        elif isinstance(value, str):
            lone = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
            if lone is not None:
                raise ActionError(
                    "{name}: {where}: got a lone UTF-16 surrogate U+{code:04X} in {value!r}, "
                    "expected text of whole characters",
                    name=name,
                    where=where,
                    code=ord(lone),
                    value=value[:40],
                )


EXPECTED = {
    "int_type": Phrase("a whole number"),
    "int_parsing": Phrase("a whole number"),
    "int_from_float": Phrase("a whole number"),
    "bool_type": Phrase("true or false"),
    "string_type": Phrase("text"),
    "list_type": Phrase("a list"),
    "dict_type": Phrase("an object"),
    "model_type": Phrase("an object"),
}


def describe(exc: ValidationError) -> Phrase:
    """The first problem of a validation error as `field: got X, expected Y` (a `Phrase`:
    `str()` is the English, and an error that carries it is translated with it)."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "payload"
    got = repr(error.get("input"))[:60]
    kind = error["type"]
    if kind == "missing":
        return Phrase("{where}: got nothing, expected a value", where=where)
    if kind == "extra_forbidden":
        return Phrase(
            "{where}: got {got}, expected no such field (not part of this command)",
            where=where,
            got=got,
        )
    message = str(error["msg"])
    expected = EXPECTED.get(kind) or message.removeprefix("Input should be ").removeprefix(
        "Value should be "
    )
    return Phrase(
        "{where}: got {got}, expected {expected}", where=where, got=got, expected=expected
    )


def execute(race: Race, spec: CommandSpec, command: Command) -> Payload:
    """Run a checked command on the host thread (the caller is `EngineHost.call`)."""
    return spec.handler(race, command)
