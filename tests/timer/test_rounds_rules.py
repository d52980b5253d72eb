"""Advancement rules, entry into rounds, and the event plan's checks."""

from __future__ import annotations

import pytest

from lapgate.timer.bracket_layout import BracketKind
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import LapSource
from lapgate.timer.formats import Format, FormatKind, RunLaps
from lapgate.timer.leaderboard import RacerRuns, Standing, leaderboard
from lapgate.timer.rounds import (
    AdvanceKind,
    Advancement,
    BracketRules,
    EventPlan,
    Qualification,
    RoundKind,
    RoundSpec,
    advance,
    advancement_from_dict,
    advancement_to_dict,
    already_qualified,
    check_may_run,
    current_round,
    entrants,
    open_bracket,
    reason_parts,
    round_summary,
)
from lapgate.timer.run import Lap, RunStatus

MS = 1_000_000


def one_lap(racer: str, ms: int | None, seq: int) -> RacerRuns:
    """A racer with one run of one lap of `ms` (None: a run with no valid lap)."""
    laps: tuple[Lap, ...] = ()
    if ms is not None:
        laps = (Lap(1, seq * 10**12, seq * 10**12 + ms * MS, 0, True, (), LapSource.GATE, 2),)
    return RacerRuns(
        racer, racer.upper(), (RunLaps(f"run-{racer}", seq, RunStatus.FINISHED, laps),)
    )


def board(*times: tuple[str, int | None]) -> tuple[Standing, ...]:
    return leaderboard(Format(), [one_lap(r, ms, i) for i, (r, ms) in enumerate(times, 1)])


FIELD = board(("a", 9000), ("b", 9100), ("c", 9200), ("d", 9300), ("e", 9400), ("f", None))
REGIONS = {"a": "EMEA", "b": "EMEA", "c": "APAC", "d": "EMEA", "e": "APAC", "f": "APAC"}


def test_top_n_overall_in_leaderboard_order() -> None:
    result = advance(Advancement(AdvanceKind.TOP, 3), FIELD)
    assert result.advanced == ("a", "b", "c")
    assert dict(result.reasons)["c"] == "3rd overall"
    assert result.tied_at_cut == ()


def test_only_racers_with_a_result_advance() -> None:
    assert advance(Advancement(AdvanceKind.TOP, 10), FIELD).advanced == ("a", "b", "c", "d", "e")
    assert advance(Advancement(AdvanceKind.ALL), FIELD).advanced == ("a", "b", "c", "d", "e")
    assert advance(Advancement(AdvanceKind.NONE), FIELD).advanced == ()


def test_top_n_per_region_keeps_overall_order() -> None:
    result = advance(Advancement(AdvanceKind.TOP_PER_REGION, 1), FIELD, REGIONS)
    assert result.advanced == ("a", "c")
    two = advance(Advancement(AdvanceKind.TOP_PER_REGION, 2), FIELD, REGIONS)
    assert two.advanced == ("a", "b", "c", "e")
    assert dict(two.reasons)["e"] == "2nd in APAC"
    no_region = advance(Advancement(AdvanceKind.TOP_PER_REGION, 1), FIELD, {})
    assert no_region.advanced == ("a",)
    assert dict(no_region.reasons)["a"] == "1st in (no region)"


def test_wildcard_skips_racers_already_qualified() -> None:
    result = advance(Advancement(AdvanceKind.WILDCARD, 2), FIELD, qualified_elsewhere={"a", "c"})
    assert result.advanced == ("b", "d")
    assert dict(result.reasons)["d"] == "2nd not already qualified"


def test_fixed_list_is_taken_as_given() -> None:
    result = advance(Advancement(AdvanceKind.FIXED, fixed=("z", "a")), FIELD)
    assert result.advanced == ("z", "a")


def test_an_exact_tie_at_the_cut_is_reported() -> None:
    tied = board(("a", 9000), ("b", 9100), ("c", 9100))
    # b and c are equal on every key only if they set the time in the same run order;
    # build two racers whose metrics are identical by giving them the same run_seq.
    same = leaderboard(
        Format(), [one_lap("a", 9000, 1), one_lap("b", 9100, 2), one_lap("c", 9100, 2)]
    )
    result = advance(Advancement(AdvanceKind.TOP, 2), same)
    assert result.advanced == ("a", "b")
    assert result.tied_at_cut == ("c",)
    assert advance(Advancement(AdvanceKind.TOP, 2), tied).tied_at_cut == ()  # b set it first


def test_advancement_rules_are_checked() -> None:
    with pytest.raises(RuleViolation, match="got count 0"):
        Advancement(AdvanceKind.TOP)
    with pytest.raises(RuleViolation, match="empty list"):
        Advancement(AdvanceKind.FIXED)
    with pytest.raises(RuleViolation, match="repeated"):
        Advancement(AdvanceKind.FIXED, fixed=("a", "a"))


def plan() -> EventPlan:
    return EventPlan(
        (
            RoundSpec(
                "R1",
                RoundKind.EXTERNAL,
                advancement=Advancement(AdvanceKind.FIXED, fixed=("a", "b")),
            ),
            RoundSpec("Wild", advancement=Advancement(AdvanceKind.WILDCARD, 1), runs_per_racer=1),
            RoundSpec("R2", entry_from=("R1", "Wild"), advancement=Advancement(AdvanceKind.TOP, 2)),
            RoundSpec(
                "Final",
                RoundKind.BRACKET,
                entry_from=("R2",),
                bracket=BracketRules(BracketKind.SINGLE),
            ),
        )
    )


def test_entry_joins_feeding_rounds_in_order_and_open_rounds_take_anyone() -> None:
    event = plan()
    outcomes = {"R1": Qualification("R1", ("a", "b"), ())}
    assert entrants(event, "Wild", outcomes) is None
    assert current_round(event, outcomes) == event.round("Wild")
    with pytest.raises(RuleViolation, match="round 'Wild' has not finished"):
        entrants(event, "R2", outcomes)
    assert already_qualified(event, "Wild", outcomes) == {"a", "b"}
    outcomes["Wild"] = Qualification("Wild", ("c", "a"), ())
    assert entrants(event, "R2", outcomes) == ("a", "b", "c")


def test_runs_allowed_and_entry_are_enforced() -> None:
    event = plan()
    check_may_run(event.round("Wild"), "x", 0, None)
    with pytest.raises(RuleViolation, match="taken 1 of 1 runs"):
        check_may_run(event.round("Wild"), "x", 1, None)
    with pytest.raises(RuleViolation, match="x did not qualify"):
        check_may_run(event.round("R2"), "x", 0, ("a", "b"))
    check_may_run(event.round("R2"), "a", 5, ("a", "b"))  # 0: unlimited runs


def test_the_plan_checks_names_entries_and_kinds() -> None:
    with pytest.raises(RuleViolation, match="got 'R9', expected an earlier round"):
        EventPlan((RoundSpec("R1", entry_from=("R9",)),))
    with pytest.raises(RuleViolation, match="got 'R1' twice"):
        EventPlan((RoundSpec("R1"), RoundSpec("R1")))
    with pytest.raises(RuleViolation, match="expected single_lap"):
        RoundSpec("S", RoundKind.SHOOTOUT)
    with pytest.raises(RuleViolation, match="bracket rules are for bracket rounds"):
        RoundSpec("B", RoundKind.BRACKET)
    shootout = RoundSpec("S", RoundKind.SHOOTOUT, Format(FormatKind.SINGLE_LAP))
    with pytest.raises(RuleViolation, match="expected a bracket round"):
        open_bracket(shootout, ("a", "b"))
    with pytest.raises(RuleViolation, match="expected one of"):
        plan().round("nope")


def test_a_bracket_round_is_seeded_in_entry_order() -> None:
    log = open_bracket(plan().round("Final"), ("c", "a", "b"))
    assert log.entrants == ("c", "a", "b")
    assert log.layout.size == 3


def test_round_summary_is_json_ready() -> None:
    import json

    final = round_summary(plan().round("Final"))
    assert json.loads(json.dumps(final))["bracket"]["kind"] == "single"
    wild = round_summary(plan().round("Wild"))
    assert wild["entry"] == "open" and wild["runs_per_racer"] == 1
    assert wild["advancement"] == "top 1 not already qualified advance"
    assert wild["time_limit_s"] == 120


def test_advancement_round_trips_through_a_dict() -> None:
    for rule in (
        Advancement(),
        Advancement(AdvanceKind.WILDCARD, 2),
        Advancement(AdvanceKind.FIXED, fixed=("a", "b")),
    ):
        assert advancement_from_dict(advancement_to_dict(rule)) == rule
    assert advancement_from_dict({}) == Advancement()
    with pytest.raises(RuleViolation, match="expected kind/count/fixed"):
        advancement_from_dict({"kind": "best"})
    with pytest.raises(RuleViolation, match="got count 0"):
        advancement_from_dict({"kind": "top"})


@pytest.mark.parametrize(
    ("why", "parts"),
    [
        ("3rd overall", {"code": "overall", "nth": 3}),
        ("1st not already qualified", {"code": "not_qualified", "nth": 1}),
        ("2nd place", {"code": "place", "nth": 2}),
        ("1st in Europe", {"code": "region", "nth": 1, "region": "Europe"}),
        ("finalist, 1 loss(es)", {"code": "finalist", "losses": 1}),
        ("named", {"code": "named"}),
        ("a reason staff typed", None),
    ],
)
def test_advancement_reasons_read_back_as_codes(
    why: str, parts: dict[str, str | int] | None
) -> None:
    assert reason_parts(why) == parts
