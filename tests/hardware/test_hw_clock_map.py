"""Decoder clock → host clock: median offset, exact decoder differences, drift and restarts."""

from __future__ import annotations

import itertools

from lapgate.hardware.clock_map import NS_PER_MS, DecoderClock

BASE_NS = 5_000_000_000_000  # host monotonic ns when the decoder clock read 0


def test_median_offset_ignores_late_samples() -> None:
    clock = DecoderClock()
    latencies_ms = [2, 3, 2, 40, 2, 3, 250, 2, 3]  # two reads arrived very late
    for second, late_ms in enumerate(latencies_ms):
        clock.add_sample(second * 1000, BASE_NS + (second * 1000 + late_ms) * NS_PER_MS)
    assert clock.offset_ns == BASE_NS + 3 * NS_PER_MS


def test_passings_keep_exact_decoder_differences_and_land_near_host_time() -> None:
    clock = DecoderClock()
    for second in range(10):
        clock.add_sample(second * 1000, BASE_NS + (second * 1000 + 2 + second % 3) * NS_PER_MS)
    lap_ms = [11_234, 10_987, 12_001]
    passings_ms = [9_000, 9_000 + lap_ms[0], 9_000 + lap_ms[0] + lap_ms[1]]
    hosts = [clock.to_host_ns(ms, BASE_NS + ms * NS_PER_MS + 5 * NS_PER_MS) for ms in passings_ms]
    assert [b - a for a, b in itertools.pairwise(hosts)] == [
        lap_ms[0] * NS_PER_MS,
        lap_ms[1] * NS_PER_MS,
    ]
    assert abs(hosts[0] - (BASE_NS + 9_000 * NS_PER_MS)) <= 5 * NS_PER_MS


def test_first_passing_anchors_when_no_clock_sample_came_yet() -> None:
    clock = DecoderClock()
    assert clock.to_host_ns(3_000, BASE_NS + 3_004 * NS_PER_MS) == BASE_NS + 3_004 * NS_PER_MS
    assert clock.to_host_ns(4_000, 0) == BASE_NS + 4_004 * NS_PER_MS


def test_drift_is_measured_and_reported_once() -> None:
    clock = DecoderClock(drift_report_ppm=200)
    notes = []
    for second in range(200):  # the decoder crystal runs 500 ppm slow
        host_ns = BASE_NS + second * 1_000_500_000
        note = clock.add_sample(second * 1000, host_ns)
        if note is not None:
            notes.append(note.detail)
    ppm = clock.drift_ppm
    assert ppm is not None and abs(ppm - 500) < 20
    assert len(notes) == 1 and "drifts +" in notes[0]


def test_jitter_alone_is_not_drift() -> None:
    clock = DecoderClock()
    for second in range(300):
        late_ms = (second * 7919) % 11  # 0–10 ms of read jitter, no drift
        note = clock.add_sample(second * 1000, BASE_NS + (second * 1000 + late_ms) * NS_PER_MS)
        assert note is None
    ppm = clock.drift_ppm
    assert ppm is not None and abs(ppm) < 50


def test_a_restarted_decoder_clock_is_noticed_and_resynchronised() -> None:
    clock = DecoderClock()
    for second in range(5):
        clock.add_sample(second * 1000, BASE_NS + second * 1000 * NS_PER_MS)
    restart_ns = BASE_NS + 60_000 * NS_PER_MS
    note = clock.add_sample(0, restart_ns)
    assert note is not None and "restarted" in note.detail
    assert clock.to_host_ns(1_500, 0) == restart_ns + 1_500 * NS_PER_MS


def test_reset_forgets() -> None:
    clock = DecoderClock()
    clock.add_sample(1000, BASE_NS)
    clock.reset()
    assert clock.offset_ns is None and clock.anchor_ns is None and clock.drift_ppm is None
