"""Bracket corrections and undo, match decisions, the view model, layout errors."""

from __future__ import annotations

import json

import pytest

from lapgate.timer.bracket_codec import (
    bracket_event_from_dict,
    bracket_log_from_dict,
    bracket_log_to_dict,
)
from lapgate.timer.bracket_layout import BracketKind, Side, build_layout
from lapgate.timer.bracket_match import (
    MatchRules,
    MatchSide,
    TiePolicy,
    apply_decision,
    decide_match,
)
from lapgate.timer.bracket_view import bracket_view
from lapgate.timer.brackets import (
    BracketLog,
    MatchStatus,
    bracket_state,
    new_bracket,
    record_result,
    undo_event,
)
from lapgate.timer.errors import LapgateError, RuleViolation, UnknownEvent
from lapgate.timer.events import LapSource
from lapgate.timer.formats import Format, RunLaps
from lapgate.timer.run import Lap, RunStatus

MS = 1_000_000
EIGHT = tuple(f"s{seed}" for seed in range(1, 9))


def bracket(size: int = 8, kind: BracketKind = BracketKind.DOUBLE, **kw: object) -> BracketLog:
    layout = build_layout(size, kind, **kw)  # type: ignore[arg-type]
    return new_bracket(layout, tuple(f"s{seed}" for seed in range(1, size + 1)))


def favourites(log: BracketLog, upto: int) -> BracketLog:
    """Record `upto` results in next-up order, the better seed always winning."""
    for _ in range(upto):
        state = bracket_state(log)
        match = state.match(state.next_up[0])
        winner = min(match.racers, key=log.seed_of)
        log = record_result(log, match.match_id, winner)
    return log


def test_first_round_pairs_standard_seeds() -> None:
    state = bracket_state(bracket())
    pairs = [(m.top, m.bottom) for m in state.matches if m.slot.match_id.startswith("W1-")]
    assert pairs == [("s1", "s8"), ("s4", "s5"), ("s2", "s7"), ("s3", "s6")]
    assert state.next_up == ("W1-1", "W1-2", "W1-3", "W1-4")


def test_a_correction_recomputes_unraced_downstream_and_flags_raced() -> None:
    log = bracket()
    for match_id, winner in (("W1-1", "s1"), ("W1-2", "s4"), ("W1-3", "s2"), ("W1-4", "s3")):
        log = record_result(log, match_id, winner)
    state = bracket_state(log)
    assert state.match("W2-1").racers == ("s1", "s4")
    assert state.match("L1-1").racers == ("s8", "s5")
    log = record_result(log, "W2-1", "s1")  # raced: s1 beats s4
    log = record_result(log, "W1-2", "s5", note="staff: timing error")  # correction
    state = bracket_state(log)
    assert state.match("W1-2").winner == "s5"
    assert state.match("L1-1").racers == ("s8", "s4")  # not raced: recomputed
    assert state.match("L1-1").status is MatchStatus.READY
    w21 = state.match("W2-1")
    assert w21.status is MatchStatus.FLAGGED
    assert w21.racers == ("s1", "s5")
    assert "raced as s1 v s4" in w21.flag_reason
    code, params = w21.flag_code  # the reason's code and values, for other languages
    assert code == "changed"
    assert dict(params) == {"raced_winner": "s1", "raced_loser": "s4", "top": "s1", "bottom": "s5"}
    flagged = bracket_view(state, names={"s4": "Dan"})["brackets"][0]["rounds"][1]["matches"][0]
    assert flagged["flag_code"] == {
        "code": "changed",
        "raced_winner": "s1",
        "raced_loser": "Dan",
        "top": "s1",
        "bottom": "s5",
    }
    assert state.flagged == ("W2-1",)
    assert state.next_up[0] == "W2-1"  # re-race it before anything else
    # staff re-race the flagged match with the racers the bracket now has
    log = record_result(log, "W2-1", "s5")
    state = bracket_state(log)
    assert state.match("W2-1").status is MatchStatus.DECIDED
    assert state.match("W2-1").winner == "s5"
    assert state.flagged == ()


def test_undo_of_a_correction_restores_the_raced_result() -> None:
    log = favourites(bracket(), 4)
    log = record_result(log, "W2-1", "s1")
    before = bracket_state(log)
    corrected = record_result(log, "W1-2", "s5")
    undone = undo_event(corrected, len(corrected.entries))
    after = bracket_state(undone)
    assert after.matches == before.matches
    assert after.match("W2-1").status is MatchStatus.DECIDED
    redone = bracket_state(undo_event(undone, len(undone.entries)))  # undo the undo
    assert redone.match("W2-1").status is MatchStatus.FLAGGED


def test_undo_of_a_first_result_reopens_the_match() -> None:
    log = favourites(bracket(), 1)
    log = undo_event(log, 1)
    state = bracket_state(log)
    assert state.match("W1-1").status is MatchStatus.READY
    assert state.match("W2-1").status is MatchStatus.WAITING
    with pytest.raises(RuleViolation, match="already undone"):
        undo_event(log, 1)
    with pytest.raises(UnknownEvent, match="expected 1–2"):
        undo_event(log, 7)


def test_results_are_checked_against_the_bracket() -> None:
    log = bracket()
    with pytest.raises(RuleViolation, match="got winner 's2', expected one of"):
        record_result(log, "W1-1", "s2")
    with pytest.raises(RuleViolation, match="W2-1: the match is waiting"):
        record_result(log, "W2-1", "s1")
    with pytest.raises(RuleViolation, match="match id: got 'X9'"):
        record_result(log, "X9", "s1")
    with pytest.raises(ValueError):  # the error tree also inherits the builtin
        record_result(log, "W1-1", "nobody")


def test_a_finished_bracket_takes_corrections_but_no_new_results() -> None:
    log = bracket(4, BracketKind.SINGLE, stop_at=3)
    log = record_result(log, "W1-1", "s1")  # s4 out: 3 remain, finished
    assert bracket_state(log).finished
    # a result typed into the unneeded match would eliminate a fourth racer
    with pytest.raises(RuleViolation, match="W1-2: the match is not_needed"):
        record_result(log, "W1-2", "s2")
    corrected = record_result(log, "W1-1", "s4")  # a correction moves the elimination
    state = bracket_state(corrected)
    assert state.finished and state.remaining == ("s2", "s3", "s4")


def test_a_bye_cannot_take_a_result_and_finished_brackets_take_no_more() -> None:
    log = bracket(5, BracketKind.SINGLE)
    state = bracket_state(log)
    assert state.match("W1-1").status is MatchStatus.WALKOVER
    with pytest.raises(RuleViolation, match="walkover"):
        record_result(log, "W1-1", "s1")
    log = favourites(log, 4)
    state = bracket_state(log)
    assert state.champion == "s1"
    assert state.next_up == ()


def test_bracket_entrants_must_fit_the_layout() -> None:
    layout = build_layout(4)
    with pytest.raises(RuleViolation, match="got 3, expected 4"):
        new_bracket(layout, ("a", "b", "c"))
    with pytest.raises(RuleViolation, match="repeated"):
        new_bracket(layout, ("a", "b", "c", "a"))
    with pytest.raises(RuleViolation, match="bracket size: got 1"):
        build_layout(1)
    with pytest.raises(RuleViolation, match="stop_at: got 5, expected 1–4"):
        build_layout(4, stop_at=5)


def lap_run(
    run_id: str,
    seq: int,
    *durations_ms: int,
    status: RunStatus = RunStatus.FINISHED,
    invalid: tuple[int, ...] = (),
) -> RunLaps:
    laps = []
    t = seq * 1_000_000 * MS
    for number, ms in enumerate(durations_ms, start=1):
        valid = number not in invalid
        laps.append(
            Lap(
                number,
                t,
                t + ms * MS,
                0,
                valid,
                () if valid else ("x",),
                LapSource.GATE,
                number,
                False,
            )
        )
        t += ms * MS
    return RunLaps(run_id, seq, status, tuple(laps))


def test_better_metric_over_up_to_two_attempts_wins() -> None:
    rules = MatchRules(Format(), attempts=2)
    top = MatchSide("a", 1, (lap_run("a1", 1, 10_000), lap_run("a2", 3, 9_800)))
    bottom = MatchSide("b", 8, (lap_run("b1", 2, 9_700, invalid=(1,)), lap_run("b2", 4, 9_900)))
    decision = decide_match(rules, top, bottom)
    assert (decision.winner_id, decision.loser_id) == ("a", "b")
    assert decision.reason == "9.800 v 9.900"
    too_many = MatchSide("b", 8, tuple(lap_run(f"b{i}", i, 9_000) for i in range(3)))
    with pytest.raises(RuleViolation, match="got 3, expected at most 2"):
        decide_match(rules, top, too_many)
    aborted = lap_run("b9", 9, 8_000, status=RunStatus.ABORTED)
    assert decide_match(rules, top, MatchSide("b", 8, (*bottom.runs, aborted))).winner_id == "a"
    running = MatchSide("b", 8, (lap_run("b1", 2, 9_000, status=RunStatus.RUNNING),))
    with pytest.raises(RuleViolation, match="not over"):
        decide_match(rules, top, running)


def test_ties_go_to_the_higher_seed_unless_rerun_and_no_show_loses() -> None:
    top = MatchSide("low", 5, (lap_run("l", 1, 9_000, 9_500),))
    bottom = MatchSide("high", 4, (lap_run("h", 2, 9_000, 9_500),))
    decision = decide_match(MatchRules(), top, bottom)
    assert decision.winner_id == "high"
    assert "tie, seed 4 goes through" in decision.reason
    rerun = decide_match(MatchRules(tie=TiePolicy.RERUN), top, bottom)
    assert rerun.rerun and rerun.winner_id is None
    with pytest.raises(RuleViolation, match="race the match again"):
        apply_decision(bracket(), "W1-1", rerun)
    # the format's own tie-break (next-best lap) comes before the seed
    better_second = MatchSide("low", 5, (lap_run("l", 1, 9_000, 9_400),))
    assert decide_match(MatchRules(), better_second, bottom).winner_id == "low"
    no_show = MatchSide("high", 4, no_show=True)
    assert decide_match(MatchRules(), top, no_show).reason.endswith("no-show")
    assert decide_match(MatchRules(), top, no_show).winner_id == "low"
    no_time = MatchSide("high", 4, (lap_run("h", 2, 9_000, invalid=(1,)),))
    assert decide_match(MatchRules(), top, no_time).winner_id == "low"


def test_deciding_a_match_nobody_raced_is_refused_and_names_the_match() -> None:
    log = favourites(bracket(), 1)  # W1-1 decided; W1-2 (s4 v s5) is next
    unraced = decide_match(MatchRules(), MatchSide("s4", 4), MatchSide("s5", 5))
    assert unraced.unraced and unraced.winner_id is None and not unraced.rerun
    with pytest.raises(RuleViolation) as caught:
        apply_decision(log, "W1-2", unraced)
    assert str(caught.value) == (
        "decide W1-2: neither s4 nor s5 has raced an attempt; "
        "race it, record a no-show, or set the winner by hand"
    )
    assert bracket_state(log).match("W1-2").status is MatchStatus.READY  # nothing recorded
    # an aborted run (a track fault) is not an attempt either
    aborted = MatchSide("s4", 4, (lap_run("a", 1, 9_000, status=RunStatus.ABORTED),))
    assert decide_match(MatchRules(), aborted, MatchSide("s5", 5)).unraced
    # a no-show is something to decide on, even when nobody ran
    gone = decide_match(MatchRules(), MatchSide("s4", 4), MatchSide("s5", 5, no_show=True))
    assert (gone.winner_id, gone.unraced) == ("s4", False)
    both_gone = decide_match(
        MatchRules(), MatchSide("s4", 4, no_show=True), MatchSide("s5", 5, no_show=True)
    )
    assert both_gone.winner_id == "s4" and "seed 4 goes through" in both_gone.reason
    # one attempt without a valid lap is an attempt: a tie of no time v no time, seed wins
    dnf = MatchSide("s5", 5, (lap_run("b", 2, 9_000, status=RunStatus.DNF),))
    assert decide_match(MatchRules(), MatchSide("s4", 4), dnf).reason == (
        "no time v no time: tie, seed 4 goes through"
    )


def test_a_decision_is_recorded_as_the_match_result() -> None:
    log = bracket()
    top = MatchSide("s1", 1, (lap_run("a", 1, 10_000),))
    bottom = MatchSide("s8", 8, (lap_run("b", 2, 9_000),))
    log = apply_decision(log, "W1-1", decide_match(MatchRules(), top, bottom))
    state = bracket_state(log)
    assert state.match("W1-1").winner == "s8"
    assert state.match("W1-1").note == "10.000 v 9.000"


def test_view_model_is_json_ready_and_marks_current_and_next_up() -> None:
    log = favourites(bracket(6, stop_at=3), 3)
    state = bracket_state(log)
    view = bracket_view(state, names={"s1": "<b>Ann</b>"})
    json.dumps(view)  # only JSON types
    assert [b["side"] for b in view["brackets"]] == ["winners", "losers", "grand_final"]
    winners = view["brackets"][0]
    assert [r["title"] for r in winners["rounds"]] == ["Quarter-finals", "Semi-finals", "Final"]
    first = winners["rounds"][0]["matches"][0]
    assert first["top"]["racer"]["name"] == "<b>Ann</b>"  # the page escapes it
    assert first["bottom"] == {
        "racer": None,
        "bye": True,
        "from": "seed 8",
        "source": {"kind": "seed", "seed": 8},  # for pages that word it themselves
    }
    assert first["status"] == "walkover"
    current = [
        m for b in view["brackets"] for r in b["rounds"] for m in r["matches"] if m["current"]
    ]
    assert [m["id"] for m in current] == [view["current_match"]] == [state.next_up[0]]
    assert [m["id"] for m in view["next_up"]] == list(state.next_up)
    assert view["finished"] is False and view["finalists"] == []
    staged = bracket_view(state, current=state.next_up[-1])
    assert staged["current_match"] == state.next_up[-1]


def test_view_lists_finalists_best_first_when_finished() -> None:
    log = favourites(bracket(8, stop_at=3), 11)
    state = bracket_state(log)
    assert state.finished
    view = bracket_view(state)
    assert [f["id"] for f in view["finalists"]] == ["s1", "s2", "s3"]
    assert [f["losses"] for f in view["finalists"]] == [0, 0, 1]


def test_single_elimination_has_no_last_chance_bracket() -> None:
    layout = build_layout(16, BracketKind.SINGLE)
    assert {slot.side for slot in layout.slots} == {Side.WINNERS}
    assert len(layout.slots) == 15
    assert issubclass(RuleViolation, LapgateError)


def test_a_bracket_log_round_trips_through_json() -> None:
    log = favourites(bracket(6, stop_at=3, grand_final_reset=True), 4)
    log = record_result(log, "W1-2", "s5", note="correction")
    log = undo_event(log, len(log.entries))
    data = json.loads(json.dumps(bracket_log_to_dict(log)))
    again = bracket_log_from_dict(data)
    assert again == log
    assert bracket_state(again) == bracket_state(log)
    data["events"][1]["id"] = 7
    with pytest.raises(RuleViolation, match="got 7, expected 2"):
        bracket_log_from_dict(data)
    with pytest.raises(RuleViolation, match="expected 'result' or 'undo'"):
        bracket_event_from_dict({"kind": "bogus"})
    with pytest.raises(RuleViolation, match="missing"):
        bracket_event_from_dict({"kind": "result", "match_id": "W1-1"})
    with pytest.raises(RuleViolation, match="bracket size"):
        bracket_log_from_dict({**data, "size": 1})
