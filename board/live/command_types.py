"""The base of every staff command (`board.live.commands`): the field types and the models
that name a track or a run, shared by the command modules."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr

Payload = dict[str, Any]


def blank_is_none(value: Any) -> Any:
    return None if value == "" else value


Id = Annotated[StrictStr, Field(min_length=1, max_length=64)]
OptionalId = Annotated[Id | None, BeforeValidator(blank_is_none)]
Text = Annotated[StrictStr, Field(max_length=200)]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Alias = Annotated[StrictStr, Field(max_length=200)]  # `clean_alias` says what is wrong
Count = Annotated[StrictInt, Field(ge=1)]


class Command(BaseModel):
    """Base of every command: JSON types as given (no "1" for 1), unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OnTrack(Command):
    track_id: OptionalId = Field(None, description="the track (default: the first)")


class OnRun(OnTrack):
    run_id: OptionalId = Field(None, description="the run (default: the track's current run)")
