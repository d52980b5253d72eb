"""`lapgate gate-test` (check a track's gates before doors open) and `lapgate emulate zround`."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from lapgate.board.i18n import cli_gettext as _
from lapgate.board.i18n import cli_ngettext as ngettext
from lapgate.config import load_settings
from lapgate.hardware.base import GateAdapter, GateNotice, build_gate
from lapgate.hardware.emulator import ZRoundDecoderModel, ZRoundEmulator
from lapgate.hardware.simulator import CarProfile, SimulatedGateAdapter
from lapgate.timer.events import Crossing
from lapgate.timer.units import format_s


@dataclass
class _Intervals:
    """Previous crossing instants per gate and per sensor, for the interval columns."""

    by_gate: dict[str, int] = field(default_factory=dict)
    by_source: dict[tuple[str, str], int] = field(default_factory=dict)

    def line(self, crossing: Crossing, origin_ns: int) -> str:
        """One printed line: gate, sensor, car, time since start, intervals (seconds)."""
        gate_prev = self.by_gate.get(crossing.gate_id)
        key = (crossing.gate_id, crossing.source)
        source_prev = self.by_source.get(key)
        self.by_gate[crossing.gate_id] = crossing.t_ns
        self.by_source[key] = crossing.t_ns
        gate_gap = format_s(None if gate_prev is None else crossing.t_ns - gate_prev)
        sensor_gap = format_s(None if source_prev is None else crossing.t_ns - source_prev)
        intervals = _("gate Δ {gate_gap} s  sensor Δ {sensor_gap} s").format(
            gate_gap=f"{gate_gap:>8}", sensor_gap=f"{sensor_gap:>8}"
        )
        return (
            f"{crossing.gate_id:<10} {crossing.source:<18} {crossing.transponder or '-':<10} "
            f"t={format_s(crossing.t_ns - origin_ns):>9} s  t_ns={crossing.t_ns}  {intervals}"
        )


def _notice_line(notice: GateNotice) -> str:
    sensor = f" [{notice.sensor}]" if notice.sensor else ""
    return f"{notice.gate_id:<10} ! {notice.kind}{sensor}: {notice.detail}"


@click.command(
    "gate-test",
    help=_(
        "Print live crossings per gate and sensor, with timestamps and intervals.\n\n"
        "Walk or push a car over each sensor: every press should print one line, both strips "
        "of a gate should show one crossing per car, and notices (stuck strip, silent sensor, "
        'decoder link) print with a "!".'
    ),
)
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("The lapgate TOML file whose [[gate]] sections to test."),
)
@click.option("--gate", "gate_ids", multiple=True, help=_("Only this gate id (repeatable)."))
@click.option("--duration-s", type=float, default=0.0, help=_("Stop after this long (0: Ctrl-C)."))
@click.option("--drive", default="test-car", show_default=True, help=_("Car on simulated gates."))
def gate_test(config_file: Path, gate_ids: tuple[str, ...], duration_s: float, drive: str) -> None:
    settings = load_settings(config_file)
    chosen = [g for g in settings.gate if not gate_ids or g.id in gate_ids]
    if not chosen:
        known = [g.id for g in settings.gate]
        raise click.BadParameter(
            _("got {gates}, expected gate ids from {known}").format(
                gates=list(gate_ids), known=known
            )
        )
    events: queue.Queue[Crossing | GateNotice] = queue.Queue()
    adapters: list[GateAdapter] = []
    intervals = _Intervals()
    origin_ns = time.monotonic_ns()
    try:
        for gate_settings in chosen:
            adapter = build_gate(gate_settings)
            adapter.start(events.put, events.put)
            adapters.append(adapter)
            if isinstance(adapter, SimulatedGateAdapter):
                adapter.drive(drive)
            listening = _("listening ({kind})").format(kind=gate_settings.kind)
            click.echo(f"{gate_settings.id:<10} {listening}")
        origin_ns = adapters[0].now_ns()
        _print_events(events, intervals, origin_ns, duration_s)
    except KeyboardInterrupt:
        pass
    finally:
        for adapter in adapters:
            adapter.stop()
    while not events.empty():  # what arrived while stopping
        _echo_event(events.get_nowait(), intervals, origin_ns)


def _print_events(
    events: queue.Queue[Crossing | GateNotice],
    intervals: _Intervals,
    origin_ns: int,
    duration_s: float,
) -> None:
    deadline = time.monotonic() + duration_s if duration_s > 0 else None
    while deadline is None or time.monotonic() < deadline:
        timeout_s = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
        try:
            event = events.get(timeout=timeout_s)
        except queue.Empty:
            continue
        _echo_event(event, intervals, origin_ns)


def _echo_event(event: Crossing | GateNotice, intervals: _Intervals, origin_ns: int) -> None:
    if isinstance(event, Crossing):
        click.echo(intervals.line(event, origin_ns))
    else:
        click.echo(_notice_line(event))


@click.group("emulate", help=_("Emulated timing hardware, to test a set-up without any."))
def emulate() -> None:
    pass


@emulate.command(
    "zround",
    help=_(
        "A virtual ZRound decoder with simulated cars on a pty or a TCP port.\n\n"
        'Point a [[gate]] of kind "serial" (url = the printed path) or "tcp" at it, then run '
        "`lapgate gate-test` or the board. Passings are re-sent on each (re)connection."
    ),
)
@click.option("--pty", "pty_link", type=click.Path(path_type=Path), help=_("Symlink to the pty."))
@click.option("--tcp", "tcp_port", type=int, help=_("Listen on this TCP port instead (0: any)."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("TCP address to bind."))
@click.option("--cars", default="01,02", show_default=True, help=_("Transponder ids (hex)."))
@click.option("--seed", default=1, show_default=True, help=_("Random seed of the simulated cars."))
@click.option("--mean-lap-s", default=11.0, show_default=True, help=_("Mean lap time (s)."))
@click.option(
    "--sigma-lap-s", default=0.8, show_default=True, help=_("Spread of lap times (s, 1 sigma).")
)
@click.option(
    "--missed-probability",
    default=0.0,
    show_default=True,
    help=_("Chance that a passage is not reported (0 to 1)."),
)
@click.option("--duration-s", type=float, default=0.0, help=_("Stop after this long (0: Ctrl-C)."))
def emulate_zround(
    pty_link: Path | None,
    tcp_port: int | None,
    host: str,
    cars: str,
    seed: int,
    mean_lap_s: float,
    sigma_lap_s: float,
    missed_probability: float,
    duration_s: float,
) -> None:
    transponders = [c.strip() for c in cars.split(",") if c.strip()]
    bad = [t for t in transponders if not all(ch in "0123456789abcdefABCDEF" for ch in t)]
    if bad or not transponders:
        raise click.BadParameter(
            _("got {cars!r}, expected comma-separated hex transponder ids").format(cars=cars)
        )
    profile = CarProfile(mean_lap_s, sigma_lap_s, missed_crossing_probability=missed_probability)
    model = ZRoundDecoderModel(transponders, profile, seed, now_ns=time.monotonic_ns())
    emulator = ZRoundEmulator(model)
    if tcp_port is not None:
        port = emulator.open_tcp(host, tcp_port)
        click.echo(
            _("ZRound decoder listening on {host}:{port} (socket://{host}:{port})").format(
                host=host, port=port
            )
        )
    else:
        path = emulator.open_pty(pty_link)
        click.echo(_("ZRound decoder on serial port {path}").format(path=path))
    emulator.start()
    stopped = threading.Event()
    try:
        stopped.wait(duration_s if duration_s > 0 else None)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    passings = len(model.passings)
    click.echo(
        ngettext("{n} passing this race", "{n} passings this race", passings).format(n=passings)
    )


def register(group: click.Group) -> None:
    group.add_command(gate_test)
    group.add_command(emulate)
