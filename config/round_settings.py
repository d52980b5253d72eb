"""`[[rounds]]`: an event's rounds in order (qualifiers, brackets, the final shootout).

Each table is one round. Values left out come from `[round]` (format, time per run, runs
per racer, reset and expiry rules). See docs/formats.md for what each kind and rule means.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lapgate.timer.bracket_layout import BracketKind
from lapgate.timer.bracket_match import MatchRules, TiePolicy
from lapgate.timer.errors import ConfigError
from lapgate.timer.formats import Format, FormatKind
from lapgate.timer.rounds import AdvanceKind, Advancement, BracketRules, RoundKind, RoundSpec
from lapgate.timer.units import ns_from_s

if TYPE_CHECKING:
    from lapgate.config.settings import RoundDefaults

Name = Annotated[str, Field(min_length=1, max_length=80)]


class RoundSettings(BaseModel):
    """One round of the event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    kind: RoundKind = RoundKind.TIMED
    entry_from: list[Name] = []  # earlier rounds whose advancers enter; empty: open entry
    tracks: list[Name] = []  # track ids the round is raced on; empty: all of the event's
    format: FormatKind | None = None  # None: [round].format (shootouts: single_lap)
    average_laps: Annotated[int, Field(ge=2, le=10)] | None = None
    race_laps: Annotated[int, Field(ge=1, le=10)] | None = None  # N of format = "lap_count"
    time_limit_s: Annotated[float, Field(ge=10, le=600)] | None = None
    runs_per_racer: Annotated[int, Field(ge=0, le=100)] | None = None  # 0: unlimited
    advance: AdvanceKind = AdvanceKind.ALL
    advance_count: Annotated[int, Field(ge=0, le=1000)] = 0
    fixed: list[Name] = []  # racer ids, for advance = "fixed"
    bracket: BracketKind = BracketKind.DOUBLE
    stop_at: Annotated[int, Field(ge=1, le=64)] = 1
    attempts: Annotated[int, Field(ge=1, le=10)] = 2
    tie: TiePolicy = TiePolicy.HIGHER_SEED
    # None: true for a double elimination raced to one champion (stop_at = 1), else false
    grand_final_reset: bool | None = None

    @model_validator(mode="after")
    def _rule_fits(self) -> RoundSettings:
        counted = (AdvanceKind.TOP, AdvanceKind.TOP_PER_REGION, AdvanceKind.WILDCARD)
        if self.advance in counted and self.advance_count < 1:
            raise ConfigError(
                "round {round_name!r}: advance {advance} needs advance_count ≥ 1",
                round_name=self.name,
                advance=self.advance,
            )
        if self.advance is AdvanceKind.FIXED and not self.fixed:
            raise ConfigError(
                "round {round_name!r}: advance fixed needs a fixed list of racer ids",
                round_name=self.name,
            )
        return self

    def ranking_format(self, defaults: RoundDefaults) -> Format:
        kind = self.format
        if kind is None:
            kind = FormatKind.SINGLE_LAP if self.kind is RoundKind.SHOOTOUT else defaults.format
        return Format.of(
            kind,
            self.average_laps or defaults.average_laps,
            self.race_laps or defaults.race_laps,
        )

    def reset_grand_final(self) -> bool:
        """Whether a lost grand final is raced again: the explicit setting, else true
        exactly when the bracket is double elimination raced to a single champion."""
        if self.grand_final_reset is not None:
            return self.grand_final_reset
        return self.bracket is BracketKind.DOUBLE and self.stop_at == 1

    def spec(self, defaults: RoundDefaults) -> RoundSpec:
        """The engine's description of this round, with `defaults` filling the gaps."""
        fmt = self.ranking_format(defaults)
        run_config = defaults.run_config()
        if self.time_limit_s is not None:
            run_config = replace(run_config, time_limit_ns=ns_from_s(self.time_limit_s))
        run_config = replace(run_config, finish_laps=fmt.finish_laps)
        runs = defaults.runs_per_racer if self.runs_per_racer is None else self.runs_per_racer
        bracket = None
        if self.kind is RoundKind.BRACKET:
            match = MatchRules(fmt, self.attempts, self.tie)
            bracket = BracketRules(self.bracket, self.stop_at, self.reset_grand_final(), match)
        advancement = Advancement(self.advance, self.advance_count, tuple(self.fixed))
        return RoundSpec(
            self.name,
            self.kind,
            fmt,
            tuple(self.entry_from),
            run_config,
            runs,
            advancement,
            bracket,
        )
