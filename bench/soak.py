"""A soak of the venue daemon: many screens, a decoder at race pace, staff at work, a restart.

One real `lapgate run` times an emulated ZRound decoder over TCP (one car, laps of
`--lap-s`), `--clients` screens hold /live websockets (raw engine.io, one thread for all),
staff act every `--action-every-s` seconds over HTTP (queue, resets, lap validity, the next
racer when a run is over) and the daemon is restarted (SIGTERM, start) once, halfway.

Prints every minute RSS and the screens' state, then: decoder passings made during runs,
stored, lost (target 0) and doubled; screens' update gaps (a gap is a resync, not a loss);
staff actions applied / refused / failed; RSS at the start and the end (target: flat
within 10 %).

Usage: ``python bench/soak.py [--duration-s 3600] [--clients 500] [--lap-s 8]``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import select
import signal
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import websocket
from robust_support import (
    Daemon,
    Staff,
    decoder,
    free_port,
    passings_lost,
    rss_mb,
    stored_crossings,
    venue_config,
)

READERS = 8  # threads reading the screens' sockets (select over a share each)
HEAD = re.compile(r'42/live,\["(\w+)",\{"seq":(\d+)')  # messages put their seq first


class Screens:
    """`count` /live websockets served by one thread; counts updates and `seq` gaps."""

    def __init__(self, port: int, count: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
        self.count = count
        self.sockets: dict[int, websocket.WebSocket] = {}
        self.seq: dict[int, int] = {}
        self.updates = 0
        self.gaps = 0
        self.reconnects = 0
        self.refused = 0
        self.dropped: Counter[str] = Counter()  # why screens lost their socket
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.max_lag_s = 0.0  # the longest a reader thread was busy between two selects
        self._threads = [
            threading.Thread(target=self._serve, args=(i,), name=f"screens-{i}", daemon=True)
            for i in range(READERS)
        ]

    def connect_missing(self) -> None:
        """Open sockets until `count` are open (after a restart too)."""
        for _ in range(self.count - len(self.sockets)):
            try:
                ws = websocket.create_connection(self.url, timeout=10)
                ws.recv()  # engine.io open
                ws.send("40/live,")
            except (OSError, websocket.WebSocketException):
                self.refused += 1
                continue
            with self._lock:
                self.sockets[ws.sock.fileno()] = ws
                self.seq[ws.sock.fileno()] = -1

    def start(self) -> None:
        for thread in self._threads:  # first: the first sockets' pings are due while the
            thread.start()  # last ones still connect
        self.connect_missing()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for ws in self.sockets.values():
            ws.close()

    def _serve(self, reader: int) -> None:
        while not self._stop.is_set():
            with self._lock:
                ready_for = [fd for fd in self.sockets if fd % READERS == reader]
            if not ready_for:
                time.sleep(0.1)
                continue
            readable, _, _ = select.select(ready_for, [], [], 0.5)
            busy_from = time.monotonic()
            for fd in readable:
                self._read(fd)
            self.max_lag_s = max(self.max_lag_s, time.monotonic() - busy_from)

    def _read(self, fd: int) -> None:
        """Every frame that arrived on `fd`, those websocket-client already buffered too
        (select would not wake for them, and a ping left there times the screen out)."""
        ws = self.sockets[fd]
        while True:
            try:
                message = ws.recv()
            except (OSError, websocket.WebSocketException) as exc:
                self._drop(fd, type(exc).__name__)
                return
            if not message:  # the server closed: a restart
                self._drop(fd, "closed by the server")
                return
            self._handle(fd, ws, message)
            if not ws.frame_buffer.recv_buffer:
                return

    def _drop(self, fd: int, why: str) -> None:
        with self._lock:
            self.sockets.pop(fd, None)
            self.seq.pop(fd, None)
            self.dropped[why] += 1

    def _handle(self, fd: int, ws: websocket.WebSocket, message: Any) -> None:
        if message == "2":
            ws.send("3")
        elif isinstance(message, str) and (found := HEAD.match(message)):
            # only the head is read: parsing 500 copies of every update would make this
            # thread, not the board, the bottleneck (and time its screens out)
            name, seq = found.group(1), int(found.group(2))
            if name == "snapshot":
                self.seq[fd] = seq
            elif name == "update":
                gap = self.seq[fd] >= 0 and seq != self.seq[fd] + 1
                self.seq[fd] = seq
                with self._lock:
                    self.updates += 1
                    self.gaps += gap


class StaffWork:
    """Staff actions in turn; counts what was applied, refused (4xx) and failed (5xx)."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.answers: Counter[str] = Counter()
        self.racers = itertools.count(1)
        self.turn = itertools.cycle(["queue", "reset", "unreset", "invalidate", "restore"])

    def act(self) -> None:
        try:
            run = (self.staff.get("/api/tracks/track-1") or {}).get("run")
        except (OSError, ValueError):
            self.answers["failed"] += 1
            return
        if run is None or run.get("status") in ("finished", "dnf", "aborted"):
            command, payload = "stage", {}
        else:
            laps = [lap["number"] for lap in run.get("laps", [])]
            kind = next(self.turn)
            if kind == "queue" or not laps:
                command, payload = "queue_add", {"alias": f"Racer {next(self.racers)}"}
                payload["car"] = "car-1"
            elif kind in ("reset", "unreset"):
                command, payload = "reset", {"delta": 1 if kind == "reset" else -1}
                payload["lap"] = laps[-1]
            elif kind == "invalidate":
                command, payload = "invalidate", {"lap": laps[-1], "reason": "soak"}
            else:
                command, payload = "restore", {"lap": laps[-1]}
        try:
            status = self.staff.act(command, **payload).status_code
        except OSError:
            status = 599
        self.answers["applied" if status == 200 else "refused" if status < 500 else "failed"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=float, default=3600)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--lap-s", type=float, default=8.0, help="the car's lap (race pace)")
    parser.add_argument("--action-every-s", type=float, default=3.0)
    parser.add_argument("--time-limit-s", type=int, default=120, help="each run's time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lapgate-soak-") as folder:
        soak(Path(folder), args)


def soak(tmp: Path, args: argparse.Namespace) -> None:
    emulator, model, decoder_port = decoder(args.lap_s)
    port = free_port()
    config = venue_config(tmp, port, decoder_port, time_limit_s=args.time_limit_s)
    daemon = Daemon(config, port)
    daemon.start()
    staff = Staff(daemon.base)
    for _ in range(3):
        staff.act("queue_add", alias=f"Racer {_}", car="car-1")
    staff.act("stage")
    work = StaffWork(staff)
    screens = Screens(port, args.clients)
    screens.start()
    time.sleep(5)
    rss_start = rss_mb(daemon.pid)
    print(f"start: RSS {rss_start:.0f} MB with {len(screens.sockets)} screens connected")
    started = time.monotonic()
    restarted = False
    next_report = started + 60
    restart_stop: tuple[int, float] = (0, 0.0)
    while (elapsed := time.monotonic() - started) < args.duration_s:
        work.act()
        if not restarted and elapsed >= args.duration_s / 2:
            restart_stop = daemon.stop(signal.SIGTERM)
            daemon.start()
            staff.close()
            staff = Staff(daemon.base)
            work.staff = staff
            screens.reconnects += args.clients - len(screens.sockets)
            screens.connect_missing()
            restarted = True
            print(
                f"{elapsed:6.0f} s: restarted (SIGTERM exit {restart_stop[0]} in "
                f"{restart_stop[1]:.2f} s); {len(screens.sockets)} screens back"
            )
            time.sleep(5)  # the screens' snapshots
            rss_restarted = rss_mb(daemon.pid)
            print(f"{elapsed:6.0f} s: RSS after the restart {rss_restarted:.0f} MB")
        if time.monotonic() >= next_report:
            next_report += 60
            print(
                f"{elapsed:6.0f} s: RSS {rss_mb(daemon.pid):.0f} MB, "
                f"{len(screens.sockets)} screens, {screens.updates} updates, {screens.gaps} gaps"
            )
        time.sleep(args.action_every_s)
    rss_end = rss_mb(daemon.pid)
    emulator.stop()
    time.sleep(2.0)
    screens.stop()
    code, seconds = daemon.stop(signal.SIGTERM)
    tally = passings_lost(model, stored_crossings(tmp / "data" / "lapgate.sqlite3"))
    report(args, tally, screens, work, rss_start, rss_end, (code, seconds), daemon)


def report(
    args: argparse.Namespace,
    tally: Any,
    screens: Screens,
    work: StaffWork,
    rss_start: float,
    rss_end: float,
    stop: tuple[int, float],
    daemon: Daemon,
) -> None:
    change = 100.0 * (rss_end - rss_start) / rss_start
    print(f"soak of {args.duration_s:.0f} s, {args.clients} screens, laps of {args.lap_s} s:")
    print(
        f"  events lost: {len(tally.lost)} of {tally.made} decoder passings during runs "
        f"({tally.stored} stored, {tally.doubled} doubled) [0]"
    )
    print(
        f"  screens: {screens.updates} updates, {screens.gaps} seq gaps (resyncs), "
        f"{screens.refused} connections refused, {screens.reconnects} reconnects after restart"
    )
    print(
        f"  screens' sockets lost, by reason: {dict(screens.dropped)}; "
        f"longest reader pass {screens.max_lag_s:.1f} s (the board pings every 10 s)"
    )
    print(f"  staff actions: {dict(work.answers)}")
    print(f"  RSS start {rss_start:.0f} MB, end {rss_end:.0f} MB ({change:+.1f} %) [within 10 %]")
    print(f"  final SIGTERM: exit {stop[0]} in {stop[1]:.2f} s; tracebacks in logs: "
          f"{daemon.tracebacks()}")  # fmt: skip


if __name__ == "__main__":
    main()
