"""An event's rounds in order, who may enter each, and who advances from each.

A round is one of:

- ``external``: raced elsewhere (e.g. a virtual qualifier); only its advancers matter,
  usually a fixed list typed in by staff;
- ``timed``: racers take runs (time per run, runs allowed per racer) and rank on a
  leaderboard in the round's format;
- ``bracket``: head-to-head, seeded from the entry order (the feeding round's ranking);
- ``shootout``: one lap each, in the order the bracket set; places 1..K.

Entry: a round lists the earlier rounds whose advancers enter it (in that order; the order
is the seeding). A round that lists none is open: anyone may queue.

Advancement rules, applied to a leaderboard (`timer.leaderboard`): ``top`` N overall;
``top_per_region`` N per region; ``wildcard`` N best not already qualified (not among the
advancers of the other rounds that feed the same later round); ``fixed`` a list; ``all``
ranked racers; ``none``. Only racers with a result (a rank) can advance. Advancers are
listed in leaderboard order, which seeds the next round. When racers are still equal at
the cut on every tie-break, the listing order (racer id) decides and `tied_at_cut` names
who was left out, so staff can see it and decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lapgate.timer.bracket_layout import BracketKind, build_layout
from lapgate.timer.bracket_match import MatchRules
from lapgate.timer.brackets import BracketLog, BracketState, new_bracket
from lapgate.timer.errors import RuleViolation
from lapgate.timer.formats import Format, FormatKind
from lapgate.timer.leaderboard import Standing
from lapgate.timer.run import RunConfig
from lapgate.timer.shootout import ShootoutPlace, running_order
from lapgate.timer.units import NS_PER_S


class RoundKind(StrEnum):
    EXTERNAL = "external"
    TIMED = "timed"
    BRACKET = "bracket"
    SHOOTOUT = "shootout"


class AdvanceKind(StrEnum):
    ALL = "all"
    NONE = "none"
    TOP = "top"
    TOP_PER_REGION = "top_per_region"
    WILDCARD = "wildcard"
    FIXED = "fixed"


COUNTED = frozenset({AdvanceKind.TOP, AdvanceKind.TOP_PER_REGION, AdvanceKind.WILDCARD})
NO_REGION = "(no region)"


@dataclass(frozen=True, slots=True)
class Advancement:
    kind: AdvanceKind = AdvanceKind.ALL
    count: int = 0  # N for top / top_per_region / wildcard
    fixed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind in COUNTED and self.count < 1:
            raise RuleViolation(
                "advance {kind}: got count {count}, expected ≥ 1", kind=self.kind, count=self.count
            )
        if self.kind is AdvanceKind.FIXED and not self.fixed:
            raise RuleViolation("advance fixed: got an empty list, expected racer ids")
        if len(set(self.fixed)) != len(self.fixed):
            raise RuleViolation(
                "advance fixed: got repeated ids in {fixed}", fixed=list(self.fixed)
            )

    @property
    def label(self) -> str:
        labels = {
            AdvanceKind.ALL: "everyone with a result advances",
            AdvanceKind.NONE: "nobody advances",
            AdvanceKind.TOP: f"top {self.count} advance",
            AdvanceKind.TOP_PER_REGION: f"top {self.count} per region advance",
            AdvanceKind.WILDCARD: f"top {self.count} not already qualified advance",
            AdvanceKind.FIXED: f"{len(self.fixed)} named racers advance",
        }
        return labels[self.kind]


def advancement_to_dict(rule: Advancement) -> dict[str, Any]:
    """JSON-ready form, e.g. for `RoundInfo.advancement` in the store."""
    return {"kind": str(rule.kind), "count": rule.count, "fixed": list(rule.fixed)}


def advancement_from_dict(data: Mapping[str, Any]) -> Advancement:
    """The rule from `advancement_to_dict`'s form; an empty dict is ``all``."""
    try:
        kind = AdvanceKind(data.get("kind", AdvanceKind.ALL))
        fixed = tuple(str(r) for r in data.get("fixed", ()))
        return Advancement(kind, int(data.get("count", 0)), fixed)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, RuleViolation):
            raise
        raise RuleViolation(
            "advancement: got {data!r}, expected kind/count/fixed", data=dict(data)
        ) from None


@dataclass(frozen=True, slots=True)
class BracketRules:
    kind: BracketKind = BracketKind.DOUBLE
    stop_at: int = 1
    grand_final_reset: bool = False
    match: MatchRules = field(default_factory=MatchRules)


@dataclass(frozen=True, slots=True)
class RoundSpec:
    """One round of an event. `runs_per_racer` 0 means unlimited."""

    name: str
    kind: RoundKind = RoundKind.TIMED
    format: Format = field(default_factory=Format)
    entry_from: tuple[str, ...] = ()  # empty: open entry
    run_config: RunConfig = field(default_factory=RunConfig)
    runs_per_racer: int = 0
    advancement: Advancement = field(default_factory=Advancement)
    bracket: BracketRules | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise RuleViolation("round name: got an empty name, expected a name")
        if self.runs_per_racer < 0:
            raise RuleViolation(
                "runs_per_racer: got {runs_per_racer}, expected ≥ 0",
                runs_per_racer=self.runs_per_racer,
            )
        if (self.kind is RoundKind.BRACKET) != (self.bracket is not None):
            raise RuleViolation(
                "round {round_name!r}: bracket rules are for bracket rounds only, got "
                "kind {kind} with bracket rules {has_bracket}",
                round_name=self.name,
                kind=self.kind,
                has_bracket=self.bracket is not None,
            )
        if self.kind is RoundKind.SHOOTOUT and self.format.kind is not FormatKind.SINGLE_LAP:
            raise RuleViolation(
                "round {round_name!r}: a shootout got format {format_kind}, expected single_lap",
                round_name=self.name,
                format_kind=self.format.kind,
            )
        if self.kind is RoundKind.EXTERNAL and self.entry_from:
            raise RuleViolation(
                "round {round_name!r}: an external round takes no entry_from", round_name=self.name
            )


@dataclass(frozen=True, slots=True)
class EventPlan:
    """The rounds of an event, in the order they are raced."""

    rounds: tuple[RoundSpec, ...]

    def __post_init__(self) -> None:
        seen: list[str] = []
        for spec in self.rounds:
            if spec.name in seen:
                raise RuleViolation(
                    "round names: got {round_name!r} twice, expected unique", round_name=spec.name
                )
            for source in spec.entry_from:
                if source not in seen:
                    raise RuleViolation(
                        "round {round_name!r} entry_from: got {source!r}, expected an earlier "
                        "round ({seen})",
                        round_name=spec.name,
                        source=source,
                        seen=seen,
                    )
            seen.append(spec.name)

    def round(self, name: str) -> RoundSpec:
        for spec in self.rounds:
            if spec.name == name:
                return spec
        names = [spec.name for spec in self.rounds]
        raise RuleViolation("round: got {name!r}, expected one of {names}", name=name, names=names)


@dataclass(frozen=True, slots=True)
class Qualification:
    """Who advances from a round, in seeding order, and why."""

    round_name: str
    advanced: tuple[str, ...]
    reasons: tuple[tuple[str, str], ...]  # (racer, "3rd overall")
    tied_at_cut: tuple[str, ...] = ()


Outcomes = Mapping[str, Qualification]  # round name → its qualification, for rounds done


def entrants(plan: EventPlan, name: str, outcomes: Outcomes) -> tuple[str, ...] | None:
    """The racers who may enter round `name` in seeding order; None: open entry.

    Raises RuleViolation while a feeding round has no outcome yet.
    """
    spec = plan.round(name)
    if not spec.entry_from:
        return None
    ordered: list[str] = []
    for source in spec.entry_from:
        if source not in outcomes:
            raise RuleViolation(
                "round {name!r}: round {source!r} has not finished yet", name=name, source=source
            )
        ordered.extend(r for r in outcomes[source].advanced if r not in ordered)
    return tuple(ordered)


def current_round(plan: EventPlan, outcomes: Outcomes) -> RoundSpec | None:
    """The first round without an outcome (the one being raced), or None when all are done."""
    return next((spec for spec in plan.rounds if spec.name not in outcomes), None)


def already_qualified(plan: EventPlan, name: str, outcomes: Outcomes) -> frozenset[str]:
    """Advancers of the other rounds that feed the rounds round `name` feeds."""
    found: set[str] = set()
    for target in plan.rounds:
        if name not in target.entry_from:
            continue
        for source in target.entry_from:
            if source != name and source in outcomes:
                found.update(outcomes[source].advanced)
    return frozenset(found)


def check_may_run(
    spec: RoundSpec, racer_id: str, runs_taken: int, allowed: Sequence[str] | None
) -> None:
    """Raise RuleViolation when `racer_id` may not take another run in `spec`."""
    if allowed is not None and racer_id not in allowed:
        raise RuleViolation(
            "round {round_name!r}: {racer_id} did not qualify for it",
            round_name=spec.name,
            racer_id=racer_id,
        )
    limit = spec.runs_per_racer
    if limit and runs_taken >= limit:
        raise RuleViolation(
            "round {round_name!r}: {racer_id} has taken {runs_taken} of {limit} runs allowed",
            round_name=spec.name,
            racer_id=racer_id,
            runs_taken=runs_taken,
            limit=limit,
        )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_REASON_FORMS = (
    (re.compile(r"(?P<nth>\d+)(?:st|nd|rd|th) overall"), "overall"),
    (re.compile(r"(?P<nth>\d+)(?:st|nd|rd|th) not already qualified"), "not_qualified"),
    (re.compile(r"(?P<nth>\d+)(?:st|nd|rd|th) place"), "place"),
    (re.compile(r"(?P<nth>\d+)(?:st|nd|rd|th) in (?P<region>.+)"), "region"),
    (re.compile(r"finalist, (?P<losses>\d+) loss\(es\)"), "finalist"),
    (re.compile(r"named"), "named"),
)


def reason_parts(why: str) -> dict[str, str | int] | None:
    """An advancement reason as this module words it, as a code and values for pages that
    word it in their own language: "3rd overall" → {"code": "overall", "nth": 3}; codes
    overall, not_qualified, place (nth), region (nth, region), finalist (losses), named.
    None for other text. Outcomes are stored as their English text, so the code is read
    back from it here, beside the wording, rather than by every page."""
    for pattern, code in _REASON_FORMS:
        found = pattern.fullmatch(why)
        if found:
            values = found.groupdict()
            return {
                "code": code,
                **{k: v if k == "region" else int(v) for k, v in values.items()},
            }
    return None


def advance(
    rule: Advancement,
    standings: Sequence[Standing],
    regions: Mapping[str, str] | None = None,
    qualified_elsewhere: AbstractSet[str] = frozenset(),
    round_name: str = "",
) -> Qualification:
    """Apply `rule` to a round's leaderboard `standings` (in leaderboard order)."""
    ranked = [s for s in standings if s.rank is not None]
    if rule.kind is AdvanceKind.FIXED:
        return Qualification(round_name, rule.fixed, tuple((r, "named") for r in rule.fixed))
    if rule.kind is AdvanceKind.NONE:
        return Qualification(round_name, (), ())
    if rule.kind is AdvanceKind.ALL:
        picked = [(s, f"{_ordinal(s.rank or 0)} overall") for s in ranked]
        return Qualification(round_name, *_unzip(picked))
    if rule.kind is AdvanceKind.TOP_PER_REGION:
        return _per_region(rule, ranked, regions or {}, round_name)
    pool = ranked
    if rule.kind is AdvanceKind.WILDCARD:
        pool = [s for s in ranked if s.racer_id not in qualified_elsewhere]
    chosen = pool[: rule.count]
    label = "overall" if rule.kind is AdvanceKind.TOP else "not already qualified"
    picked = [(s, f"{_ordinal(i)} {label}") for i, s in enumerate(chosen, start=1)]
    tied = _tied_at_cut(chosen, pool[rule.count :])
    return Qualification(round_name, *_unzip(picked), tied)


def _per_region(
    rule: Advancement, ranked: Sequence[Standing], regions: Mapping[str, str], round_name: str
) -> Qualification:
    by_region: dict[str, list[Standing]] = {}
    for standing in ranked:
        by_region.setdefault(regions.get(standing.racer_id) or NO_REGION, []).append(standing)
    chosen: dict[str, str] = {}
    tied: list[str] = []
    for region, group in sorted(by_region.items()):
        for i, standing in enumerate(group[: rule.count], start=1):
            chosen[standing.racer_id] = f"{_ordinal(i)} in {region}"
        tied.extend(_tied_at_cut(group[: rule.count], group[rule.count :]))
    picked = [(s, chosen[s.racer_id]) for s in ranked if s.racer_id in chosen]
    return Qualification(round_name, *_unzip(picked), tuple(tied))


def _unzip(
    picked: Sequence[tuple[Standing, str]],
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    return (
        tuple(s.racer_id for s, _ in picked),
        tuple((s.racer_id, why) for s, why in picked),
    )


def _tied_at_cut(chosen: Sequence[Standing], rest: Sequence[Standing]) -> tuple[str, ...]:
    if not chosen or not rest:
        return ()
    last = chosen[-1].rank
    return tuple(s.racer_id for s in rest if s.rank == last)


def open_bracket(spec: RoundSpec, seeded: Sequence[str]) -> BracketLog:
    """An empty bracket for a bracket round; `seeded[0]` is seed 1."""
    if spec.bracket is None:
        raise RuleViolation(
            "round {round_name!r} is {kind}, expected a bracket round",
            round_name=spec.name,
            kind=spec.kind,
        )
    rules = spec.bracket
    layout = build_layout(len(seeded), rules.kind, rules.stop_at, rules.grand_final_reset)
    return new_bracket(layout, tuple(seeded))


def bracket_qualification(spec: RoundSpec, state: BracketState) -> Qualification:
    """A finished bracket's finalists, best bracket place first."""
    if not state.finished:
        raise RuleViolation(
            "round {round_name!r}: the bracket is not finished", round_name=spec.name
        )
    order = tuple(reversed(running_order(state)))
    losses = dict(state.losses)
    reasons = tuple((r, f"finalist, {losses[r]} loss(es)") for r in order)
    return Qualification(spec.name, order, reasons)


def shootout_qualification(spec: RoundSpec, places: Sequence[ShootoutPlace]) -> Qualification:
    """A shootout's places as the final result of the event."""
    ordered = tuple(p.racer_id for p in sorted(places, key=lambda p: p.place))
    reasons = tuple((p.racer_id, f"{_ordinal(p.place)} place") for p in places)
    return Qualification(spec.name, ordered, reasons)


def round_summary(spec: RoundSpec) -> dict[str, Any]:
    """A JSON-ready description of a round for the control page and the board."""
    summary: dict[str, Any] = {
        "name": spec.name,
        "kind": str(spec.kind),
        "format": spec.format.label,
        "entry": list(spec.entry_from) or "open",
        "time_limit_s": spec.run_config.time_limit_ns / NS_PER_S,
        "runs_per_racer": spec.runs_per_racer or None,  # None: unlimited
        "advancement": spec.advancement.label,
    }
    if spec.bracket is not None:
        rules = spec.bracket
        summary["bracket"] = {
            "kind": str(rules.kind),
            "stop_at": rules.stop_at,
            "grand_final_reset": rules.grand_final_reset,
            "attempts": rules.match.attempts,
            "tie": str(rules.match.tie),
        }
    return summary
