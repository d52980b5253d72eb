"""The staff commands of the program: rounds (open, close, reopen, advancers) and brackets
(models and handlers; the table is `board.live.commands.COMMANDS`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt

from lapgate.board.live import brackets, program
from lapgate.board.live.command_types import (
    Alias,
    Command,
    Count,
    Id,
    OnTrack,
    OptionalId,
    Payload,
    Reason,
)
from lapgate.board.live.race import ActionError, Race
from lapgate.timer.bracket_layout import BracketKind
from lapgate.timer.bracket_match import MatchRules, TiePolicy
from lapgate.timer.formats import Format, FormatKind
from lapgate.timer.rounds import BracketRules


class OnRound(Command):
    round_id: Id = Field(description="a round id, name or number")


class EntrantChange(Command):
    alias: Alias | None = None
    racer_id: OptionalId = None
    reason: Reason


class RoundOpen(OnRound):
    add: list[EntrantChange] = Field(default_factory=list, description="entrants to add")
    remove: list[EntrantChange] = Field(default_factory=list, description="entrants to remove")


class RoundAdvancers(OnRound):
    names: Annotated[list[Alias], Field(min_length=1, max_length=1000)]


class RoundAdvancersCsv(OnRound):
    csv: Annotated[str, Field(min_length=1, max_length=200_000)]


class BracketOpen(OnTrack):
    name: Annotated[str, Field(min_length=1, max_length=80)] = "Bracket"
    source_round_id: OptionalId = None
    seeds: list[Id] | None = None
    size: Annotated[StrictInt, Field(ge=2, le=64)] | None = None
    kind: BracketKind = BracketKind.DOUBLE
    stop_at: Annotated[StrictInt, Field(ge=1, le=64)] = 1
    format: FormatKind = FormatKind.FASTEST_LAP
    average_laps: Annotated[StrictInt, Field(ge=2, le=10)] = 3
    race_laps: Annotated[StrictInt, Field(ge=1, le=10)] = Field(
        3, description="N of a lap_count match: the run ends with lap N; lower total wins"
    )
    attempts: Annotated[StrictInt, Field(ge=1, le=10)] = 2
    tie: TiePolicy = TiePolicy.HIGHER_SEED
    grand_final_reset: StrictBool | None = Field(None, description="default: on for a double to 1")


class OnBracket(Command):
    bracket_id: Id


class BracketStage(OnBracket):
    match_id: OptionalId = None
    replace: StrictBool = False


class BracketDecide(OnBracket):
    no_show: list[Id] = Field(default_factory=list)


class BracketCorrect(OnBracket):
    match_id: Id
    winner_id: Id
    note: Annotated[str, Field(max_length=200)] = "staff correction"


class BracketUndo(OnBracket):
    event_id: Count | None = None


# ---- handlers -------------------------------------------------------------------------------


def _entrant_pairs(race: Race, changes: list[EntrantChange], by: str) -> list[tuple[str, str]]:
    pairs = []
    for change in changes:
        value = change.alias if by == "alias" else change.racer_id
        if value is None:
            raise ActionError("{by}: got nothing in an entrant change, expected a {by}", by=by)
        pairs.append((value, change.reason))
    return pairs


def round_open(race: Race, cmd: RoundOpen) -> Payload:
    info = race.find_round(cmd.round_id)
    add = _entrant_pairs(race, cmd.add, "alias")
    remove = _entrant_pairs(race, cmd.remove, "racer_id")
    return program.open_round(race, info.round_id, add, remove)


def round_close(race: Race, cmd: OnRound) -> Payload:
    return program.close_round(race, race.find_round(cmd.round_id).round_id)


def round_reopen(race: Race, cmd: OnRound) -> Payload:
    return program.reopen_round(race, race.find_round(cmd.round_id).round_id)


def round_advancers(race: Race, cmd: RoundAdvancers) -> Payload:
    return program.set_advancers(race, race.find_round(cmd.round_id).round_id, cmd.names)


def round_advancers_csv(race: Race, cmd: RoundAdvancersCsv) -> Payload:
    names = program.advancers_from_csv(cmd.csv)
    return program.set_advancers(race, race.find_round(cmd.round_id).round_id, names)


def bracket_open(race: Race, cmd: BracketOpen) -> Payload:
    fmt = Format.of(cmd.format, cmd.average_laps, cmd.race_laps)
    reset_default = cmd.kind is BracketKind.DOUBLE and cmd.stop_at == 1
    rules = BracketRules(
        cmd.kind,
        cmd.stop_at,
        reset_default if cmd.grand_final_reset is None else cmd.grand_final_reset,
        MatchRules(fmt, cmd.attempts, cmd.tie),
    )
    return brackets.open_adhoc(
        race, cmd.track_id, cmd.name.strip(), rules, cmd.seeds, cmd.size, cmd.source_round_id
    )


def bracket_stage(race: Race, cmd: BracketStage) -> Payload:
    return brackets.stage(race, cmd.bracket_id, cmd.match_id, cmd.replace)


def bracket_unstage(race: Race, cmd: OnBracket) -> Payload:
    return brackets.unstage(race, cmd.bracket_id)


def bracket_decide(race: Race, cmd: BracketDecide) -> Payload:
    return brackets.decide(race, cmd.bracket_id, cmd.no_show)


def bracket_correct(race: Race, cmd: BracketCorrect) -> Payload:
    note = cmd.note.strip() or "staff correction"
    return brackets.correct(race, cmd.bracket_id, cmd.match_id, cmd.winner_id, note)


def bracket_undo(race: Race, cmd: BracketUndo) -> Payload:
    return brackets.undo(race, cmd.bracket_id, cmd.event_id)
