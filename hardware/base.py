"""The gate adapter protocol: what every piece of timing hardware looks like to the service.

An adapter turns the outside world (GPIO edges, decoder bytes, a simulation) into
`timer.events.Crossing` values and `GateNotice` health reports, pushed to two callables
the service gives to `start`. Adapters never apply the lockout: the engine does, so a
double trigger is visible in the run's log instead of silently dropped.

Times are integer nanoseconds on the host's monotonic clock (`time.monotonic_ns`), or
on the adapter's own clock when `now_ns` says otherwise (the simulator at a speed factor
above 1). Callbacks may run on an adapter's own thread: keep them short and thread-safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from lapgate.config.settings import GpioGate, SerialGate, SimulatedGate, TcpGate
from lapgate.timer.errors import LapgateError
from lapgate.timer.events import Crossing

CrossingSink = Callable[[Crossing], None]

# The kinds of GateNotice, and what each means for staff.
NOTICE_KINDS: Final[dict[str, str]] = {
    "stuck": "a sensor has been active too long (strip stuck, beam blocked)",
    "silent": "a sensor did not trigger while the gate was in use",
    "disconnected": "the decoder link is down; retrying",
    "reconnected": "the decoder link is back",
    "bad_bytes": "the decoder sent bytes that are not a valid frame",
    "drift": "the decoder clock drifts from the host clock",
    "factory": "which GPIO pin factory is active, or a fallback to another one",
    "off_track": "the simulated car left the track: suggest a reset",
    "released": "a stuck sensor is free again",
}


@dataclass(frozen=True, slots=True)
class GateNotice:
    """A health or status report from a gate adapter.

    `kind` is one of `NOTICE_KINDS`; `t_ns` is when it was observed (adapter clock);
    `detail` is a sentence for staff; `sensor` names the sensor or link when relevant.
    """

    gate_id: str
    t_ns: int
    kind: str
    detail: str
    sensor: str = ""


NoticeSink = Callable[[GateNotice], None]


class GateError(LapgateError, OSError):
    """A gate cannot be opened or used as configured (pins, port, pin factory)."""


class UnknownProtocol(LapgateError, LookupError):
    """A decoder protocol name that no parser is registered for."""


@runtime_checkable
class GateAdapter(Protocol):
    """One gate: start it with two sinks, stop it when done.

    `start` may raise `GateError` (bad pins, refused pin factory); a decoder that is not
    plugged in is not an error: the adapter reports ``disconnected`` and keeps retrying.
    `stop` is idempotent and joins any thread the adapter started.
    """

    gate_id: str

    def start(self, on_crossing: CrossingSink, on_notice: NoticeSink) -> None: ...

    def stop(self) -> None: ...

    def now_ns(self) -> int:
        """The current instant on the clock this adapter's `t_ns` values use."""
        ...

    def run_staged(self, racer: str) -> None:
        """Tell the adapter a run was just staged on a track timed by this gate.

        `racer` is the racer's alias (a display string). Called on the engine host's
        thread, so it returns at once and does not raise. The simulator puts that racer's
        car on track (it crosses the line after an approach: a rolling start, then laps
        until `run_ended`); real gates have nothing to do.
        """
        ...

    def run_ended(self, start_ns: int, end_ns: int) -> None:
        """Tell the adapter a run used the gate from `start_ns` to `end_ns`.

        The GPIO adapter reports each sensor that did not trigger in that window
        (kind ``silent``); the simulator takes the run's car off the track; other
        adapters may ignore it.
        """
        ...


def build_gate(
    settings: GpioGate | SerialGate | TcpGate | SimulatedGate,
    clock_ns: Callable[[], int] = time.monotonic_ns,
    state_dir: Path | None = None,
    boot_id: str = "",
) -> GateAdapter:
    """The adapter for one gate's settings (chosen by `settings.kind`).

    `state_dir` (the daemon's data folder) lets a decoder resume its race after a restart
    on boot `boot_id` (`hardware.decoder_session`). Imports are local so a service using
    only the simulator never imports gpiozero.
    """
    if isinstance(settings, SimulatedGate):
        from lapgate.hardware.simulator import SimulatedGateAdapter

        return SimulatedGateAdapter(settings, clock_ns=clock_ns)
    if isinstance(settings, GpioGate):
        from lapgate.hardware.gpio import GpioGateAdapter  # type: ignore[import-not-found,unused-ignore]

        return GpioGateAdapter(settings, clock_ns=clock_ns)
    if isinstance(settings, SerialGate | TcpGate):
        from lapgate.hardware.decoder import DecoderGateAdapter  # type: ignore[import-not-found,unused-ignore]

        session_file = None if state_dir is None else state_dir / f"decoder-{settings.id}.json"
        return DecoderGateAdapter(
            settings, clock_ns=clock_ns, session_file=session_file, boot_id=boot_id
        )
    raise GateError(
        "gate settings {settings!r}: expected a gpio, serial, tcp or simulated gate",
        settings=settings,
    )
