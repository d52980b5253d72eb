"""Prize estimation from public results, with the rules as data (a TOML file).

Who won what is only *estimated*: eligibility checks and unclaimed prizes are not public.
A rules file names the prizes (and how many times one racer may win each per season) and
the rules that award them. A rule reads: "the top K racers of these races, in this order,
who do not already hold prize P (or another named prize), win P". `for_each` repeats a
rule for every value of a named list (e.g. months), with `{month}` filled into race names.

Order: for each value of the lists in turn (the first month, then the second, …) every
`for_each` rule runs in file order; rules without `for_each` run afterwards, in file order.
See config/examples/prizes-2021.toml for the 2021 Pro division.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lapgate.board.league.model import Race, RaceResult
from lapgate.timer.errors import ConfigError

ESTIMATE_NOTE = "estimate from public results: eligibility and unclaimed prizes are unknown"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PrizeSpec(_Model):
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    max_per_racer: Annotated[int, Field(ge=1)] = 1  # per season


class RaceSelector(_Model):
    """Which race a rule reads: `name` may hold `{list}` placeholders; others narrow it."""

    name: Annotated[str, Field(min_length=1)]
    race_type: str = ""
    division: str = ""
    kind: str = ""


class RuleSpec(_Model):
    prize: str
    top: Annotated[int, Field(ge=1)]
    sources: Annotated[list[RaceSelector], Field(min_length=1, alias="from")]
    label: str = ""
    for_each: str = ""
    exclude_holders_of: list[str] = []  # besides the prize itself once its limit is reached


class PrizeRules(_Model):
    title: str = ""
    note: str = ESTIMATE_NOTE
    prize: Annotated[list[PrizeSpec], Field(min_length=1)]
    lists: dict[str, list[str]] = {}
    rule: Annotated[list[RuleSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _names_resolve(self) -> PrizeRules:
        prizes = {p.id for p in self.prize}
        for index, rule in enumerate(self.rule):
            for prize in (rule.prize, *rule.exclude_holders_of):
                if prize not in prizes:
                    raise ValueError(f"rule[{index}] names prize {prize!r}; expected {prizes}")
            if rule.for_each and rule.for_each not in self.lists:
                raise ValueError(
                    f"rule[{index}] for_each {rule.for_each!r}; expected one of {list(self.lists)}"
                )
        return self


def load_rules(path: str | Path) -> PrizeRules:
    """Rules from a TOML file; `ConfigError` names the file and the bad key."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("{file}: no such file; expected prize rules (TOML)", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("{file}: not valid TOML ({exc})", file=file, exc=exc) from None
    return rules_from_dict(data, str(file))


def rules_from_dict(data: dict[str, Any], source: str = "<rules>") -> PrizeRules:
    try:
        return PrizeRules.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{source}:{'.'.join(str(p) for p in err['loc']) or '(top)'}: "
            f"got {err.get('input')!r}, expected {err['msg']}"
            for err in exc.errors()
        ]
        problems = "\n".join(lines)  # pydantic's words, one line per problem
        raise ConfigError(problems) from None


@dataclass(frozen=True, slots=True)
class PrizeAward:
    """One estimated prize: who, what, by which rule, from which race and rank."""

    prize: str
    prize_name: str
    racer_id: str
    alias: str
    user_id: str | None
    rule: str
    race: str
    race_rank: int


@dataclass(frozen=True, slots=True)
class PrizeEstimate:
    title: str
    note: str
    awards: tuple[PrizeAward, ...]
    warnings: tuple[str, ...]  # rules whose races were not found, prizes left over

    def by_prize(self, prize: str) -> list[PrizeAward]:
        return [a for a in self.awards if a.prize == prize]


def _matches(race: Race, selector: RaceSelector, values: dict[str, str]) -> bool:
    meta = race.meta
    if meta.name.strip().casefold() != selector.name.format(**values).strip().casefold():
        return False
    checks = ((selector.race_type, meta.race_type), (selector.division, meta.division))
    if any(want and want.casefold() != have.casefold() for want, have in checks):
        return False
    return not selector.kind or selector.kind == meta.kind


def _steps(rules: PrizeRules) -> list[tuple[RuleSpec, dict[str, str]]]:
    steps: list[tuple[RuleSpec, dict[str, str]]] = []
    longest = max((len(v) for v in rules.lists.values()), default=0)
    for index in range(longest):
        for rule in rules.rule:
            values = rules.lists.get(rule.for_each, [])
            if rule.for_each and index < len(values):
                steps.append((rule, {rule.for_each: values[index]}))
    steps.extend((rule, {}) for rule in rules.rule if not rule.for_each)
    return steps


@dataclass(slots=True)
class _Ledger:
    """Who holds which prize how often, and the awards so far."""

    limits: dict[str, int]
    names: dict[str, str]
    held: dict[tuple[str, str], int]
    awards: list[PrizeAward]

    def eligible(self, rule: RuleSpec, racer_id: str) -> bool:
        if self.held.get((rule.prize, racer_id), 0) >= self.limits[rule.prize]:
            return False
        return not any(self.held.get((other, racer_id), 0) for other in rule.exclude_holders_of)

    def award(self, rule: RuleSpec, label: str, race: Race, result: RaceResult) -> None:
        key = (rule.prize, result.racer_id)
        self.held[key] = self.held.get(key, 0) + 1
        self.awards.append(
            PrizeAward(
                rule.prize,
                self.names[rule.prize],
                result.racer_id,
                result.alias,
                result.user_id,
                label,
                race.meta.name,
                result.rank or 0,
            )
        )


def _apply(
    rule: RuleSpec, values: dict[str, str], races: Sequence[Race], ledger: _Ledger
) -> list[str]:
    """Award one rule step; return its warnings."""
    label = (rule.label or f"{rule.prize} top {rule.top}").format(**values)
    warnings: list[str] = []
    winners = 0
    seen: set[str] = set()
    for selector in rule.sources:
        found = [race for race in races if _matches(race, selector, values)]
        if not found:
            warnings.append(f"{label}: no race {selector.name.format(**values)!r} found")
            continue
        if len(found) > 1:
            warnings.append(f"{label}: {len(found)} races match; using the first")
        for result in found[0].results:
            if winners >= rule.top:
                break
            if result.rank is None or result.racer_id in seen:
                continue
            seen.add(result.racer_id)  # each racer's first appearance decides
            if ledger.eligible(rule, result.racer_id):
                ledger.award(rule, label, found[0], result)
                winners += 1
    if winners < rule.top:
        warnings.append(f"{label}: only {winners} of {rule.top} prizes could be placed")
    return warnings


def estimate_prizes(rules: PrizeRules, races: Sequence[Race]) -> PrizeEstimate:
    """Apply `rules` to the season's `races` (see the module docstring)."""
    ledger = _Ledger(
        limits={p.id: p.max_per_racer for p in rules.prize},
        names={p.id: p.name or p.id for p in rules.prize},
        held={},
        awards=[],
    )
    ordered = sorted(races, key=lambda r: (r.meta.launch_time_ms or 0, r.meta.name))
    warnings: list[str] = []
    for rule, values in _steps(rules):
        warnings.extend(_apply(rule, values, ordered, ledger))
    return PrizeEstimate(rules.title, rules.note, tuple(ledger.awards), tuple(warnings))
