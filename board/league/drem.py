"""DeepRacer Event Management (DREM) compatible CSVs, and the lap statistics behind them.

- `drem-laps-csv`: one row per completed lap, DREM's per-lap columns
  (``Race ID`` is lapgate's run id: a DREM "race" is one racer's go on the track).
- `drem-summary-csv`: one row per racer and track, DREM's per-racer summary columns.

Definitions (also used by the printed organiser summary, `board.league.printout`):
``Races`` counts runs; ``Fastest Lap`` and ``Avg Lap`` are over valid laps; ``Completion
Ratio (%)`` is valid laps / all completed laps × 100, one decimal. Laps of aborted or DNF
runs are listed and counted, as in `laps-csv`. ``Race Date`` is the event's date (a label:
a Pi without a clock may not know the day). Cells go through the same formula guard as
the other CSV exports (`board.league.exports.neutralise`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from lapgate.board.domain import EventInfo, Racer
from lapgate.board.league.exports import write_csv
from lapgate.board.league.summit import RoundRuns
from lapgate.timer.units import ms_from_ns

DREM_LAP_COLUMNS: Final = (
    "Race ID",
    "Username",
    "User ID",
    "Track",
    "Raced By Proxy",
    "Race Date",
    "Lap #",
    "Lap Time (ms)",
    "Lap Time (s)",
    "Resets",
    "Valid",
)
DREM_SUMMARY_COLUMNS: Final = (
    "Username",
    "User ID",
    "Track",
    "Races",
    "Total Laps",
    "Valid Laps",
    "Invalid Laps",
    "Fastest Lap (ms)",
    "Fastest Lap (s)",
    "Avg Lap (ms)",
    "Avg Lap (s)",
    "Total Resets",
    "Completion Ratio (%)",
)


@dataclass(frozen=True, slots=True)
class LapStats:
    """One racer's laps on one track (times in whole ms; None without a valid lap)."""

    racer_id: str
    alias: str
    user_id: str | None
    track: str
    runs: int
    laps: int
    valid_laps: int
    resets: int
    fastest_ms: int | None
    avg_ms: int | None

    @property
    def invalid_laps(self) -> int:
        return self.laps - self.valid_laps

    @property
    def completion_pct(self) -> float | None:
        return round(100 * self.valid_laps / self.laps, 1) if self.laps else None


def run_track(rr: RoundRuns, run_track_id: str) -> str:
    """The track a run was raced on: its own, else its round's (empty: the only track)."""
    return run_track_id or rr.round.track_id or "track"


def _seconds(ms: int | None) -> str | None:
    """Whole milliseconds as seconds with three decimals (``"9.750"``)."""
    return None if ms is None else f"{ms / 1000:.3f}"


def drem_laps_csv(event: EventInfo, rounds: Sequence[RoundRuns], racers: dict[str, Racer]) -> str:
    """Every completed lap of the event's runs, in DREM's per-lap columns."""
    rows: list[list[object]] = []
    for rr in sorted(rounds, key=lambda r: r.round.seq):
        for run, state in rr.runs:
            racer = racers.get(run.racer_id)
            for lap in state.laps:
                lap_ms = ms_from_ns(lap.duration_ns)
                rows.append(
                    [
                        run.run_id,
                        racer.alias if racer else run.racer_id,
                        racer.user_id if racer else None,
                        run_track(rr, run.track_id),
                        run.proxy,
                        event.date,
                        lap.number,
                        lap_ms,
                        _seconds(lap_ms),
                        lap.resets,
                        lap.valid,
                    ]
                )
    return write_csv(DREM_LAP_COLUMNS, rows)


def lap_stats(rounds: Sequence[RoundRuns], racers: dict[str, Racer]) -> list[LapStats]:
    """Each racer's laps per track over `rounds`, ordered by track, then alias."""
    runs: dict[tuple[str, str], int] = {}
    laps: dict[tuple[str, str], list[tuple[int, bool, int]]] = {}
    for rr in rounds:
        for run, state in rr.runs:
            key = (run_track(rr, run.track_id), run.racer_id)
            runs[key] = runs.get(key, 0) + 1
            laps.setdefault(key, []).extend(
                (lap.duration_ns, lap.valid, lap.resets) for lap in state.laps
            )
    stats = []
    for (track, racer_id), count in runs.items():
        racer = racers.get(racer_id)
        done = laps.get((track, racer_id), [])
        valid_ns = [ns for ns, valid, _ in done if valid]
        stats.append(
            LapStats(
                racer_id=racer_id,
                alias=racer.alias if racer else racer_id,
                user_id=racer.user_id if racer else None,
                track=track,
                runs=count,
                laps=len(done),
                valid_laps=len(valid_ns),
                resets=sum(resets for _, _, resets in done),
                fastest_ms=ms_from_ns(min(valid_ns)) if valid_ns else None,
                avg_ms=ms_from_ns(Fraction(sum(valid_ns), len(valid_ns))) if valid_ns else None,
            )
        )
    stats.sort(key=lambda s: (s.track, s.alias.casefold(), s.racer_id))
    return stats


def drem_summary_csv(rounds: Sequence[RoundRuns], racers: dict[str, Racer]) -> str:
    """One row per racer and track, in DREM's summary columns."""
    rows = [
        [
            s.alias,
            s.user_id,
            s.track,
            s.runs,
            s.laps,
            s.valid_laps,
            s.invalid_laps,
            s.fastest_ms,
            _seconds(s.fastest_ms),
            s.avg_ms,
            _seconds(s.avg_ms),
            s.resets,
            None if s.completion_pct is None else f"{s.completion_pct:.1f}",
        ]
        for s in lap_stats(rounds, racers)
    ]
    return write_csv(DREM_SUMMARY_COLUMNS, rows)
