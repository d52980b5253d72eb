"""Plain records of a season's races, as the store returns them and standings use them.

Times are milliseconds (the unit of the published league results), as floats because
some files write them as ``25604.0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


class RaceResult(NamedTuple):
    """One racer's final result in one race. `rank` is None when they set no ranking time.

    A NamedTuple rather than a frozen dataclass: a season's standings build tens of
    thousands of these, and a tuple is built several times faster (bench/standings.py).
    """

    racer_id: str
    alias: str  # the alias they raced under in this race
    user_id: str | None
    rank: int | None
    ranking_time_ms: float | None
    best_lap_ms: float | None = None
    avg_lap_ms: float | None = None
    total_lap_ms: float | None = None
    lap_count: int | None = None
    reset_count: int | None = None
    submission_count: int | None = None
    extra: Mapping[str, Any] = NO_EXTRA


@dataclass(frozen=True, slots=True)
class RaceMeta:
    """What identifies and describes a race. `source_id` makes re-imports idempotent."""

    season: str
    name: str
    source_id: str
    kind: str = "virtual"  # virtual | summit | company
    date: str = ""
    race_type: str = ""  # TIME_TRIAL | HEAD_TO_HEAD_RACING | OBJECT_AVOIDANCE | …
    division: str = ""
    launch_time_ms: int | None = None
    region: str = ""


@dataclass(frozen=True, slots=True)
class Race:
    """A race of the season with its results in rank order (unranked last)."""

    event_id: str
    meta: RaceMeta
    results: tuple[RaceResult, ...]


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A parsed, valid line of a results file (`line` is the 1-based file line)."""

    line: int
    alias: str
    user_id: str | None
    rank: int | None
    ranking_time_ms: float | None
    best_lap_ms: float | None
    avg_lap_ms: float | None
    total_lap_ms: float | None
    lap_count: int | None
    reset_count: int | None
    submission_count: int | None
    country: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A row that was not imported: where (`file:line`) and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportSummary:
    event_id: str
    imported: int
    replaced: int  # results of an earlier import of the same race that were replaced
    new_racers: int
    problems: tuple[ImportProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class AliasSeen:
    alias: str
    seen_ms: int


@dataclass(frozen=True, slots=True)
class RacerRecord:
    """A racer with what the league knows: identity, region and every alias seen."""

    racer_id: str
    alias: str
    user_id: str | None
    country: str
    region: str
    merged_into: str | None
    aliases: tuple[AliasSeen, ...] = ()
