"""The race rules of a run, each with a test that fails if the rule is broken."""

from __future__ import annotations

import pytest

from lapgate.timer.errors import RuleViolation, UnknownEvent
from lapgate.timer.events import (
    AbortRun,
    AdjustResets,
    Crossing,
    EndRun,
    ExpiryPolicy,
    GateCrossing,
    InvalidateLap,
    LapSource,
    ManualCrossing,
    MarkDnf,
    RestoreLap,
    StartMode,
    StartRun,
    TimeUp,
    Undo,
)
from lapgate.timer.run import RunConfig, RunLog, RunStatus, run_state
from lapgate.timer.staff import record, undoable

S = 1_000_000_000
MS = 1_000_000


def gate(t_ns: int, sensor: str = "BCM17") -> GateCrossing:
    return GateCrossing(Crossing("finish", t_ns, f"gpio:{sensor}"))


def run_with(times_ns: list[int], config: RunConfig | None = None) -> RunLog:
    log = RunLog(config or RunConfig())
    for t_ns in times_ns:
        log = record(log, gate(t_ns))
    return log


def durations(log: RunLog) -> list[int]:
    return [lap.duration_ns for lap in run_state(log).laps]


def test_rolling_start_first_crossing_opens_lap_one() -> None:
    state = run_state(run_with([5 * S]))
    assert state.status is RunStatus.RUNNING
    assert state.started_ns == 5 * S
    assert state.laps == ()
    assert state.current_lap_start_ns == 5 * S
    assert state.deadline_ns == 125 * S


def test_laps_are_differences_of_crossing_times_to_the_nanosecond() -> None:
    log = run_with([1 * S, 1 * S + 13_393_000_123, 1 * S + 26_000_000_456])
    assert durations(log) == [13_393_000_123, 12_607_000_333]


def test_two_strips_pressed_by_one_car_give_one_lap() -> None:
    log = RunLog()
    for t_ns, sensor in [
        (1 * S, "BCM17"),
        (1 * S + 40 * MS, "BCM27"),
        (11 * S, "BCM27"),
        (11 * S + 15 * MS, "BCM17"),
    ]:
        log = record(log, gate(t_ns, sensor))
    state = run_state(log)
    assert durations(log) == [10 * S]
    ignored = [c for c in state.crossings if not c.accepted]
    assert [c.event_id for c in ignored] == [2, 4]
    assert all("lockout" in c.reason for c in ignored)


def test_ignored_crossings_stay_in_the_log_with_a_reason() -> None:
    log = run_with([1 * S, 2 * S])
    assert len(log.entries) == 2
    outcome = run_state(log).crossings[1]
    assert not outcome.accepted
    assert outcome.reason == "1.000 s after the last crossing, inside the 3.000 s lockout"


def test_lockout_is_configurable() -> None:
    log = run_with([1 * S, 2 * S], RunConfig(lockout_ns=500 * MS))
    assert durations(log) == [1 * S]


def test_staff_start_times_lap_one_from_the_start_press() -> None:
    config = RunConfig(start_mode=StartMode.STAFF)
    log = record(RunLog(config), gate(1 * S))  # before the start: ignored
    log = record(log, StartRun(2 * S))
    log = record(log, gate(12 * S))
    state = run_state(log)
    assert state.crossings[0].reason == "before staff started the run"
    assert [lap.duration_ns for lap in state.laps] == [10 * S]
    assert state.deadline_ns == 122 * S


def test_start_is_refused_in_rolling_start_mode() -> None:
    with pytest.raises(RuleViolation, match="rolling start"):
        record(RunLog(), StartRun(1 * S))


def test_finish_lap_expiry_counts_the_lap_completed_within_grace() -> None:
    config = RunConfig(time_limit_ns=30 * S, grace_ns=10 * S)
    log = run_with([0 * S + 1, 25 * S, 35 * S, 45 * S], config)
    state = run_state(log)
    assert [lap.duration_ns for lap in state.laps] == [25 * S - 1, 10 * S]
    assert state.status is RunStatus.FINISHED
    assert state.ended_ns == 35 * S
    assert state.crossings[-1].reason == "after the run finished"


def test_finish_lap_expiry_drops_a_lap_that_misses_the_grace() -> None:
    config = RunConfig(time_limit_ns=30 * S, grace_ns=5 * S)
    state = run_state(run_with([1, 25 * S, 40 * S], config))
    assert len(state.laps) == 1
    assert state.status is RunStatus.FINISHED
    assert state.crossings[-1].reason == "after the grace period"


def test_hard_expiry_cuts_the_lap_in_progress() -> None:
    config = RunConfig(time_limit_ns=30 * S, expiry=ExpiryPolicy.HARD)
    state = run_state(run_with([1, 25 * S, 31 * S], config))
    assert len(state.laps) == 1
    assert state.status is RunStatus.FINISHED
    assert state.crossings[-1].reason == "after the time limit"


def test_time_up_event_finishes_a_run_with_no_late_crossing() -> None:
    config = RunConfig(time_limit_ns=30 * S, grace_ns=5 * S)
    log = record(run_with([1, 25 * S], config), TimeUp(35 * S + 1))
    state = run_state(log)
    assert state.status is RunStatus.FINISHED
    assert state.current_lap_start_ns is None


def test_time_limit_range_is_enforced() -> None:
    with pytest.raises(RuleViolation, match="time_limit_ns"):
        RunConfig(time_limit_ns=5 * S)
    with pytest.raises(RuleViolation, match="time_limit_ns"):
        RunConfig(time_limit_ns=601 * S)


def test_resets_count_on_the_lap_that_contains_them() -> None:
    log = run_with([1 * S, 11 * S])
    log = record(log, AdjustResets(at_ns=15 * S, delta=1))  # current lap
    log = record(log, AdjustResets(at_ns=5 * S, delta=1))  # lap 1, after the fact
    log = record(log, gate(21 * S))
    laps = run_state(log).laps
    assert [lap.resets for lap in laps] == [1, 1]


def test_a_lap_over_the_reset_limit_is_invalid_and_breaks_an_average_window() -> None:
    from lapgate.timer.formats import Format, RunLaps, metric

    config = RunConfig(max_resets_per_lap=1)
    log = run_with([0, 10 * S, 20 * S, 30 * S, 40 * S, 50 * S], config)
    log = record(log, AdjustResets(at_ns=25 * S, delta=1))
    assert run_state(log).laps[2].valid  # one reset is allowed
    log = record(log, AdjustResets(at_ns=25 * S, delta=1))
    lap3 = run_state(log).laps[2]
    assert not lap3.valid
    assert lap3.invalid_reasons == ("2 resets, 1 allowed",)
    assert [why.parts() for why in lap3.invalid_why] == [
        {"code": "resets", "resets": 2, "allowed": 1}  # for pages in other languages
    ]
    runs = [RunLaps("r", 1, RunStatus.RUNNING, run_state(log).laps)]
    assert metric(Format.average(3), runs) is None  # laps 1-2 and 4-5: no 3 in a row
    assert metric(Format.average(2), runs) is not None


def test_removing_a_reset_that_is_not_there_is_refused() -> None:
    log = run_with([1 * S, 11 * S])
    with pytest.raises(RuleViolation, match="no reset to remove"):
        record(log, AdjustResets(at_ns=5 * S, delta=-1))
    with pytest.raises(RuleViolation, match="delta"):
        record(log, AdjustResets(at_ns=5 * S, delta=2))


def test_staff_invalidate_and_restore_a_lap() -> None:
    log = run_with([1 * S, 11 * S, 21 * S])
    log = record(log, InvalidateLap(at_ns=11 * S, reason="cut the chicane"))
    lap1 = run_state(log).laps[0]
    assert (lap1.valid, lap1.invalid_reasons) == (False, ("staff: cut the chicane",))
    assert [why.parts() for why in lap1.invalid_why] == [
        {"code": "staff_note", "note": "cut the chicane"}
    ]
    with pytest.raises(RuleViolation, match="already invalidated"):
        record(log, InvalidateLap(at_ns=11 * S))
    log = record(log, RestoreLap(at_ns=11 * S))
    assert run_state(log).laps[0].valid
    with pytest.raises(RuleViolation, match="not invalidated"):
        record(log, RestoreLap(at_ns=11 * S))


def test_undo_false_crossing_merges_laps_and_times_next_lap_from_right_reference() -> None:
    # A spectator steps on the strip at 15 s; the car crosses at 21 s and 31 s.
    log = run_with([1 * S, 11 * S, 15 * S, 21 * S, 31 * S])
    assert durations(log) == [10 * S, 4 * S, 6 * S, 10 * S]
    false_id = 3
    log = record(log, Undo(false_id))
    assert durations(log) == [10 * S, 10 * S, 10 * S]


def test_undo_false_crossing_revives_a_crossing_it_had_locked_out() -> None:
    # The false press at 10 s locked out the car's real crossing at 11 s.
    log = run_with([1 * S, 10 * S, 11 * S, 21 * S])
    assert durations(log) == [9 * S, 11 * S]
    log = record(log, Undo(2))
    assert durations(log) == [10 * S, 10 * S]
    assert run_state(log).laps[0].end_event_id == 3


def test_manual_crossing_ends_a_lap_the_gate_missed() -> None:
    log = run_with([1 * S, 11 * S, 31 * S])  # the gate missed the car at 21 s
    log = record(log, ManualCrossing(21 * S))
    laps = run_state(log).laps
    assert [lap.duration_ns for lap in laps] == [10 * S, 10 * S, 10 * S]
    assert [lap.end_source for lap in laps] == [LapSource.GATE, LapSource.MANUAL, LapSource.GATE]


def test_gate_crossing_right_after_a_manual_lap_is_locked_out() -> None:
    log = run_with([1 * S])
    log = record(log, ManualCrossing(11 * S))
    log = record(log, gate(11 * S + 200 * MS))
    assert durations(log) == [10 * S]


def test_a_second_manual_lap_inside_the_lockout_is_ignored_with_its_reason() -> None:
    # A double click on Manual lap: two presses 19 ms apart never make a 0.019 s lap.
    log = run_with([1 * S])
    log = record(log, ManualCrossing(11 * S))
    log = record(log, ManualCrossing(11 * S + 19 * MS))
    state = run_state(log)
    assert durations(log) == [10 * S]
    assert state.crossings[-1].reason == (
        "0.019 s after the last crossing, inside the 3.000 s lockout"
    )
    assert all(lap.duration_ns >= RunConfig().lockout_ns for lap in state.laps)


def test_a_manual_lap_inside_the_lockout_of_a_gate_crossing_is_ignored() -> None:
    log = record(run_with([1 * S, 11 * S]), ManualCrossing(11 * S + 500 * MS))
    assert durations(log) == [10 * S]
    assert not run_state(log).crossings[-1].accepted


@pytest.mark.parametrize("action", [ManualCrossing(20 * S), AdjustResets(20 * S, 1)])
def test_manual_lap_and_reset_after_the_run_ended_are_refused(action: object) -> None:
    log = record(run_with([1 * S, 11 * S]), EndRun(15 * S))
    with pytest.raises(RuleViolation, match="the run is already finished; pick a lap"):
        record(log, action)  # type: ignore[arg-type]


def test_a_manual_lap_the_gate_missed_may_still_be_added_to_an_ended_run() -> None:
    log = record(run_with([1 * S, 21 * S]), EndRun(25 * S))
    log = record(log, ManualCrossing(11 * S))
    assert durations(log) == [10 * S, 10 * S]
    log = record(log, AdjustResets(11 * S, 1))
    assert run_state(log).laps[0].resets == 1


def test_end_run_discards_the_lap_in_progress() -> None:
    log = record(run_with([1 * S, 11 * S]), EndRun(15 * S))
    log = record(log, gate(21 * S))
    state = run_state(log)
    assert state.status is RunStatus.FINISHED
    assert len(state.laps) == 1
    assert state.crossings[-1].reason == "after the run was ended"
    with pytest.raises(RuleViolation, match="already finished"):
        record(log, EndRun(16 * S))


def test_dnf_and_abort() -> None:
    log = record(run_with([1 * S, 11 * S]), MarkDnf(12 * S, "car broke"))
    assert run_state(log).status is RunStatus.DNF
    log = record(log, AbortRun(13 * S))
    assert run_state(log).status is RunStatus.ABORTED
    with pytest.raises(RuleViolation):
        record(log, AbortRun(14 * S))


def test_every_action_can_be_undone_and_redone() -> None:
    base = run_with([1 * S, 11 * S])
    ended = record(base, EndRun(12 * S))
    undone = record(ended, Undo(3))
    assert run_state(undone) == run_state(base)
    redone = record(undone, Undo(4))
    assert run_state(redone) == run_state(ended)
    assert [e.event_id for e in undoable(redone)][:1] == [5]


def test_undo_of_unknown_or_already_undone_event_is_refused() -> None:
    log = run_with([1 * S])
    with pytest.raises(UnknownEvent):
        record(log, Undo(9))
    log = record(log, Undo(1))
    with pytest.raises(RuleViolation, match="already undone"):
        record(log, Undo(1))


def test_crossings_arriving_out_of_order_are_timed_in_time_order() -> None:
    log = run_with([1 * S, 21 * S, 11 * S])
    assert durations(log) == [10 * S, 10 * S]
