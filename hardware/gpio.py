"""The GPIO gate: pressure strips (or beams) on Raspberry Pi pins, timed by edge timestamps.

Each configured pin is a *sensor*; all sensors of one `GpioGate` form one gate. The gate
reports the first edge of each activation (the edge that finds no other working sensor
active), stamped with the edge's own timestamp from the pin factory (`ticks`), never
the time Python ran the callback. There is no `bounce_time` and no lockout here: the
engine applies the lockout, so a bounce is visible in the run's log.

The adapter talks to gpiozero pins directly (no Device, no polling). Pins hold their
`when_changed` callback only by weak reference, so the adapter keeps its handler
objects alive itself (`self._handlers`); a lambda-style pitfall cannot happen.

Pin factories: the one named in the settings, else ``GPIOZERO_PIN_FACTORY``, else
lgpio with a fallback chain like gpiozero's (a fallback is reported: lgpio falls back
when it cannot create its notification pipe in the working directory). Factories that
deliver kernel timestamps: lgpio, pigpio (and mock for tests). Others are refused
unless the settings say ``allow_untimestamped = true``.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from lapgate.config.settings import GpioGate
from lapgate.hardware.base import CrossingSink, GateError, GateNotice, NoticeSink
from lapgate.timer.events import Crossing

log = logging.getLogger(__name__)

FACTORY_CLASSES: Final[dict[str, str]] = {
    "lgpio": "gpiozero.pins.lgpio:LGPIOFactory",
    "rpigpio": "gpiozero.pins.rpigpio:RPiGPIOFactory",
    "pigpio": "gpiozero.pins.pigpio:PiGPIOFactory",
    "native": "gpiozero.pins.native:NativeFactory",
    "mock": "gpiozero.pins.mock:MockFactory",
}
# Factory class name → our name, for factories whose `ticks` are the edge's own time.
TIMESTAMPED: Final[dict[str, str]] = {
    "LGPIOFactory": "lgpio",
    "PiGPIOFactory": "pigpio",
    "MockFactory": "mock",
}
_PIGPIO_WRAP_US: Final = 2**32  # pigpio ticks are u32 microseconds
SILENT_AFTER_CROSSINGS: Final = 3  # a sensor missing this many gate crossings in a row
_HEALTH_INTERVAL_S: Final = 0.2


def factory_label(factory: Any) -> str:
    """Our short name of a gpiozero pin factory instance (``"lgpio"``, ``"rpigpio"``, …)."""
    cls_name = type(factory).__name__
    for name, path in FACTORY_CLASSES.items():
        if path.endswith(":" + cls_name):
            return name
    return cls_name


def load_factory(name: str) -> Any:
    """Instantiate the pin factory `name`; raise GateError naming why it failed."""
    path = FACTORY_CLASSES.get(name)
    if path is None:
        raise GateError(
            "pin factory: got {name!r}, expected one of {known}",
            name=name,
            known=sorted(FACTORY_CLASSES),
        )
    module_name, cls_name = path.split(":")
    try:
        return getattr(importlib.import_module(module_name), cls_name)()
    except Exception as exc:  # gpiozero raises anything from ImportError to OSError
        if name == "lgpio":
            raise GateError(
                "pin factory {name!r} cannot start: {error} (lgpio creates a notification pipe "
                "in the working directory: run from a writable directory (systemd: "
                "WorkingDirectory=) or set LG_WD)",
                name=name,
                error=exc,
            ) from exc
        raise GateError("pin factory {name!r} cannot start: {error}", name=name, error=exc) from exc


def open_factory(configured: str) -> tuple[Any, list[str]]:
    """The pin factory to use and the fallbacks that happened on the way (messages).

    An explicitly chosen factory (settings, then ``GPIOZERO_PIN_FACTORY``) must work;
    otherwise try lgpio, rpigpio, pigpio, native in turn, like gpiozero does.
    """
    chosen = configured or os.environ.get("GPIOZERO_PIN_FACTORY", "").strip().lower()
    if chosen:
        return load_factory(chosen), []
    fallbacks: list[str] = []
    for name in ("lgpio", "rpigpio", "pigpio", "native"):
        try:
            return load_factory(name), fallbacks
        except GateError as exc:
            fallbacks.append(str(exc))
    raise GateError("no GPIO pin factory works here: {fallbacks}", fallbacks="; ".join(fallbacks))


@dataclass
class _Sensor:
    """One pin's state, guarded by the adapter's lock."""

    bcm: int
    pin: Any = None
    active: bool = False
    activated_ns: int = 0
    stuck: bool = False
    missed_crossings: int = 0
    silent_reported: bool = False
    edge_times_ns: deque[int] = field(default_factory=lambda: deque(maxlen=4096))

    @property
    def name(self) -> str:
        return f"BCM{self.bcm}"


class _EdgeHandler:
    """The callable given to `pin.when_changed`; the adapter holds it (pins hold weakly)."""

    def __init__(self, adapter: GpioGateAdapter, index: int) -> None:
        self._adapter = adapter
        self._index = index

    def __call__(self, ticks: float, state: int | bool) -> None:
        self._adapter._edge(self._index, ticks, bool(state))


class GpioGateAdapter:
    """A `GateAdapter` for one gate of GPIO sensors (see the module doc)."""

    def __init__(
        self,
        settings: GpioGate,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        factory: Any = None,
    ) -> None:
        counting_active = {"falling": False, "rising": True}.get(settings.edge)
        if counting_active is not None and counting_active != settings.active_high:
            raise GateError(
                "gate {gate_id!r}: edge {edge!r} with active_high={active_high} counts "
                "the release, not the press; expected edge {expected_edge!r} or 'both'",
                gate_id=settings.id,
                edge=settings.edge,
                active_high=settings.active_high,
                expected_edge="rising" if settings.active_high else "falling",
            )
        if len(set(settings.pins_bcm)) != len(settings.pins_bcm):
            raise GateError(
                "gate {gate_id!r}: pins_bcm {pins_bcm} repeat a pin",
                gate_id=settings.id,
                pins_bcm=settings.pins_bcm,
            )
        self.gate_id = settings.id
        self._settings = settings
        self._clock_ns = clock_ns
        self._factory = factory
        self._own_factory = factory is None
        self._sensors = [_Sensor(bcm) for bcm in settings.pins_bcm]
        self._handlers = [_EdgeHandler(self, i) for i in range(len(self._sensors))]
        self._lock = threading.Lock()
        self._stuck_after_ns = round(settings.stuck_after_s * 1e9)
        self._last_crossing_ns: int | None = None
        self._pigpio_anchor: tuple[int, int] | None = None  # (tick µs, host ns)
        self._on_crossing: CrossingSink = _drop
        self._on_notice: NoticeSink = _drop
        self._stopping = threading.Event()
        self._health: threading.Thread | None = None

    @property
    def factory_name(self) -> str:
        return factory_label(self._factory) if self._factory is not None else ""

    def pin(self, bcm: int) -> Any:
        """The gpiozero pin of sensor `bcm` (for tests and `gate-test`)."""
        for sensor in self._sensors:
            if sensor.bcm == bcm:
                return sensor.pin
        raise KeyError(bcm)

    def now_ns(self) -> int:
        return self._clock_ns()

    def start(self, on_crossing: CrossingSink, on_notice: NoticeSink) -> None:
        """Open the factory and pins, report the factory, start the health watch."""
        if self._health is not None:
            return
        fallbacks: list[str] = []
        if self._factory is None:
            self._factory, fallbacks = open_factory(self._settings.pin_factory)
        try:
            self._check_factory(fallbacks, on_notice)
            self._on_crossing, self._on_notice = on_crossing, on_notice
            if self.factory_name == "pigpio":
                self._pigpio_anchor = (int(self._factory.ticks()), self._clock_ns())
            self._open_pins()
        except Exception:
            self._close_pins()
            self._close_own_factory()
            raise
        self._stopping.clear()
        self._health = threading.Thread(
            target=self._watch_health, name=f"gpio-health-{self.gate_id}", daemon=True
        )
        self._health.start()

    def stop(self) -> None:
        health, self._health = self._health, None
        if health is None:
            return
        self._stopping.set()
        health.join()
        self._close_pins()
        self._close_own_factory()

    def _close_own_factory(self) -> None:
        if self._own_factory and self._factory is not None:
            self._factory.close()
            self._factory = None

    def run_staged(self, racer: str) -> None:
        """Nothing to do: real cars drive onto the strips themselves."""

    def run_ended(self, start_ns: int, end_ns: int) -> None:
        """Report each sensor with no edge from `start_ns` to `end_ns` (kind ``silent``)."""
        with self._lock:
            quiet = [
                s.name
                for s in self._sensors
                if not any(start_ns <= t <= end_ns for t in s.edge_times_ns)
            ]
        for name in quiet:
            detail = f"sensor {name} did not trigger during the run: check its wiring"
            self._on_notice(GateNotice(self.gate_id, end_ns, "silent", detail, name))

    def check_health(self, now_ns: int) -> None:
        """Report sensors active for longer than `stuck_after_s` (kind ``stuck``)."""
        stuck: list[_Sensor] = []
        with self._lock:
            for sensor in self._sensors:
                held_ns = now_ns - sensor.activated_ns
                if sensor.active and not sensor.stuck and held_ns > self._stuck_after_ns:
                    sensor.stuck = True
                    stuck.append(sensor)
        for sensor in stuck:
            detail = (
                f"sensor {sensor.name} active for over {self._settings.stuck_after_s:g} s "
                "(strip stuck or beam blocked); the gate ignores it until it is released"
            )
            self._on_notice(GateNotice(self.gate_id, now_ns, "stuck", detail, sensor.name))

    def _check_factory(self, fallbacks: list[str], on_notice: NoticeSink) -> None:
        name = self.factory_name
        now_ns = self._clock_ns()
        for message in fallbacks:
            log.warning("gate %s: pin factory fallback: %s", self.gate_id, message)
            on_notice(GateNotice(self.gate_id, now_ns, "factory", f"fallback: {message}"))
        stamped = type(self._factory).__name__ in TIMESTAMPED
        quality = "edge timestamps" if stamped else "NO edge timestamps (callback time)"
        level = logging.INFO if stamped else logging.WARNING
        log.log(level, "gate %s: GPIO pin factory %s (%s)", self.gate_id, name, quality)
        on_notice(GateNotice(self.gate_id, now_ns, "factory", f"pin factory {name} ({quality})"))
        if not stamped and not self._settings.allow_untimestamped:
            raise GateError(
                "gate {gate_id!r}: pin factory {name!r} gives no kernel edge "
                "timestamps, so lap times would include callback delays; expected "
                "lgpio or pigpio (lgpio creates a notification pipe in the working "
                "directory: run from a writable directory (systemd: WorkingDirectory=) "
                "or set LG_WD), or allow_untimestamped = true for practice",
                gate_id=self.gate_id,
                name=name,
            )

    def _open_pins(self) -> None:
        for sensor, handler in zip(self._sensors, self._handlers, strict=True):
            try:
                sensor.pin = self._open_pin(sensor.bcm, handler)
            except Exception as exc:  # gpiozero: PinInvalidPin, GPIOPinInUse, OSError…
                raise GateError(
                    "gate {gate_id!r}: cannot open GPIO BCM {bcm}: {error}",
                    gate_id=self.gate_id,
                    bcm=sensor.bcm,
                    error=exc,
                ) from exc
            sensor.active = self._is_active(bool(sensor.pin.state))
            sensor.activated_ns = self._clock_ns()  # held since start-up at least

    def _open_pin(self, bcm: int, handler: _EdgeHandler) -> Any:
        pin = self._factory.pin(bcm)
        pin.function = "input"
        pin.pull = "up" if self._settings.pull_up else "down"
        pin.bounce = None
        pin.edges = "both"  # both edges: releases end activations and clear stuck sensors
        pin.when_changed = handler
        return pin

    def _close_pins(self) -> None:
        for sensor in self._sensors:
            if sensor.pin is not None:
                sensor.pin.when_changed = None
                sensor.pin.close()
                sensor.pin = None

    def _is_active(self, level: bool) -> bool:
        return level == self._settings.active_high

    def _ticks_ns(self, ticks: float) -> int:
        """An edge's `ticks` as host monotonic nanoseconds.

        lgpio, mock and the local factories give seconds on CLOCK_MONOTONIC (float: exact
        to the nanosecond for the first ~50 days of uptime). pigpio gives the daemon's
        u32 microsecond tick, which wraps every 71.6 min: it is placed relative to the
        previous edge (or the start-up anchor) modulo the wrap.
        """
        anchor = self._pigpio_anchor
        if anchor is None:
            return round(ticks * 1e9)
        diff_us = (int(ticks) - anchor[0]) % _PIGPIO_WRAP_US
        if diff_us > _PIGPIO_WRAP_US // 2:  # an edge from before the anchor
            diff_us -= _PIGPIO_WRAP_US
        t_ns = anchor[1] + diff_us * 1000
        self._pigpio_anchor = (int(ticks), t_ns)
        return t_ns

    def _edge(self, index: int, ticks: float, level: bool) -> None:
        """Every edge of every sensor (the factory's callback thread)."""
        released: _Sensor | None = None
        crossing: Crossing | None = None
        silent: list[str] = []
        with self._lock:
            t_ns = self._ticks_ns(ticks)
            sensor = self._sensors[index]
            gate_was_active = any(s.active and not s.stuck for s in self._sensors)
            sensor.edge_times_ns.append(t_ns)
            sensor.missed_crossings = 0
            sensor.silent_reported = False
            now_active = self._is_active(level)
            if now_active and not sensor.active:
                sensor.activated_ns = t_ns
            if not now_active and sensor.stuck:
                sensor.stuck, released = False, sensor
            sensor.active = now_active
            if self._counts(level) and not gate_was_active:
                crossing = Crossing(self.gate_id, t_ns, f"gpio:{sensor.name}")
                silent = self._note_crossing(t_ns)
        if released is not None:
            detail = f"sensor {released.name} released"
            self._on_notice(GateNotice(self.gate_id, t_ns, "released", detail, released.name))
        if crossing is not None:
            self._on_crossing(crossing)
            for name in silent:
                detail = (
                    f"sensor {name} missed the last {SILENT_AFTER_CROSSINGS} crossings "
                    "of its gate: check its wiring"
                )
                self._on_notice(GateNotice(self.gate_id, t_ns, "silent", detail, name))

    def _counts(self, level: bool) -> bool:
        edge = self._settings.edge
        return edge == "both" or (edge == "rising") == level

    def _note_crossing(self, t_ns: int) -> list[str]:
        """Count, per sensor, gate crossings it took no part in (caller holds the lock).

        Any edge of a sensor resets its count (in `_edge`), so only a sensor with no edge
        at all over several crossings (not one whose strip bounced) is reported.
        """
        previous_ns, self._last_crossing_ns = self._last_crossing_ns, t_ns
        silent: list[str] = []
        if previous_ns is None or len(self._sensors) < 2:
            return silent
        for sensor in self._sensors:
            last_edge_ns = sensor.edge_times_ns[-1] if sensor.edge_times_ns else None
            if last_edge_ns is None or last_edge_ns < previous_ns:
                sensor.missed_crossings += 1
                if sensor.missed_crossings >= SILENT_AFTER_CROSSINGS and not sensor.silent_reported:
                    sensor.silent_reported = True
                    silent.append(sensor.name)
        return silent

    def _watch_health(self) -> None:
        while not self._stopping.wait(_HEALTH_INTERVAL_S):
            self.check_health(self._clock_ns())


def _drop(_: object) -> None:
    """A sink for an adapter that has not been started."""
