"""Race formats: how a racer's laps in a round become one ranking metric.

- ``fastest_lap``: the best single valid lap of any counting run. Tie-break: the next-best
  valid lap, then who set the time first.
- ``average``: the best window of N consecutive valid laps inside one run (an invalid lap
  breaks the window), best across runs. Tie-break: the best lap inside the window, then who
  set the window first.
- ``single_lap``: the first lap of a run only (a shootout's flying lap), best across runs.
  Tie-break: who set it first.
- ``lap_count``: a run ends when the car completes N laps (1–10, valid or not; see
  `timer.run`), and ranks by the total time of those N laps (DREM's finals format), best
  across runs. A run's N laps count only when every one of them is valid; a run that did
  not finish N valid laps keeps a partial result (its leading valid laps, fewer than N)
  that ranks after every complete one: more laps first, then the lower total. Tie-break:
  the best single lap among the counted laps, then who set the result first.

Runs that were aborted or marked DNF do not count; running runs do, so boards are live.
"First" means the earlier run in the round (`run_seq`), then the earlier lap end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from lapgate.timer.errors import RuleViolation
from lapgate.timer.run import Lap, RunStatus

AVERAGE_LAPS_RANGE = (2, 10)
LAP_COUNT_RANGE = (1, 10)
COUNTING = frozenset({RunStatus.RUNNING, RunStatus.FINISHED})
NO_TIME = 2**63  # sorts after every real time in a tie-break


class FormatKind(StrEnum):
    FASTEST_LAP = "fastest_lap"
    AVERAGE = "average"
    SINGLE_LAP = "single_lap"
    LAP_COUNT = "lap_count"


@dataclass(frozen=True, slots=True)
class Format:
    """A ranking format; `laps` is N for ``average`` and ``lap_count``, and 1 otherwise."""

    kind: FormatKind = FormatKind.FASTEST_LAP
    laps: int = 1

    def __post_init__(self) -> None:
        ranges = {FormatKind.AVERAGE: AVERAGE_LAPS_RANGE, FormatKind.LAP_COUNT: LAP_COUNT_RANGE}
        low, high = ranges.get(self.kind, (1, 1))
        if not low <= self.laps <= high:
            expected = f"{low}–{high}" if low != high else str(low)
            raise RuleViolation(
                "{kind} laps: got {laps}, expected {expected}",
                kind=self.kind,
                laps=self.laps,
                expected=expected,
            )

    @classmethod
    def average(cls, laps: int = 3) -> Format:
        return cls(FormatKind.AVERAGE, laps)

    @classmethod
    def lap_count(cls, laps: int = 3) -> Format:
        return cls(FormatKind.LAP_COUNT, laps)

    @classmethod
    def of(cls, kind: FormatKind, average_laps: int = 3, race_laps: int = 3) -> Format:
        """The format `kind` with its N taken from the matching setting."""
        if kind is FormatKind.AVERAGE:
            return cls.average(average_laps)
        if kind is FormatKind.LAP_COUNT:
            return cls.lap_count(race_laps)
        return cls(kind)

    @property
    def finish_laps(self) -> int | None:
        """The laps after which a run of this format ends, or None (it runs on the clock)."""
        return self.laps if self.kind is FormatKind.LAP_COUNT else None

    @property
    def label(self) -> str:
        if self.kind is FormatKind.AVERAGE:
            return f"average of {self.laps} consecutive laps"
        if self.kind is FormatKind.LAP_COUNT:
            return f"total time of {self.laps} lap{'s' if self.laps > 1 else ''}"
        return "fastest lap" if self.kind is FormatKind.FASTEST_LAP else "single lap"


@dataclass(frozen=True, slots=True)
class RunLaps:
    """One run's completed laps, as a format needs them. `run_seq` orders runs in a round."""

    run_id: str
    run_seq: int
    status: RunStatus
    laps: tuple[Lap, ...]


@dataclass(frozen=True, slots=True)
class LapRef:
    run_id: str
    lap_number: int
    duration_ns: int


@dataclass(frozen=True, slots=True)
class Metric:
    """A racer's result in a format: the laps it comes from and how it sorts.

    `laps_short` is how many laps a lap-count result lacks (0: complete; always 0 in the
    other formats); a result that lacks laps sorts after every one that lacks fewer.
    """

    total_ns: int
    laps: tuple[LapRef, ...]
    tiebreak_ns: int  # next-best lap (fastest), best lap in window (average); NO_TIME if none
    set_at: tuple[int, int]  # (run_seq, end_ns of its last lap): who set it first
    is_total: bool = False  # the value is the total of the laps (lap count), not their mean
    laps_short: int = 0

    @property
    def value(self) -> Fraction:
        """The exact ranking value in ns (a mean for averages, the total for lap counts)."""
        if self.is_total:
            return Fraction(self.total_ns)
        return Fraction(self.total_ns, len(self.laps))

    @property
    def value_ns(self) -> int:
        return round(self.value)

    @property
    def complete(self) -> bool:
        return self.laps_short == 0

    def sort_key(self) -> tuple[int, Fraction, int, tuple[int, int]]:
        return (self.laps_short, self.value, self.tiebreak_ns, self.set_at)


def _counting(runs: Iterable[RunLaps]) -> list[RunLaps]:
    return sorted((r for r in runs if r.status in COUNTING), key=lambda r: r.run_seq)


def _ref(run: RunLaps, lap: Lap) -> LapRef:
    return LapRef(run.run_id, lap.number, lap.duration_ns)


def fastest_lap(runs: Iterable[RunLaps]) -> Metric | None:
    valid = [
        (lap.duration_ns, (run.run_seq, lap.end_ns), run, lap)
        for run in _counting(runs)
        for lap in run.laps
        if lap.valid
    ]
    if not valid:
        return None
    valid.sort(key=lambda item: (item[0], item[1]))
    duration, set_at, run, lap = valid[0]
    next_best = valid[1][0] if len(valid) > 1 else NO_TIME
    return Metric(duration, (_ref(run, lap),), next_best, set_at)


def single_lap(runs: Iterable[RunLaps]) -> Metric | None:
    firsts = [
        (run.laps[0].duration_ns, (run.run_seq, run.laps[0].end_ns), run)
        for run in _counting(runs)
        if run.laps and run.laps[0].valid
    ]
    if not firsts:
        return None
    duration, set_at, run = min(firsts, key=lambda item: (item[0], item[1]))
    return Metric(duration, (_ref(run, run.laps[0]),), NO_TIME, set_at)


def best_window(laps: Sequence[Lap], size: int) -> tuple[Lap, ...] | None:
    """The run's best window of `size` consecutive valid laps (earliest on equal totals)."""
    best: tuple[Lap, ...] | None = None
    best_key: tuple[int, int] | None = None
    for start in range(len(laps) - size + 1):
        window = tuple(laps[start : start + size])
        if not all(lap.valid for lap in window):
            continue
        key = (sum(lap.duration_ns for lap in window), min(lap.duration_ns for lap in window))
        if best_key is None or key < best_key:
            best, best_key = window, key
    return best


def average(runs: Iterable[RunLaps], size: int) -> Metric | None:
    candidates: list[Metric] = []
    for run in _counting(runs):
        window = best_window(run.laps, size)
        if window is None:
            continue
        candidates.append(
            Metric(
                total_ns=sum(lap.duration_ns for lap in window),
                laps=tuple(_ref(run, lap) for lap in window),
                tiebreak_ns=min(lap.duration_ns for lap in window),
                set_at=(run.run_seq, window[-1].end_ns),
            )
        )
    return min(candidates, key=Metric.sort_key, default=None)


def lap_count_laps(laps: Sequence[Lap], size: int) -> tuple[Lap, ...]:
    """The laps of a run that count in a `size`-lap race: all `size` first laps when every
    one is valid, else the valid laps before the first invalid one (fewer than `size`)."""
    counted: list[Lap] = []
    for lap in laps[:size]:
        if not lap.valid:
            break
        counted.append(lap)
    return tuple(counted)


def lap_count(runs: Iterable[RunLaps], size: int) -> Metric | None:
    candidates: list[Metric] = []
    for run in _counting(runs):
        counted = lap_count_laps(run.laps, size)
        if not counted:
            continue
        candidates.append(
            Metric(
                total_ns=sum(lap.duration_ns for lap in counted),
                laps=tuple(_ref(run, lap) for lap in counted),
                tiebreak_ns=min(lap.duration_ns for lap in counted),
                set_at=(run.run_seq, counted[-1].end_ns),
                is_total=True,
                laps_short=size - len(counted),
            )
        )
    return min(candidates, key=Metric.sort_key, default=None)


def metric(fmt: Format, runs: Iterable[RunLaps]) -> Metric | None:
    """The racer's metric in `fmt` from their runs in the round, or None without one."""
    if fmt.kind is FormatKind.AVERAGE:
        return average(runs, fmt.laps)
    if fmt.kind is FormatKind.LAP_COUNT:
        return lap_count(runs, fmt.laps)
    if fmt.kind is FormatKind.SINGLE_LAP:
        return single_lap(runs)
    return fastest_lap(runs)
