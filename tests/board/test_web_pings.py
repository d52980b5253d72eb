"""engine.io pings go through one `Pinger` thread, not a thread per ping (board/web/sockets.py).

engine.io in threading mode starts a thread for every ping of every connection; at 500
screens and a 10 s ping interval that is 50 threads started and ended each second, whose
malloc arenas kept the daemon's RSS creeping up over the hour-long soak.
"""

from __future__ import annotations

import threading
import time

from engineio import packet as eio_packet
from engineio.socket import Socket as EngineSocket
from flask import Flask
from flask_socketio import SocketIO

from lapgate.board.web import sockets


def _engine(ping_interval_s: float) -> object:
    socketio = SocketIO(Flask("pings"), async_mode="threading", ping_interval=ping_interval_s)
    sockets.install(socketio, max_packets=16)
    return socketio.server.eio


def _ponged(engine: object, sid: str) -> EngineSocket:
    sock = EngineSocket(engine, sid)
    sock.last_ping = time.time()  # a ping went out and its pong came back
    sock.schedule_ping()
    return sock


def _pings(sock: EngineSocket) -> int:
    return sum(1 for pkt in list(sock.queue.queue) if pkt.packet_type == eio_packet.PING)


def _wait_for(condition: object, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_the_pings_of_many_screens_start_no_thread_each() -> None:
    engine = _engine(0.3)
    before = {t.ident for t in threading.enumerate()}
    screens = [_ponged(engine, f"screen-{i}") for i in range(50)]
    started = [t for t in threading.enumerate() if t.ident not in before]
    assert len(started) <= 1, f"{len(started)} threads for 50 pings, expected the one pinger"
    assert all(_pings(s) == 0 for s in screens)  # not before the interval
    assert _wait_for(lambda: all(_pings(s) == 1 for s in screens))
    assert all(s.last_ping is not None for s in screens)  # the pong timeout is armed


def test_a_screen_pings_again_after_each_pong_and_not_once_closed() -> None:
    engine = _engine(0.05)
    screen = _ponged(engine, "screen")
    assert _wait_for(lambda: _pings(screen) == 1)
    screen.schedule_ping()  # the pong to that ping
    assert _wait_for(lambda: _pings(screen) == 2)
    closed = _ponged(engine, "closed")
    closed.closed = True
    time.sleep(0.2)
    assert _pings(closed) == 0


def test_other_background_tasks_still_get_a_thread() -> None:
    engine = _engine(10)
    ran = threading.Event()
    task = engine.start_background_task(ran.set)  # type: ignore[attr-defined]
    task.join(5)
    assert ran.is_set()
