"""Mapping a decoder's clock (milliseconds since its race start) to host monotonic ns.

Each ``%T`` clock message gives one sample of ``offset = host_receipt_ns − decoder_ns``.
The running estimate is the median of the recent samples (robust to a late read).
Passings are placed with an *anchored* offset that only moves when the estimate has
moved more than `rebase_ns`, so lap durations are exact decoder time differences; the
slow drift between the two crystals is measured (ppm) and reported, never smeared
into individual laps. A sample far from the estimate means the decoder clock restarted
(power cycle, race start from elsewhere): the estimate starts over.

Pure: no clock reads; the caller passes receipt times.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from statistics import median_low
from typing import Final

NS_PER_MS: Final = 1_000_000


@dataclass(frozen=True, slots=True)
class ClockNote:
    """Something about the decoder clock worth telling staff (a ``drift`` notice)."""

    detail: str


class DecoderClock:
    """The running decoder → host offset estimate; see the module doc."""

    def __init__(
        self,
        window: int = 15,
        rebase_ns: int = 250 * NS_PER_MS,
        jump_ns: int = 2_000 * NS_PER_MS,
        drift_report_ppm: float = 200.0,
        drift_span_ns: int = 60_000 * NS_PER_MS,
    ) -> None:
        self._samples: deque[tuple[int, int]] = deque(maxlen=window)  # (host_ns, offset_ns)
        self._rebase_ns = rebase_ns
        self._jump_ns = jump_ns
        self._drift_report_ppm = drift_report_ppm
        self._drift_reported = False
        self._anchor_ns: int | None = None
        self._drift_span_ns = drift_span_ns
        self._base: tuple[int, int] | None = None  # (host ns, median offset) of a full window

    def reset(self) -> None:
        """Forget everything (the host restarted the decoder's race clock)."""
        self._samples.clear()
        self._anchor_ns = None
        self._drift_reported = False
        self._base = None

    def resume(self, anchor_ns: int) -> None:
        """Place passings with `anchor_ns` until clock samples say otherwise (a restarted
        host resuming the decoder's race, whose clock kept running)."""
        self.reset()
        self._anchor_ns = anchor_ns

    @property
    def offset_ns(self) -> int | None:
        """The median offset of the recent samples (None before the first)."""
        if not self._samples:
            return None
        return median_low(offset for _, offset in self._samples)

    @property
    def anchor_ns(self) -> int | None:
        """The offset passings are placed with."""
        return self._anchor_ns

    @property
    def drift_ppm(self) -> float | None:
        """How fast the offset moves, in ppm of host time, once `drift_span_ns` has passed.

        Measured between two medians far apart (the first full window and now), so the
        millisecond jitter of single samples does not pass for drift.
        """
        if self._base is None or not self._samples:
            return None
        span_ns = self._samples[-1][0] - self._base[0]
        current = self.offset_ns
        if span_ns < self._drift_span_ns or current is None:
            return None
        return (current - self._base[1]) / span_ns * 1e6

    def add_sample(self, decoder_ms: int, host_ns: int) -> ClockNote | None:
        """Take one clock message received at `host_ns`; return a note when staff should know."""
        offset_ns = host_ns - decoder_ms * NS_PER_MS
        current = self.offset_ns
        if current is not None and abs(offset_ns - current) > self._jump_ns:
            self.reset()
            self._samples.append((host_ns, offset_ns))
            self._anchor_ns = offset_ns
            jump_ms = (offset_ns - current) // NS_PER_MS
            return ClockNote(f"decoder clock restarted (jump of {jump_ms} ms); re-synchronised")
        self._samples.append((host_ns, offset_ns))
        estimate = self.offset_ns
        assert estimate is not None
        if self._base is None and len(self._samples) == self._samples.maxlen:
            self._base = (host_ns, estimate)
        if self._anchor_ns is None:
            self._anchor_ns = estimate
        elif abs(estimate - self._anchor_ns) > self._rebase_ns:
            moved_ms = (estimate - self._anchor_ns) / NS_PER_MS
            self._anchor_ns = estimate
            return ClockNote(f"decoder clock moved {moved_ms:.1f} ms from the host clock; rebased")
        return self._drift_note()

    def _drift_note(self) -> ClockNote | None:
        ppm = self.drift_ppm
        if ppm is None:
            return None
        if abs(ppm) < self._drift_report_ppm / 2:
            self._drift_reported = False
        elif abs(ppm) > self._drift_report_ppm and not self._drift_reported:
            self._drift_reported = True
            return ClockNote(f"decoder clock drifts {ppm:+.0f} ppm from the host clock")
        return None

    def to_host_ns(self, decoder_ms: int, received_ns: int) -> int:
        """Host monotonic ns of decoder time `decoder_ms` (received at `received_ns`).

        Before any clock sample, the first passing's receipt time anchors the offset.
        """
        if self._anchor_ns is None:
            self._anchor_ns = received_ns - decoder_ms * NS_PER_MS
        return decoder_ms * NS_PER_MS + self._anchor_ns
