"""Invariants of the run fold, checked on generated logs (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lapgate.timer.errors import LapgateError
from lapgate.timer.events import (
    AdjustResets,
    Crossing,
    EndRun,
    ExpiryPolicy,
    GateCrossing,
    InvalidateLap,
    ManualCrossing,
    MarkDnf,
    RestoreLap,
    RunEvent,
    StartMode,
    StartRun,
    TimeUp,
    Undo,
)
from lapgate.timer.formats import Format, RunLaps, average
from lapgate.timer.run import RunConfig, RunLog, RunStatus, run_state
from lapgate.timer.staff import record

S = 1_000_000_000

configs = st.builds(
    RunConfig,
    time_limit_ns=st.integers(10, 120).map(lambda s: s * S),
    start_mode=st.sampled_from(StartMode),
    expiry=st.sampled_from(ExpiryPolicy),
    grace_ns=st.integers(0, 30).map(lambda s: s * S),
    lockout_ns=st.integers(0, 4 * S),
    max_resets_per_lap=st.none() | st.integers(0, 3),
    finish_laps=st.none() | st.integers(1, 10),  # lap-count races too
)

ACTIONS = [
    "gate",
    "manual",
    "reset+",
    "reset-",
    "invalidate",
    "restore",
    "undo",
    "start",
    "end",
    "time_up",
    "dnf",
]
# (kind, time offset in ns, small int): an event against the current log. Gate crossings
# are drawn three times as often as each staff action.
step = st.tuples(
    st.sampled_from(["gate", "gate", *ACTIONS]), st.integers(0, 20 * S), st.integers(0, 50)
)
steps = st.lists(step, max_size=40)


def event_for(kind: str, t_ns: int, pick: int, log: RunLog) -> RunEvent:
    ends = [lap.end_ns for lap in run_state(log).laps] or [t_ns]
    at = ends[pick % len(ends)]
    events: dict[str, RunEvent] = {
        "gate": GateCrossing(Crossing("finish", t_ns, "gpio:BCM17" if pick % 2 else "gpio:BCM27")),
        "manual": ManualCrossing(t_ns),
        "reset+": AdjustResets(at, 1),
        "reset-": AdjustResets(at, -1),
        "invalidate": InvalidateLap(at),
        "restore": RestoreLap(at),
        "undo": Undo(pick % max(1, len(log.entries)) + 1),
        "start": StartRun(t_ns),
        "end": EndRun(t_ns),
        "time_up": TimeUp(t_ns),
        "dnf": MarkDnf(t_ns),
    }
    return events[kind]


def build(config: RunConfig, plan: list[tuple[str, int, int]]) -> RunLog:
    """A log built by recording the plan's events; refused actions are skipped."""
    log = RunLog(config)
    t_ns = 0
    for kind, delta_ns, pick in plan:
        t_ns += delta_ns
        try:
            log = record(log, event_for(kind, t_ns, pick, log))
        except LapgateError:
            continue
    return log


@given(configs, steps)
def test_replaying_a_log_twice_gives_equal_states(config: RunConfig, plan: list) -> None:
    log = build(config, plan)
    assert run_state(log) == run_state(RunLog(log.config, tuple(log.entries)))


@given(configs, steps, step)
def test_undoing_any_action_restores_the_previous_state(
    config: RunConfig, plan: list, action: tuple[str, int, int]
) -> None:
    log = build(config, plan)
    kind, delta_ns, pick = action
    last_t = max((getattr(e.event, "t_ns", 0) for e in log.entries), default=0)
    try:
        acted = record(log, event_for(kind, last_t + delta_ns, pick, log))
    except LapgateError:
        return
    undone = record(acted, Undo(acted.next_id - 1))
    assert run_state(undone) == run_state(log)


@given(configs, steps, st.integers(0, 400 * S))
def test_adding_a_crossing_never_changes_laps_before_it(
    config: RunConfig, plan: list, t_ns: int
) -> None:
    log = build(config, plan)
    before = [lap for lap in run_state(log).laps if lap.end_ns < t_ns]
    after_log = record(log, GateCrossing(Crossing("finish", t_ns, "gpio:BCM17")))
    after = [lap for lap in run_state(after_log).laps if lap.end_ns < t_ns]
    assert after == before


@given(configs, steps, st.integers(2, 10))
def test_average_is_never_below_the_best_lap_in_its_window(
    config: RunConfig, plan: list, size: int
) -> None:
    state = run_state(build(config, plan))
    result = average([RunLaps("r", 1, RunStatus.RUNNING, state.laps)], size)
    if result is None:
        return
    window = [lap.duration_ns for lap in result.laps]
    assert len(window) == size
    assert min(window) <= result.value <= max(window)
    assert result.tiebreak_ns == min(window)
    Format.average(size)  # the format accepts the size


@settings(max_examples=50)
@given(configs, steps)
def test_fold_never_counts_an_ignored_crossing_as_a_lap_end(config: RunConfig, plan: list) -> None:
    state = run_state(build(config, plan))
    accepted = {c.event_id for c in state.crossings if c.accepted}
    assert {lap.end_event_id for lap in state.laps} <= accepted
    assert all(lap.duration_ns >= 0 for lap in state.laps)
    assert [lap.number for lap in state.laps] == list(range(1, len(state.laps) + 1))
