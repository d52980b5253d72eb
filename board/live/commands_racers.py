"""The staff commands about people: racers, teams, phones' joins and model cards (models
and handlers; the table is `board.live.commands.COMMANDS`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StrictBool, StrictStr

from lapgate.board.live import cards, joins, racers, teams
from lapgate.board.live.command_types import (
    Alias,
    Command,
    Count,
    Id,
    OnTrack,
    OptionalId,
    Payload,
    Text,
    blank_is_none,
)
from lapgate.board.live.race import ActionError, Race
from lapgate.board.model_cards import FILE_MAX_BYTES, FILES_MAX, ModelCardError
from lapgate.config.limits import CAR_MAX, MODEL_NAME_MAX


class TeamCreate(Command):
    name: Alias
    members: Annotated[list[Alias], Field(max_length=20)] = Field(default_factory=list)
    car: Annotated[StrictStr, Field(max_length=CAR_MAX)] = ""


class TeamMember(Command):
    team: Alias = Field(description="the team's name or id")
    alias: Alias = Field(description="the racer (new or known alias)")


class RacerRename(Command):
    racer_id: Id
    alias: Alias


class RacerMerge(Command):
    kept_id: Id = Field(description="the racer who stays")
    merged_id: Id = Field(description="the racer whose runs and queue entries move")


class RacerSplit(Command):
    merge_id: Count = Field(description="a merge not yet undone (see GET /api/racers/<id>)")


class OnRacer(Command):
    racer_id: Id


class ModelSubmit(Command):
    racer_id: OptionalId = Field(None, description="the racer (or give alias)")
    alias: Annotated[Alias | None, BeforeValidator(blank_is_none)] = Field(
        None, description="the racer's alias (a new racer if unknown)"
    )
    same_racer: StrictBool = Field(
        False, description="the alias names a known racer: the card is theirs"
    )
    new_racer: StrictBool = Field(
        False, description="the alias names a known racer, but this is another person"
    )
    name: Annotated[StrictStr, Field(min_length=1, max_length=MODEL_NAME_MAX)] = Field(
        description="the model's name, as staff type it when queueing"
    )
    files: Annotated[
        dict[
            Annotated[StrictStr, Field(min_length=1, max_length=100)],
            Annotated[StrictStr, Field(max_length=FILE_MAX_BYTES)],
        ],
        Field(min_length=1, max_length=FILES_MAX),
    ] = Field(
        description="file name → its text: model_metadata.json (required), "
        "hyperparameters.json, training_params.yaml, evaluation metrics JSON"
    )


class JoinModeSet(OnTrack):
    mode: joins.JoinMode = Field(
        description="closed (no joins), open (straight into the queue), approve (staff accept)"
    )


class OnJoin(Command):
    join_id: Id


class JoinApprove(OnJoin):
    racer_id: OptionalId = Field(None, description="the join's name is this known racer's")
    same_racer: StrictBool = Field(False, description="the name's one known racer: theirs")
    new_racer: StrictBool = Field(
        False, description="the name is a known racer's, but this is another person"
    )


class JoinReject(OnJoin):
    reason: Text = ""


# ---- handlers -------------------------------------------------------------------------------


def team_create(race: Race, cmd: TeamCreate) -> Payload:
    return teams.view(race, teams.create(race, cmd.name, cmd.members, cmd.car.strip()))


def team_add_member(race: Race, cmd: TeamMember) -> Payload:
    return teams.view(race, teams.add_member(race, cmd.team.strip(), cmd.alias))


def team_remove_member(race: Race, cmd: TeamMember) -> Payload:
    return teams.view(race, teams.remove_member(race, cmd.team.strip(), cmd.alias))


def racer_rename(race: Race, cmd: RacerRename) -> Payload:
    renamed = racers.rename(race, cmd.racer_id, cmd.alias)
    return {"racer_id": renamed.racer_id, "alias": renamed.alias}


def racer_merge(race: Race, cmd: RacerMerge) -> Payload:
    return racers.merge(race, cmd.kept_id, cmd.merged_id)


def racer_split(race: Race, cmd: RacerSplit) -> Payload:
    return racers.split(race, cmd.merge_id)


def racer_delete(race: Race, cmd: OnRacer) -> Payload:
    return racers.delete(race, cmd.racer_id)


def model_submit(race: Race, cmd: ModelSubmit) -> Payload:
    try:
        files = {name: text.encode("utf-8") for name, text in cmd.files.items()}
        record = cards.submit_by_name(
            race,
            cmd.racer_id,
            cmd.alias,
            cmd.name,
            files,
            same_racer=cmd.same_racer,
            new_racer=cmd.new_racer,
        )
    except (ModelCardError, UnicodeEncodeError) as exc:
        raise ActionError("model_submit: {exc}", exc=exc) from None
    return {
        "card_id": record.card_id,
        "racer_id": record.racer_id,
        "name": record.name,
        "summary": record.document["summary"],
    }


def join_mode(race: Race, cmd: JoinModeSet) -> Payload:
    return {"mode": str(joins.set_mode(race, cmd.track_id, cmd.mode))}


def join_approve(race: Race, cmd: JoinApprove) -> Payload:
    join = joins.approve(
        race, cmd.join_id, cmd.racer_id, same_racer=cmd.same_racer, new_racer=cmd.new_racer
    )
    return {"entry_id": join.entry_id, "racer_id": join.racer_id}


def join_reject(race: Race, cmd: JoinReject) -> Payload:
    joins.reject(race, cmd.join_id, cmd.reason.strip())
    return {}
