"""A run as an event log, and its state as a fold of that log.

`RunLog` is an append-only tuple of `LoggedEvent`s with ids 1, 2, …; `run_state(log)`
replays it from scratch into a `RunState`. Replaying is cheap (a run holds a few hundred
events) and makes persistence, crash recovery, undo and audit one mechanism: store the log,
replay it.

A run with `finish_laps` N (a lap-count race) finishes at the crossing that completes its
Nth lap, valid or not: the end is known the moment the car crosses, and a later staff
correction of a lap's validity or resets changes the result, never the end, so it never
reopens the run. Crossings after that one are recorded and ignored ("after the run
finished"). Undoing a false crossing among the N merges two laps: the run's Nth lap then
ends at the next recorded crossing; when there is none the run is running again (its car
is still out; the live core ends it where it ended before once the track has moved on).

`record(log, event)` checks a staff action against the rules before appending it; gate
crossings are always recorded, even when the rules ignore them, so that nothing a sensor
reported is ever lost and every ignored crossing carries its reason.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import StrEnum

from lapgate.timer.errors import RuleViolation, UnknownEvent
from lapgate.timer.events import (
    AbortRun,
    AdjustResets,
    EndRun,
    ExpiryPolicy,
    GateCrossing,
    InvalidateLap,
    LapSource,
    ManualCrossing,
    MarkDnf,
    RestoreLap,
    RunEvent,
    StartMode,
    StartRun,
    TimeUp,
    Undo,
)
from lapgate.timer.units import NS_PER_S, format_s, ms_from_ns

TIME_LIMIT_RANGE_S = (10, 600)
MAX_RESETS_RANGE = (0, 10)
FINISH_LAPS_RANGE = (1, 10)


class RunStatus(StrEnum):
    STAGED = "staged"
    RUNNING = "running"
    FINISHED = "finished"
    DNF = "dnf"
    ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class RunConfig:
    """The rules one run is timed under. Durations in nanoseconds."""

    time_limit_ns: int = 120 * NS_PER_S
    start_mode: StartMode = StartMode.FIRST_CROSSING
    expiry: ExpiryPolicy = ExpiryPolicy.FINISH_LAP
    grace_ns: int = 60 * NS_PER_S
    lockout_ns: int = 3 * NS_PER_S
    max_resets_per_lap: int | None = None  # None: unlimited
    finish_laps: int | None = None  # a lap-count race: the run ends with its Nth lap

    def __post_init__(self) -> None:
        low, high = TIME_LIMIT_RANGE_S
        if not low * NS_PER_S <= self.time_limit_ns <= high * NS_PER_S:
            raise RuleViolation(
                "time_limit_ns: got {time_limit_ns}, expected {low}–{high} s in ns",
                time_limit_ns=self.time_limit_ns,
                low=low,
                high=high,
            )
        if self.grace_ns < 0:
            raise RuleViolation("grace_ns: got {grace_ns}, expected ≥ 0", grace_ns=self.grace_ns)
        if self.lockout_ns < 0:
            raise RuleViolation(
                "lockout_ns: got {lockout_ns}, expected ≥ 0", lockout_ns=self.lockout_ns
            )
        low, high = MAX_RESETS_RANGE
        if self.max_resets_per_lap is not None and not low <= self.max_resets_per_lap <= high:
            raise RuleViolation(
                "max_resets_per_lap: got {max_resets_per_lap}, expected {low}–{high} "
                "or None (unlimited)",
                max_resets_per_lap=self.max_resets_per_lap,
                low=low,
                high=high,
            )
        low, high = FINISH_LAPS_RANGE
        if self.finish_laps is not None and not low <= self.finish_laps <= high:
            raise RuleViolation(
                "finish_laps: got {finish_laps}, expected {low}–{high} or None (timed run)",
                finish_laps=self.finish_laps,
                low=low,
                high=high,
            )


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    event_id: int
    event: RunEvent


@dataclass(frozen=True, slots=True)
class RunLog:
    """A run's configuration and its append-only event log."""

    config: RunConfig = field(default_factory=RunConfig)
    entries: tuple[LoggedEvent, ...] = ()

    @property
    def next_id(self) -> int:
        return len(self.entries) + 1

    def append(self, event: RunEvent) -> RunLog:
        """The log with `event` appended under the next id; no rule checks (see `record`)."""
        return RunLog(self.config, (*self.entries, LoggedEvent(self.next_id, event)))

    def get(self, event_id: int) -> RunEvent:
        if not 1 <= event_id <= len(self.entries):
            raise UnknownEvent(
                "event id: got {event_id}, expected 1–{last_id}",
                event_id=event_id,
                last_id=len(self.entries),
            )
        return self.entries[event_id - 1].event


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the rules set a lap or a crossing aside: `text` in English (logs, the API) and
    `code` with its values `params`, for pages that word it in their own language.
    Codes: resets (resets, allowed), staff, staff_note (note); for crossings finished,
    ended, not_started, lockout (gap_ms, lockout_ms), time_limit, grace."""

    code: str
    text: str
    params: tuple[tuple[str, int | str], ...] = ()

    def parts(self) -> dict[str, int | str]:
        """The code and its values as one flat mapping (as the views send it)."""
        return {"code": self.code, **dict(self.params)}


@dataclass(frozen=True, slots=True)
class Lap:
    """A completed lap. `end_event_id` is the log id of the crossing that ended it."""

    number: int
    start_ns: int
    end_ns: int
    resets: int
    valid: bool
    invalid_reasons: tuple[str, ...]
    end_source: LapSource
    end_event_id: int
    invalidated_by_staff: bool = False
    invalid_why: tuple[Reason, ...] = ()  # `invalid_reasons` with their codes

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns


@dataclass(frozen=True, slots=True)
class CrossingOutcome:
    """What the rules made of one crossing in the log (undone crossings are not listed)."""

    event_id: int
    t_ns: int
    source: LapSource
    accepted: bool
    reason: str = ""  # why it was ignored; empty when accepted
    why: Reason | None = None  # `reason` with its code


@dataclass(frozen=True, slots=True)
class RunState:
    """Everything derived from a run's log. Equal logs (after undo) give equal states."""

    status: RunStatus
    started_ns: int | None
    deadline_ns: int | None
    ended_ns: int | None
    laps: tuple[Lap, ...]
    current_lap_start_ns: int | None  # set while the run is running and a lap is open
    current_lap_resets: int
    crossings: tuple[CrossingOutcome, ...]

    @property
    def is_over(self) -> bool:
        return self.status in (RunStatus.FINISHED, RunStatus.DNF, RunStatus.ABORTED)

    def lap_at(self, at_ns: int) -> Lap | None:
        """The completed lap with start < `at_ns` ≤ end, if any."""
        ends = [lap.end_ns for lap in self.laps]
        index = bisect.bisect_left(ends, at_ns)
        if index < len(self.laps) and self.laps[index].start_ns < at_ns:
            return self.laps[index]
        return None


def active_event_ids(log: RunLog) -> frozenset[int]:
    """Ids of events in effect: not cancelled by an undo that is itself in effect."""
    cancelled: set[int] = set()
    active: set[int] = set()
    for entry in reversed(log.entries):  # an undo only targets earlier events
        if entry.event_id in cancelled:
            continue
        active.add(entry.event_id)
        if isinstance(entry.event, Undo):
            cancelled.add(entry.event.target_id)
    return frozenset(active)


@dataclass(slots=True)
class _Boundary:
    t_ns: int
    event_id: int
    source: LapSource


@dataclass(slots=True)
class _Fold:
    """Working state of one replay; `run_state` turns it into a frozen RunState."""

    config: RunConfig
    started_ns: int | None = None
    stop_ns: int | None = None  # EndRun / TimeUp
    finished_ns: int | None = None  # the run finished by the clock or a finishing crossing
    boundaries: list[_Boundary] = field(default_factory=list)
    outcomes: list[CrossingOutcome] = field(default_factory=list)

    @property
    def deadline_ns(self) -> int | None:
        if self.started_ns is None:
            return None
        return self.started_ns + self.config.time_limit_ns

    def ignore(self, event_id: int, t_ns: int, source: LapSource, why: Reason) -> None:
        self.outcomes.append(CrossingOutcome(event_id, t_ns, source, False, why.text, why))

    def crossing(self, event_id: int, t_ns: int, source: LapSource) -> None:
        """Apply one crossing, in time order, to the lap boundaries."""
        config = self.config
        if self.finished_ns is not None:
            return self.ignore(event_id, t_ns, source, Reason("finished", "after the run finished"))
        if self.stop_ns is not None and t_ns > self.stop_ns:
            return self.ignore(event_id, t_ns, source, Reason("ended", "after the run was ended"))
        staff_start = config.start_mode is StartMode.STAFF
        if staff_start and (self.started_ns is None or t_ns <= self.started_ns):
            return self.ignore(
                event_id, t_ns, source, Reason("not_started", "before staff started the run")
            )
        # One car per run, so one lockout: a crossing too soon after the last accepted one
        # (any sensor, or a manual lap) is the same car pressing the strips again, or a
        # second press of Manual lap (a double click): it never makes a lap that short.
        if self.boundaries and t_ns - self.boundaries[-1].t_ns < config.lockout_ns:
            gap_ns = t_ns - self.boundaries[-1].t_ns
            text = (
                f"{format_s(gap_ns)} s after the last crossing, "
                f"inside the {format_s(config.lockout_ns)} s lockout"
            )
            params = (("gap_ms", ms_from_ns(gap_ns)), ("lockout_ms", ms_from_ns(config.lockout_ns)))
            return self.ignore(event_id, t_ns, source, Reason("lockout", text, params))
        deadline = self.deadline_ns
        if deadline is not None and t_ns > deadline:
            hard = config.expiry is ExpiryPolicy.HARD
            late_limit = deadline + (0 if hard else config.grace_ns)
            if t_ns > late_limit:
                self.finished_ns = late_limit
                why = (
                    Reason("time_limit", "after the time limit")
                    if hard
                    else Reason("grace", "after the grace period")
                )
                return self.ignore(event_id, t_ns, source, why)
            self.finished_ns = t_ns  # the lap in progress completes within the grace
        self.outcomes.append(CrossingOutcome(event_id, t_ns, source, True))
        if self.started_ns is None:  # rolling start: this crossing opens lap 1
            self.started_ns = t_ns
        self.boundaries.append(_Boundary(t_ns, event_id, source))
        if config.finish_laps is not None and self.completed_laps >= config.finish_laps:
            self.finished_ns = t_ns  # the lap-count race is run
        return None

    @property
    def completed_laps(self) -> int:
        if self.config.start_mode is StartMode.STAFF:
            return len(self.boundaries)
        return max(0, len(self.boundaries) - 1)


def _sorted_crossings(log: RunLog, active: frozenset[int]) -> list[tuple[int, int, LapSource]]:
    found: list[tuple[int, int, LapSource]] = []
    for entry in log.entries:
        if entry.event_id not in active:
            continue
        event = entry.event
        if isinstance(event, GateCrossing):
            found.append((event.t_ns, entry.event_id, LapSource.GATE))
        elif isinstance(event, ManualCrossing):
            found.append((event.t_ns, entry.event_id, LapSource.MANUAL))
    found.sort(key=lambda item: (item[0], item[1]))
    return found


def run_state(log: RunLog) -> RunState:
    """Replay `log` into the run's state."""
    active = active_event_ids(log)
    events = [entry.event for entry in log.entries if entry.event_id in active]
    fold = _Fold(log.config)
    starts = [e.t_ns for e in events if isinstance(e, StartRun)]
    if starts and log.config.start_mode is StartMode.STAFF:
        fold.started_ns = min(starts)
    stops = [e.t_ns for e in events if isinstance(e, EndRun | TimeUp)]
    fold.stop_ns = min(stops) if stops else None
    for t_ns, event_id, source in _sorted_crossings(log, active):
        fold.crossing(event_id, t_ns, source)
    laps = _laps(fold, events)
    status, ended_ns = _status(fold, events)
    open_lap = status is RunStatus.RUNNING and (fold.boundaries or fold.started_ns is not None)
    current_start: int | None = None
    if open_lap:
        current_start = fold.boundaries[-1].t_ns if fold.boundaries else fold.started_ns
    current_resets = _resets_after(events, current_start) if current_start is not None else 0
    return RunState(
        status=status,
        started_ns=fold.started_ns,
        deadline_ns=fold.deadline_ns,
        ended_ns=ended_ns,
        laps=laps,
        current_lap_start_ns=current_start,
        current_lap_resets=current_resets,
        crossings=tuple(sorted(fold.outcomes, key=lambda o: (o.t_ns, o.event_id))),
    )


def _status(fold: _Fold, events: list[RunEvent]) -> tuple[RunStatus, int | None]:
    aborts = [e.t_ns for e in events if isinstance(e, AbortRun)]
    if aborts:
        return RunStatus.ABORTED, min(aborts)
    dnfs = [e.t_ns for e in events if isinstance(e, MarkDnf)]
    if dnfs:
        return RunStatus.DNF, min(dnfs)
    ends = [t for t in (fold.finished_ns, fold.stop_ns) if t is not None]
    if ends:
        return RunStatus.FINISHED, min(ends)
    if fold.started_ns is not None:
        return RunStatus.RUNNING, None
    return RunStatus.STAGED, None


def _lap_spans(fold: _Fold) -> list[tuple[int, int]]:
    """(start_ns, index of the boundary that ends it) for every completed lap."""
    bounds = fold.boundaries
    if fold.config.start_mode is StartMode.STAFF and fold.started_ns is not None:
        starts = [fold.started_ns] + [b.t_ns for b in bounds[:-1]]
        return [(s, i) for i, s in enumerate(starts)] if bounds else []
    return [(bounds[i - 1].t_ns, i) for i in range(1, len(bounds))]


def _laps(fold: _Fold, events: list[RunEvent]) -> tuple[Lap, ...]:
    spans = _lap_spans(fold)
    ends = [fold.boundaries[i].t_ns for _, i in spans]
    resets = [0] * len(spans)
    marks: list[list[InvalidateLap | RestoreLap]] = [[] for _ in spans]
    for event in events:
        if isinstance(event, AdjustResets | InvalidateLap | RestoreLap):
            index = bisect.bisect_left(ends, event.at_ns)
            if index >= len(spans) or spans[index][0] >= event.at_ns:
                continue  # belongs to the open lap, or to no lap
            if isinstance(event, AdjustResets):
                resets[index] = max(0, resets[index] + event.delta)
            else:
                marks[index].append(event)
    max_resets = fold.config.max_resets_per_lap
    laps: list[Lap] = []
    for number, ((start_ns, end_index), lap_resets, lap_marks) in enumerate(
        zip(spans, resets, marks, strict=True), start=1
    ):
        end = fold.boundaries[end_index]
        reasons: list[Reason] = []
        if max_resets is not None and lap_resets > max_resets:
            text = f"{lap_resets} resets, {max_resets} allowed"
            params = (("resets", lap_resets), ("allowed", max_resets))
            reasons.append(Reason("resets", text, params))
        last_mark = lap_marks[-1] if lap_marks else None
        by_staff = isinstance(last_mark, InvalidateLap)
        if isinstance(last_mark, InvalidateLap) and last_mark.reason:
            note = last_mark.reason
            reasons.append(Reason("staff_note", f"staff: {note}", (("note", note),)))
        elif isinstance(last_mark, InvalidateLap):
            reasons.append(Reason("staff", "staff"))
        laps.append(
            Lap(
                number,
                start_ns,
                end.t_ns,
                lap_resets,
                not reasons,
                tuple(r.text for r in reasons),
                end.source,
                end.event_id,
                by_staff,
                tuple(reasons),
            )
        )
    return tuple(laps)


def _resets_after(events: list[RunEvent], start_ns: int) -> int:
    total = 0
    for event in events:
        if isinstance(event, AdjustResets) and event.at_ns > start_ns:
            total = max(0, total + event.delta)
    return total
