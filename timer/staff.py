"""Recording events with the race rules checked first.

`record(log, event)` is how every event enters a run's log. Gate crossings are always
recorded (the fold decides whether they count and says why not); staff actions that the
run's state does not allow raise `RuleViolation` with a message staff can act on. A manual
crossing is a staff action: it may fill a crossing the gate missed while the run went on,
but not come after the run ended.
"""

from __future__ import annotations

from lapgate.timer.errors import RuleViolation, UnknownEvent
from lapgate.timer.events import (
    AbortRun,
    AdjustResets,
    EndRun,
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
from lapgate.timer.run import (
    Lap,
    LoggedEvent,
    RunLog,
    RunState,
    RunStatus,
    active_event_ids,
    run_state,
)


def record(log: RunLog, event: RunEvent, state: RunState | None = None) -> RunLog:
    """`log` with `event` appended, after checking it against the run's rules.

    `state` is `run_state(log)` when the caller holds it already (the live core does), so
    a command replays the run once, for the state after it.
    """
    if not isinstance(event, GateCrossing):
        _check(log, run_state(log) if state is None else state, event)
    return log.append(event)


def undoable(log: RunLog) -> tuple[LoggedEvent, ...]:
    """Events in effect that an undo may cancel, newest first (undos included: redo)."""
    active = active_event_ids(log)
    return tuple(e for e in reversed(log.entries) if e.event_id in active)


def _check(log: RunLog, state: RunState, event: RunEvent) -> None:
    if isinstance(event, Undo):
        _check_undo(log, event)
    elif isinstance(event, StartRun):
        if log.config.start_mode is not StartMode.STAFF:
            raise RuleViolation(
                "start: this run uses a rolling start; its first crossing starts the clock"
            )
        if state.status is not RunStatus.STAGED:
            raise RuleViolation("start: the run is {status}, expected staged", status=state.status)
    elif isinstance(event, ManualCrossing):
        if _after_end(state, event.t_ns):
            raise RuleViolation(
                "manual lap: the run is already {status}; pick a lap of it to correct, or "
                "stage the next racer",
                status=state.status,
            )
    elif isinstance(event, AdjustResets):
        if _after_end(state, event.at_ns):
            raise RuleViolation(
                "reset: the run is already {status}; pick a lap of it to correct, or "
                "stage the next racer",
                status=state.status,
            )
        _check_resets(state, event)
    elif isinstance(event, InvalidateLap | RestoreLap):
        _check_validity(state, event)
    elif isinstance(event, EndRun | TimeUp):
        if state.status not in (RunStatus.STAGED, RunStatus.RUNNING):
            raise RuleViolation("end: the run is already {status}", status=state.status)
    elif isinstance(event, MarkDnf) and state.status in (RunStatus.DNF, RunStatus.ABORTED):
        raise RuleViolation("dnf: the run is already {status}", status=state.status)
    elif isinstance(event, AbortRun) and state.status is RunStatus.ABORTED:
        raise RuleViolation("abort: the run is already aborted")


def _check_undo(log: RunLog, event: Undo) -> None:
    try:
        target = log.get(event.target_id)
    except UnknownEvent:
        raise UnknownEvent(
            "undo: got event id {event_id}, expected one of 1–{last_id}",
            event_id=event.target_id,
            last_id=len(log.entries),
        ) from None
    if event.target_id not in active_event_ids(log):
        kind = type(target).__name__
        raise RuleViolation(
            "undo: event {event_id} ({kind}) is already undone", event_id=event.target_id, kind=kind
        )


def _after_end(state: RunState, at_ns: int) -> bool:
    """Whether `at_ns` falls after the end of a run that is over (nothing to correct there)."""
    return state.is_over and state.ended_ns is not None and at_ns > state.ended_ns


def _open_lap_holds(state: RunState, at_ns: int) -> bool:
    start = state.current_lap_start_ns
    return start is not None and at_ns > start


def _check_resets(state: RunState, event: AdjustResets) -> None:
    if event.delta not in (1, -1):
        raise RuleViolation("resets: got delta {delta}, expected +1 or -1", delta=event.delta)
    lap = state.lap_at(event.at_ns)
    if lap is None and not _open_lap_holds(state, event.at_ns):
        raise RuleViolation("resets: no lap contains t={at_ns} ns", at_ns=event.at_ns)
    resets = lap.resets if lap is not None else state.current_lap_resets
    if event.delta < 0 and resets == 0:
        if lap is None:
            raise RuleViolation("resets: the current lap has no reset to remove")
        raise RuleViolation(
            "resets: lap {lap_number} has no reset to remove", lap_number=lap.number
        )


def _check_validity(state: RunState, event: InvalidateLap | RestoreLap) -> None:
    lap: Lap | None = state.lap_at(event.at_ns)
    if lap is None:
        raise RuleViolation(
            "lap validity: no completed lap contains t={at_ns} ns", at_ns=event.at_ns
        )
    staff_invalid = lap.invalidated_by_staff
    if isinstance(event, InvalidateLap) and staff_invalid:
        raise RuleViolation(
            "invalidate: lap {lap_number} is already invalidated by staff", lap_number=lap.number
        )
    if isinstance(event, RestoreLap) and not staff_invalid:
        raise RuleViolation(
            "restore: lap {lap_number} was not invalidated by staff", lap_number=lap.number
        )
