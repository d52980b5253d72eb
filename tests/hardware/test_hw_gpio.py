"""The GPIO gate on gpiozero's MockFactory, with a seam that injects exact (ticks, state)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory
from gpiozero.pins.pi import PiPin

from lapgate.config.settings import GpioGate
from lapgate.hardware.base import GateAdapter, GateError, GateNotice, build_gate
from lapgate.hardware.gpio import GpioGateAdapter, factory_label, open_factory
from lapgate.timer.events import Crossing, GateCrossing
from lapgate.timer.run import RunConfig, RunLog, run_state

PRESS, RELEASE = 0, 1  # the community gate: pull-up, strip pulls the pin low


def inject(pin: Any, ticks: float, state: int) -> None:
    """Fire the pin's real `when_changed` dispatch (weak reference and all) with exact ticks."""
    PiPin._call_when_changed(pin, ticks, state)


class Sink:
    def __init__(self) -> None:
        self.crossings: list[Crossing] = []
        self.notices: list[GateNotice] = []

    def crossing(self, crossing: Crossing) -> None:
        self.crossings.append(crossing)

    def notice(self, notice: GateNotice) -> None:
        self.notices.append(notice)

    def kinds(self) -> list[str]:
        return [n.kind for n in self.notices]


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    mock = MockFactory()
    yield mock
    mock.close()


@pytest.fixture
def gate(factory: MockFactory) -> Iterator[tuple[GpioGateAdapter, Sink]]:
    adapter = GpioGateAdapter(GpioGate(id="finish"), factory=factory)
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    yield adapter, sink
    adapter.stop()


def test_lap_durations_equal_tick_differences_to_the_nanosecond(
    gate: tuple[GpioGateAdapter, Sink],
) -> None:
    adapter, sink = gate
    pin = adapter.pin(17)
    # Instants up to ~30 days of uptime, nanosecond-exact in the float ticks gpiozero passes.
    edges_ns = [1_234_567_890_123, 1_245_891_234_567, 1_257_000_000_001, 2_592_000_123_456_789]
    for t_ns in edges_ns:
        inject(pin, t_ns / 1e9, PRESS)
        inject(pin, t_ns / 1e9 + 0.05, RELEASE)
    assert [c.t_ns for c in sink.crossings] == edges_ns
    log = RunLog(RunConfig(time_limit_ns=600 * 10**9, lockout_ns=10**9))
    for crossing in sink.crossings[:3]:
        log = log.append(GateCrossing(crossing))
    laps = run_state(log).laps
    assert [lap.duration_ns for lap in laps] == [
        edges_ns[1] - edges_ns[0],
        edges_ns[2] - edges_ns[1],
    ]


def test_the_callback_time_is_never_used(gate: tuple[GpioGateAdapter, Sink]) -> None:
    adapter, sink = gate
    inject(adapter.pin(17), 5.0, PRESS)  # an edge stamped long before "now"
    assert sink.crossings == [Crossing("finish", 5_000_000_000, "gpio:BCM17")]


def test_two_strips_pressed_by_one_car_give_one_crossing(
    gate: tuple[GpioGateAdapter, Sink],
) -> None:
    adapter, sink = gate
    front, back = adapter.pin(17), adapter.pin(27)
    inject(front, 10.000, PRESS)
    inject(back, 10.004, PRESS)
    inject(front, 10.030, RELEASE)
    inject(back, 10.035, RELEASE)
    assert [(c.t_ns, c.source) for c in sink.crossings] == [(10_000_000_000, "gpio:BCM17")]
    inject(back, 21.0, PRESS)  # next lap, the other strip first
    assert sink.crossings[-1] == Crossing("finish", 21_000_000_000, "gpio:BCM27")


def test_the_adapter_holds_its_handlers(gate: tuple[GpioGateAdapter, Sink]) -> None:
    adapter, sink = gate
    gc.collect()  # a lambda given to when_changed would be gone now
    pin = adapter.pin(27)
    assert pin.when_changed is not None
    pin.drive_low()  # MockFactory's own path: fires with the mock's timestamp
    assert len(sink.crossings) == 1
    assert sink.crossings[0].source == "gpio:BCM27"


def test_mock_drive_path_uses_the_edge_timestamp(gate: tuple[GpioGateAdapter, Sink]) -> None:
    adapter, sink = gate
    pin = adapter.pin(17)
    pin.drive_low()
    edge_s = pin._last_change
    assert sink.crossings[0].t_ns == round(edge_s * 1e9)


def test_a_bounce_gives_a_second_crossing_for_the_engine_lockout(
    gate: tuple[GpioGateAdapter, Sink],
) -> None:
    adapter, sink = gate
    pin = adapter.pin(17)
    inject(pin, 1.000, PRESS)
    inject(pin, 1.002, RELEASE)
    inject(pin, 1.003, PRESS)
    inject(pin, 1.020, RELEASE)
    inject(pin, 12.5, PRESS)
    assert [c.t_ns for c in sink.crossings] == [1_000_000_000, 1_003_000_000, 12_500_000_000]
    log = RunLog(RunConfig(lockout_ns=3 * 10**9))
    for crossing in sink.crossings:
        log = log.append(GateCrossing(crossing))
    state = run_state(log)
    assert [o.accepted for o in state.crossings] == [True, False, True]
    assert [lap.duration_ns for lap in state.laps] == [11_500_000_000]


def test_stuck_strip_is_reported_ignored_then_released(
    gate: tuple[GpioGateAdapter, Sink],
) -> None:
    adapter, sink = gate
    front, back = adapter.pin(17), adapter.pin(27)
    inject(front, 100.0, PRESS)
    adapter.check_health(104_000_000_000)
    assert "stuck" not in sink.kinds()
    adapter.check_health(105_500_000_000)
    adapter.check_health(106_000_000_000)
    assert sink.kinds().count("stuck") == 1
    stuck = next(n for n in sink.notices if n.kind == "stuck")
    assert stuck.sensor == "BCM17"
    inject(back, 110.0, PRESS)  # the working strip still times laps
    assert sink.crossings[-1].t_ns == 110_000_000_000
    inject(front, 111.0, RELEASE)
    assert sink.kinds()[-1] == "released"


def test_a_silent_sensor_is_reported(gate: tuple[GpioGateAdapter, Sink]) -> None:
    adapter, sink = gate
    back = adapter.pin(27)
    for lap in range(5):
        inject(back, 10.0 + 11 * lap, PRESS)
        inject(back, 10.1 + 11 * lap, RELEASE)
    silent = [n for n in sink.notices if n.kind == "silent"]
    assert [n.sensor for n in silent] == ["BCM17"]
    adapter.run_ended(9_000_000_000, 60_000_000_000)
    assert [n.sensor for n in sink.notices if n.kind == "silent"] == ["BCM17", "BCM17"]


def test_run_ended_is_quiet_when_both_sensors_worked(gate: tuple[GpioGateAdapter, Sink]) -> None:
    adapter, sink = gate
    inject(adapter.pin(17), 1.0, PRESS)
    inject(adapter.pin(27), 1.001, PRESS)
    adapter.run_ended(0, 2_000_000_000)
    assert "silent" not in sink.kinds()


def test_run_staged_does_nothing(gate: tuple[GpioGateAdapter, Sink]) -> None:
    adapter, sink = gate
    notices_before = list(sink.notices)
    adapter.run_staged("Ada Lovelap")  # real cars drive themselves onto the strips
    assert sink.crossings == [] and sink.notices == notices_before


def test_factory_is_reported_and_untimestamped_factories_refused(factory: MockFactory) -> None:
    sink = Sink()
    adapter = GpioGateAdapter(GpioGate(), factory=factory)
    adapter.start(sink.crossing, sink.notice)
    adapter.stop()
    assert sink.notices[0].kind == "factory"
    assert "mock" in sink.notices[0].detail

    class NativeFactory(MockFactory):  # named like gpiozero's polled factory
        pass

    native = NativeFactory()
    try:
        refusing = GpioGateAdapter(GpioGate(), factory=native)
        with pytest.raises(GateError, match="no kernel edge timestamps"):
            refusing.start(sink.crossing, sink.notice)
        allowed = GpioGateAdapter(GpioGate(allow_untimestamped=True), factory=native)
        allowed.start(sink.crossing, sink.notice)
        assert "NO edge timestamps" in sink.notices[-1].detail
        allowed.stop()
    finally:
        native.close()


def test_lgpio_fallback_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    import lapgate.hardware.gpio as gpio_module

    tried: list[str] = []

    def fake_load(name: str) -> Any:
        tried.append(name)
        if name == "lgpio":
            raise GateError("pin factory 'lgpio' cannot start: [Errno 13] Permission denied")
        return MockFactory()

    monkeypatch.setattr(gpio_module, "load_factory", fake_load)
    factory, fallbacks = open_factory("")
    try:
        assert tried == ["lgpio", "rpigpio"]
        assert "lgpio" in fallbacks[0]
    finally:
        factory.close()
    adapter = GpioGateAdapter(GpioGate())
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    adapter.stop()
    assert sink.notices[0].kind == "factory"
    assert sink.notices[0].detail.startswith("fallback: pin factory 'lgpio'")


def test_configured_factory_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    factory, fallbacks = open_factory("")
    assert (factory_label(factory), fallbacks) == ("mock", [])
    factory.close()
    with pytest.raises(GateError, match="expected one of"):
        open_factory("bogus")
    adapter = build_gate(GpioGate(pin_factory="mock"))
    assert isinstance(adapter, GpioGateAdapter)
    assert isinstance(adapter, GateAdapter)
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    assert adapter.factory_name == "mock"
    adapter.stop()


def test_inconsistent_edge_and_level_is_refused() -> None:
    with pytest.raises(GateError, match="counts the release"):
        GpioGateAdapter(GpioGate(edge="rising", active_high=False))
    with pytest.raises(GateError, match="repeat"):
        GpioGateAdapter(GpioGate(pins_bcm=[17, 17]))


def test_active_high_beam_and_both_edges(factory: MockFactory) -> None:
    adapter = GpioGateAdapter(
        GpioGate(pins_bcm=[22], pull_up=False, active_high=True, edge="both"), factory=factory
    )
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    try:
        pin = adapter.pin(22)
        inject(pin, 3.0, 1)
        inject(pin, 3.01, 0)
        inject(pin, 14.0, 1)
    finally:
        adapter.stop()
    assert [c.t_ns for c in sink.crossings] == [3_000_000_000, 14_000_000_000]


def test_a_sensor_active_at_start_up_is_reported_after_stuck_after_s(
    factory: MockFactory,
) -> None:
    # A beam sensor (active high) whose pull-up holds it "blocked" from the start: the
    # mock pin settles at its pull, so this is how a mock pin starts out active.
    settings = GpioGate(pins_bcm=[5, 6], pull_up=True, active_high=True, edge="rising")
    clock = [50_000_000_000]
    adapter = GpioGateAdapter(settings, clock_ns=lambda: clock[0], factory=factory)
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    try:
        inject(adapter.pin(6), 50.5, 0)  # sensor 6 is free; sensor 5 stays blocked
        adapter.check_health(clock[0] + 4_000_000_000)
        assert "stuck" not in sink.kinds()
        adapter.check_health(clock[0] + 6_000_000_000)
        assert [n.sensor for n in sink.notices if n.kind == "stuck"] == ["BCM5"]
        inject(adapter.pin(6), 60.0, 1)  # the stuck sensor does not block the gate
        assert [c.t_ns for c in sink.crossings] == [60_000_000_000]
    finally:
        adapter.stop()


def test_pigpio_microsecond_ticks_unwrap_across_the_32_bit_wrap() -> None:
    class PiGPIOFactory(MockFactory):  # named like gpiozero's pigpio factory
        def ticks(self) -> int:
            return 2**32 - 3_000_000  # 3 s before the daemon's tick wraps

    factory = PiGPIOFactory()
    adapter = GpioGateAdapter(GpioGate(), clock_ns=lambda: 7_000_000_000_000, factory=factory)
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    try:
        pin = adapter.pin(17)
        inject(pin, 2**32 - 1_000_000, PRESS)  # 2 s after the anchor
        inject(pin, 2**32 - 900_000, RELEASE)
        inject(pin, 10_000_001, PRESS)  # after the wrap: 11.000001 s later
    finally:
        adapter.stop()
        factory.close()
    assert [c.t_ns for c in sink.crossings] == [7_002_000_000_000, 7_013_000_001_000]


def test_a_pin_that_cannot_be_set_up_is_a_gate_error_naming_it(factory: MockFactory) -> None:
    # BCM 2 (I2C SDA) has a fixed pull-up on a Pi: a pull-down gate cannot use it.
    settings = GpioGate(pins_bcm=[22, 2], pull_up=False, active_high=True, edge="rising")
    adapter = GpioGateAdapter(settings, factory=factory)
    with pytest.raises(GateError, match="BCM 2: "):
        adapter.start(lambda c: None, lambda n: None)
    assert factory.pin(22).when_changed is None  # the half-opened gate let go of BCM 22


def test_two_tracks_on_one_pi_are_two_independent_gates(factory: MockFactory) -> None:
    sink = Sink()
    track_1 = GpioGateAdapter(GpioGate(id="t1", pins_bcm=[17, 27]), factory=factory)
    track_2 = GpioGateAdapter(GpioGate(id="t2", pins_bcm=[5, 6]), factory=factory)
    for adapter in (track_1, track_2):
        adapter.start(sink.crossing, sink.notice)
    try:
        inject(track_1.pin(17), 1.0, PRESS)  # a car on track 1 holds its strip…
        inject(track_2.pin(6), 1.2, PRESS)  # …while a car crosses on track 2
        inject(track_1.pin(27), 1.3, PRESS)
    finally:
        track_1.stop()
        track_2.stop()
    assert [(c.gate_id, c.t_ns) for c in sink.crossings] == [
        ("t1", 1_000_000_000),
        ("t2", 1_200_000_000),
    ]


def test_bounces_do_not_make_a_working_sensor_look_silent(
    gate: tuple[GpioGateAdapter, Sink],
) -> None:
    adapter, sink = gate
    front, back = adapter.pin(17), adapter.pin(27)
    for lap in range(6):
        t = 10.0 + 11 * lap
        inject(front, t, PRESS)
        inject(back, t + 0.004, PRESS)
        inject(back, t + 0.019, RELEASE)
        inject(front, t + 0.020, RELEASE)
        inject(front, t + 0.021, PRESS)  # bounce: a second crossing for the lockout
        inject(front, t + 0.030, RELEASE)
    assert len(sink.crossings) == 12
    assert "silent" not in sink.kinds()
