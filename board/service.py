"""The composition root: gates → engine host → store → web app → HTTP server.

`Service` is what `lapgate run` and `lapgate demo` start. It builds one adapter per
configured gate, gives each track's runs its gate's clock, rebuilds the race from the
store, and serves the board with werkzeug's threaded server (Socket.IO in threading mode:
gate callbacks come from OS threads, see docs/architecture.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store.api import RaceStore
from lapgate.board.wallclock import WallClock, check_wall_clock, utc_now
from lapgate.board.web import create_app
from lapgate.board.web.server import Connections, LimitedWSGIServer, ServerLimits
from lapgate.config.settings import GpioGate, Settings, SimulatedGate

log = logging.getLogger(__name__)


class BoardServer:
    """The board app served on its own thread (port 0 picks a free port), within `limits`
    (board.web.server: connection caps, request deadlines)."""

    def __init__(
        self, app: Flask, host: str, port: int, limits: ServerLimits | None = None
    ) -> None:
        self._server = LimitedWSGIServer(host, port, app, limits or ServerLimits())
        self._thread: threading.Thread | None = None

    @property
    def connections(self) -> Connections:
        return self._server.connections

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="board-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


@dataclass
class Service:
    """Everything `lapgate run` runs, in start order; `stop` reverses it."""

    settings: Settings
    store: RaceStore
    gates: Mapping[str, Any] = field(default_factory=dict)  # gate id → GateAdapter
    secret_key: str | None = None
    host_ip: str = "127.0.0.1"
    port: int = 5000
    wall_clock: WallClock = utc_now  # only for the start-up date check (board.wallclock)
    state_dir: Path | None = None  # the data folder: staff logins kept across restarts
    race: Race = field(init=False)
    host: EngineHost = field(init=False)
    app: Flask = field(init=False)
    server: BoardServer | None = field(init=False, default=None)
    sync: Any = field(init=False, default=None)  # board.sync.pusher.Pusher when syncing

    def __post_init__(self) -> None:
        clocks: dict[str, Callable[[], int]] = {
            gate.id: time.monotonic_ns for gate in self.settings.gate
        }
        for gate_id, adapter in self.gates.items():
            clocks[gate_id] = adapter.now_ns
        self.race = Race(self.store, self.settings, clocks, clock_ids(self.settings))
        self.host = EngineHost(self.race, gates=self.gates)
        self.app = create_app(
            self.settings, self.host, secret_key=self.secret_key, state_dir=self.state_dir
        )

    def start(self, serve: bool = True) -> None:
        check_wall_clock(self.app, self.store, self.wall_clock)  # before anything is stored
        self.host.start()
        from lapgate.board.sync.control import start_sync

        self.sync = start_sync(self.settings, self.store, self.app, self.host)
        for gate_id, adapter in self.gates.items():
            try:
                adapter.start(self.host.on_crossing, self.host.on_notice)
            except Exception as exc:  # the board still serves: staff time by hand
                log.error("gate %s did not start: %s", gate_id, exc)
                self.host.submit(partial(_failed, gate_id=gate_id, detail=str(exc)))
                continue
            self.host.submit(partial(_started, gate_id=gate_id))
        if serve:
            limits = ServerLimits.of(self.settings.board)
            self.server = BoardServer(self.app, self.host_ip, self.port, limits)
            self.server.start()

    def stop(self) -> None:
        if self.sync is not None:
            self.sync.stop()
        if self.server is not None:
            self.server.stop()
        delivery = self.app.extensions.get("lapgate.delivery")
        if delivery is not None:
            delivery.stop()
        for adapter in self.gates.values():
            try:
                adapter.stop()
            except Exception:
                log.exception("gate %s failed to stop", getattr(adapter, "gate_id", "?"))
        self.host.stop()
        close = getattr(self.store, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                log.exception("store failed to close")

    @property
    def base_url(self) -> str:
        port = self.server.port if self.server else self.port
        shown = "127.0.0.1" if self.host_ip in ("0.0.0.0", "::") else self.host_ip
        return f"http://{shown}:{port}"


def clock_ids(settings: Settings) -> dict[str, str]:
    """Each gate's clock identity: the boot's, or this process's for a sped-up simulator."""
    from lapgate.board.clock import clock_id

    return {
        gate.id: clock_id(isinstance(gate, SimulatedGate) and gate.speed_factor != 1)
        for gate in settings.gate
    }


def _started(race: Race, gate_id: str) -> None:
    race.gate_notice(gate_id, "started", "started", 0)


def _failed(race: Race, gate_id: str, detail: str) -> None:
    race.gate_notice(gate_id, "failed", f"did not start: {detail}", 0)


class UnavailableGate:
    """Stands in for a gate whose adapter could not be built; `start` says why."""

    def __init__(self, gate_id: str, error: Exception) -> None:
        self.gate_id = gate_id
        self.error = error

    def start(self, on_crossing: Any, on_notice: Any) -> None:
        raise self.error

    def stop(self) -> None:
        """Nothing was started."""

    def now_ns(self) -> int:
        return time.monotonic_ns()

    def run_staged(self, racer: str) -> None:
        """Nothing to do: no gate is timing; staff add laps by hand."""

    def run_ended(self, start_ns: int, end_ns: int) -> None:
        """Nothing to check."""


def build_gates(settings: Settings, state_dir: Path | None = None) -> dict[str, Any]:
    """One adapter per configured gate (hardware.base.build_gate).

    A gate that cannot be built (no GPIO on this machine, a missing library) becomes an
    `UnavailableGate`: the board still starts, its health light says why, and staff can
    time with manual laps until it is fixed.
    """
    from lapgate.board.clock import boot_id
    from lapgate.board.startup import gate_problems
    from lapgate.hardware.base import GateError, build_gate

    problems = gate_problems(settings)  # one sentence with the fix, checked up front
    gates: dict[str, Any] = {}
    for gate in settings.gate:
        problem = problems.get(gate.id, "")
        if problem and isinstance(gate, GpioGate):
            gates[gate.id] = UnavailableGate(gate.id, GateError(problem))
            continue
        if problem:  # a decoder keeps retrying: plugging it in later is enough
            log.error("gate %s: %s", gate.id, problem)
        try:
            gates[gate.id] = build_gate(gate, state_dir=state_dir, boot_id=boot_id())
        except Exception as exc:
            log.error("gate %s cannot be built: %s", gate.id, exc)
            gates[gate.id] = UnavailableGate(gate.id, exc)
    return gates
