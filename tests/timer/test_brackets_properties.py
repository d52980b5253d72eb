"""Property tests: arbitrary match outcomes, corrections and undos."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lapgate.timer.bracket_layout import BracketKind, build_layout
from lapgate.timer.brackets import (
    BracketLog,
    BracketState,
    MatchStatus,
    bracket_state,
    new_bracket,
    record_result,
    undo_event,
)


@st.composite
def brackets(draw: st.DrawFn) -> BracketLog:
    size = draw(st.integers(2, 40))
    kind = draw(st.sampled_from(list(BracketKind)))
    stop_at = draw(st.integers(1, min(size, 4)))
    reset = draw(st.booleans())
    layout = build_layout(size, kind, stop_at, reset)
    return new_bracket(layout, tuple(f"r{seed}" for seed in range(1, size + 1)))


def invariants(state: BracketState) -> None:
    busy = [r for m in state.matches if m.status is MatchStatus.READY for r in m.racers]
    assert len(busy) == len(set(busy)), "a racer is in two ready matches"
    out = [racer for racer, _ in state.eliminated]
    assert len(out) == len(set(out))
    assert not set(out) & set(busy)
    losses = dict(state.losses)
    most = 1 if state.layout.kind is BracketKind.SINGLE else 2
    assert all(count <= most for count in losses.values())
    for match in state.matches:
        if match.status is MatchStatus.DECIDED:
            assert {match.winner, match.loser} == set(match.racers)
        if match.status is MatchStatus.FLAGGED:
            assert match.result_event_id is not None and match.flag_reason


def play(log: BracketLog, data: st.DataObject) -> BracketLog:
    state = bracket_state(log)
    while state.next_up:
        ready = [state.match(m) for m in state.next_up]
        match = data.draw(st.sampled_from(ready), label="match")  # any ready match, any order
        winner = data.draw(st.sampled_from(match.racers), label="winner")
        log = record_result(log, match.match_id, winner, state=state)
        state = bracket_state(log)
        invariants(state)
    return log


@settings(max_examples=60, deadline=None)
@given(brackets(), st.data())
def test_any_outcomes_in_any_ready_order_end_with_exactly_k_racers(
    log: BracketLog, data: st.DataObject
) -> None:
    state = bracket_state(play(log, data))
    assert state.finished
    assert len(state.remaining) == state.layout.stop_at
    top_two = {"r1", "r2"}
    for match in state.matches:
        if match.status is MatchStatus.DECIDED and set(match.racers) == top_two:
            assert match.slot.final_stage


def settle(log: BracketLog, data: st.DataObject) -> BracketLog:
    """Staff after corrections: race what is next up, undo results that cannot stand."""
    state = bracket_state(log)
    while state.next_up or state.flagged:
        if state.next_up:
            match = state.match(state.next_up[0])
            winner = data.draw(st.sampled_from(match.racers), label="re-race winner")
            log = record_result(log, match.match_id, winner, state=state)
        else:
            stuck = state.match(state.flagged[0])
            assert stuck.needs_undo or state.finished, stuck
            assert stuck.result_event_id is not None
            log = undo_event(log, stuck.result_event_id)
        state = bracket_state(log)
        invariants(state)
    return log


@settings(max_examples=40, deadline=None)
@given(brackets(), st.data())
def test_corrections_then_re_races_still_finish_and_undo_restores(
    log: BracketLog, data: st.DataObject
) -> None:
    log = play(log, data)
    played = bracket_state(log)
    decided = [m.match_id for m in played.matches if m.status is MatchStatus.DECIDED]
    picks = st.lists(st.sampled_from(decided), max_size=3) if decided else st.just([])
    corrected = log
    for match_id in data.draw(picks, label="corrections"):
        current = bracket_state(corrected).match(match_id)
        if current.status is not MatchStatus.DECIDED:
            continue  # waiting or flagged after an earlier correction
        winner = data.draw(st.sampled_from(current.racers), label="new winner")
        corrected = record_result(corrected, match_id, winner, "staff correction")
        invariants(bracket_state(corrected))
    # undoing every correction, newest first, gives back the bracket as it was raced
    undone = corrected
    for event_id in range(len(corrected.entries), len(log.entries), -1):
        undone = undo_event(undone, event_id)
    assert bracket_state(undone).matches == played.matches
    # re-racing what the corrections flagged or reopened finishes the bracket again
    finished = bracket_state(settle(corrected, data))
    assert finished.finished
    assert len(finished.remaining) == finished.layout.stop_at
