"""Engine.IO in threading mode with bounds: a screen that does not read is disconnected.

engine.io gives each connection an unbounded packet queue, drained by that connection's
writer thread into a blocking socket. A client that never reads stops its writer in `send`
once the kernel buffers are full, and from then on the queue grows by every update (issue
14: 30 such clients took the daemon from 100 to 400 MB). Here, for the venue board:

- each connection's queue (`SendQueue`) holds at most `max_packets`; the next packet closes
  the connection instead: the queue is emptied and the TCP socket shut down, which also
  wakes a writer blocked in `send`, so its threads end and its memory is freed;
- a send that makes no progress for `SEND_TIMEOUT_S` fails (``SO_SNDTIMEO``) and closes the
  connection too, and frames are written whole (`sendall`: simple-websocket's `send` may
  write part of a frame once a send timeout is set);
- permessage-deflate is not negotiated: compressing every update once per screen costs CPU
  for each of hundreds of screens, on the thread that delivers the next lap, while an
  update is a few hundred bytes to a few KB;
- pings are sent by one `Pinger` thread: engine.io starts a new thread for every ping of
  every connection (it sleeps `ping_interval`, sends the ping, ends), 50 threads started and
  ended each second at 500 screens, each allocating in one of glibc's per-thread malloc
  arenas (the RSS creep of the hour-long soak was in those arenas; its main cause was the
  read buffers, see board/web/wsconn.py).

`install(socketio, max_packets)` puts these into a Flask-SocketIO server's engine.io.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import queue
import socket
import struct
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import simple_websocket
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from engineio.socket import Socket as EngineSocket
from wsproto.events import Message as BytesMessage
from wsproto.events import TextMessage

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 10


class SendQueue(queue.Queue[Any]):
    """A connection's outgoing packets, at most `max_packets` of them.

    `None` (engine.io's "stop writing") is always taken. A packet beyond the bound empties
    the queue, leaves only `None` in it (the writer stops), drops every later packet and
    calls `on_overflow` once (set when the connection upgrades to a WebSocket: it shuts
    the socket down). `put` never blocks and never raises: it runs inside a broadcast.
    """

    def __init__(self, max_packets: int) -> None:
        super().__init__()
        self.max_packets = max_packets
        self.overflowed = False
        self.on_overflow: Callable[[], None] | None = None
        self.connection: Any = None  # a wsconn.Connection once upgraded (lapgate transport)

    def attach(self, connection: Any) -> None:
        """From now on packets go straight to `connection` (board/web/wsconn.py), those
        queued while polling first."""
        with self.mutex:
            waiting = [item for item in self.queue if item is not None]
            self.queue.clear()
            self.unfinished_tasks = 0
            self.all_tasks_done.notify_all()
            for item in waiting:
                connection.send_packet(item)
            self.connection = connection

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        with self.mutex:
            connection = self.connection
            if connection is None and not self._bounded_put(item):
                return
        if connection is not None:
            connection.send_packet(item)
            return
        on_overflow = self.on_overflow
        log.warning("a screen did not read %d messages: disconnected", self.max_packets)
        if on_overflow is not None:
            on_overflow()

    def _bounded_put(self, item: Any) -> bool:
        """Queue `item` (with the mutex held); True if that overflowed the queue."""
        if item is None or (not self.overflowed and len(self.queue) < self.max_packets):
            self._put(item)
            self.unfinished_tasks += 1
            self.not_empty.notify()
            return False
        if self.overflowed:
            return False
        self.overflowed = True
        self.queue.clear()
        self.queue.append(None)
        self.unfinished_tasks = 1
        self.not_empty.notify()
        self.all_tasks_done.notify_all()
        return True


class _Server(simple_websocket.Server):  # type: ignore[misc]
    """simple-websocket's server that writes each frame whole (see the module's docstring)."""

    def send(self, data: Any) -> None:
        if not self.connected:
            raise simple_websocket.ConnectionClosed(self.close_reason, self.close_message)
        if isinstance(data, bytes):
            out_data = self.ws.send(BytesMessage(data=data))
        else:
            out_data = self.ws.send(TextMessage(data=str(data)))
        self.sock.sendall(out_data)


class BoundedWebSocketWSGI(SimpleWebSocketWSGI):  # type: ignore[misc]
    """engine.io's threading WebSocket wrapper with the bounds above."""

    def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
        super().__init__(handler, server, **kwargs)
        self.engine_socket = getattr(handler, "__self__", None)  # engineio.socket.Socket

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)  # no permessage-deflate
        raw = environ.get("werkzeug.socket")
        if isinstance(raw, socket.socket):
            timeval = struct.pack("ll", SEND_TIMEOUT_S, 0)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
            packets = getattr(self.engine_socket, "queue", None)
            if isinstance(packets, SendQueue):
                packets.on_overflow = partial(_shut_down, raw)
                if packets.overflowed:  # overflowed while still polling
                    _shut_down(raw)
        self.ws = _Server(environ, **self.server_args)
        result = self.app(self)
        if self.ws.mode == "werkzeug":
            raise ConnectionError()  # werkzeug: the response was the upgrade, nothing more
        return result


def _shut_down(raw: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        raw.shutdown(socket.SHUT_RDWR)


class Pinger:
    """One thread that sends the engine.io pings of every connection, `interval_s` after
    each pong (what engine.io's `Socket._send_ping` does on a thread of its own per ping)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ready = threading.Condition()
        self._due: list[tuple[float, int, Any]] = []  # (due, order, engine.io socket)
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    @property
    def waiting(self) -> int:
        return len(self._due)

    def schedule(self, engine_socket: Any, interval_s: float) -> None:
        """Ping `engine_socket` in `interval_s` (unless it is closed by then)."""
        with self._ready:
            due = (self._clock() + interval_s, next(self._order), engine_socket)
            heapq.heappush(self._due, due)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="board-pinger", daemon=True)
                self._thread.start()
            self._ready.notify()

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._due or self._due[0][0] > self._clock():
                    wait_s = self._due[0][0] - self._clock() if self._due else None
                    self._ready.wait(wait_s)
                _, _, engine_socket = heapq.heappop(self._due)
            try:
                ping(engine_socket)
            except Exception:  # one closed or broken screen must not stop the others' pings
                log.exception("ping failed")


def ping(engine_socket: Any) -> None:
    """engine.io's `Socket._send_ping` after its sleep: a PING, unless the socket closed."""
    if not engine_socket.closing and not engine_socket.closed:
        engine_socket.last_ping = time.time()
        engine_socket.send(eio_packet.Packet(eio_packet.PING))


class _PingTask:
    """What engine.io's `start_background_task(socket._send_ping)` gets: the ping is
    scheduled on the `Pinger` instead of a thread of its own."""

    def __init__(self, pinger: Pinger, engine_socket: Any) -> None:
        self.pinger = pinger
        self.engine_socket = engine_socket

    def start(self) -> None:
        self.pinger.schedule(self.engine_socket, self.engine_socket.server.ping_interval)

    def join(self, timeout: float | None = None) -> None:
        return None


def _task_factory(pinger: Pinger, thread: Callable[..., Any]) -> Callable[..., Any]:
    """engine.io's ``_async["thread"]``: pings go to `pinger`, anything else to `thread`."""

    def make(target: Any, args: Any = (), kwargs: Any = None) -> Any:
        if getattr(target, "__func__", None) is EngineSocket._send_ping:
            return _PingTask(pinger, target.__self__)
        return thread(target=target, args=args, kwargs=kwargs or {})

    return make


def install(socketio: Any, max_packets: int, one_sender: bool = True) -> None:
    """Give a threading-mode Flask-SocketIO server bounded queues, one pinger thread and a
    WebSocket transport: board/web/wsconn.py's (`one_sender`: one thread per connection,
    emits written at once, one flusher for what waits) or simple-websocket's, bounded as
    above."""
    from lapgate.board.web.wsconn import WebSocketTransport

    engine = socketio.server.eio
    if engine.async_mode != "threading":
        return
    engine._async = {
        **engine._async,
        "thread": _task_factory(Pinger(), engine._async["thread"]),
        "queue": partial(SendQueue, max_packets),
        "websocket": WebSocketTransport if one_sender else BoundedWebSocketWSGI,
    }
