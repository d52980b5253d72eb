"""Engine.IO's WebSocket transport for the venue board: one thread per connection, one
sender for all.

engine.io's threading transport (simple-websocket) runs three threads per connection: the
request thread, simple-websocket's reader and engine.io's writer; an emit to N screens puts
a packet on N queues and wakes N writer threads, and the wake-ups, not the bytes, are what
costs (issue 16: thread waits and wake-ups were 47 % of the GIL's time at N=500). Here:

- the request thread reads the connection itself (wsproto, no reader thread);
- an emit writes each screen's frame at once, on the emitting thread (the delivery
  thread), without blocking: the frame is built once per packet and shared by every
  screen, so a broadcast costs one non-blocking ``write`` per screen;
- what a screen's socket cannot take now waits in that screen's backlog, written by one
  `Flusher` thread when the socket is writable; a backlog over its bound, or one that makes
  no progress for `SEND_TIMEOUT_S`, disconnects the screen (it does not read);
- the request thread reads into the connection's own `RECV_BYTES` buffer (`recv_into`), not
  with ``recv(n)``: that allocates its n bytes before it blocks and holds them while it
  waits, so hundreds of idle screens each held a fresh 64 KB block of glibc's heap, placed
  anew after each pong; the daemon's RSS crept up with every one (about 1 MB a minute at
  500 screens, over the hour-long soak).

`install(socketio, max_packets)` in board/web/sockets.py selects it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import threading
import time
from typing import Any

from engineio import packet as eio_packet
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0
BYTES_PER_MESSAGE = 8 * 1024  # the backlog's bound is max_packets messages of this size
RECV_BYTES = 4096  # read at most this much at once (a screen sends pongs and resyncs)


def frame_of(pkt: Any) -> bytes:
    """The WebSocket frame (server to client: unmasked) of an engine.io packet, built once."""
    cached: bytes | None = getattr(pkt, "_lapgate_frame", None)
    if cached is not None:
        return cached
    encoded = pkt.encode()
    payload = encoded if isinstance(encoded, bytes) else encoded.encode()
    opcode = 0x82 if isinstance(encoded, bytes) else 0x81
    size = len(payload)
    if size < 126:
        head = bytes([opcode, size])
    elif size < 65536:
        head = bytes([opcode, 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([opcode, 127]) + size.to_bytes(8, "big")
    frame = head + payload
    with contextlib.suppress(AttributeError):
        pkt._lapgate_frame = frame
    return frame


class Flusher:
    """One thread that writes every connection's backlog when its socket is writable."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._waiting: set[Connection] = set()
        self._registered: set[Connection] = set()
        self._thread = threading.Thread(target=self._loop, name="board-ws-flusher", daemon=True)
        self._thread.start()

    def want(self, conn: Connection) -> None:
        """`conn` has a backlog: write it when its socket is writable."""
        with self._lock:
            self._waiting.add(conn)
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"x")

    def _loop(self) -> None:
        while True:
            with self._lock:
                waiting, self._waiting = self._waiting, set()
            for conn in waiting - self._registered:
                self._forget_fd(conn.fd)  # a closed connection's, if the number was reused
                with contextlib.suppress(ValueError, KeyError, OSError):
                    self._selector.register(conn.fd, selectors.EVENT_WRITE, conn)
                    self._registered.add(conn)
            for key, _ in self._selector.select(timeout=1.0):
                if key.data is None:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 4096)
                    continue
                key.data.flush()
            for conn in list(self._registered):
                if conn.idle or conn.check_stalled():
                    self._registered.discard(conn)
                    with contextlib.suppress(ValueError, KeyError, OSError):
                        self._selector.unregister(conn.fd)

    def _forget_fd(self, fd: int) -> None:
        try:
            key = self._selector.get_key(fd)
        except (KeyError, ValueError):
            return
        self._registered.discard(key.data)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(fd)


_flusher: Flusher | None = None
_flusher_lock = threading.Lock()


def flusher() -> Flusher:
    global _flusher
    with _flusher_lock:
        if _flusher is None:
            _flusher = Flusher()
        return _flusher


class Connection:
    """The writing half of one WebSocket: non-blocking writes and a bounded backlog."""

    def __init__(self, sock: socket.socket, max_backlog_bytes: int) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.max_backlog_bytes = max_backlog_bytes
        self._lock = threading.Lock()
        self._backlog = bytearray()
        self._stalled_since = 0.0
        self._finishing = False  # engine.io said stop: close once the backlog is out
        self.closed = False

    @property
    def idle(self) -> bool:
        return self.closed or not self._backlog

    def send_packet(self, pkt: Any) -> None:
        """Send an engine.io packet, or None (engine.io's "stop writing")."""
        if pkt is None:
            with self._lock:
                self._finishing = True
                done = not self._backlog
            if done:
                self.abort()
            return
        self.send_bytes(frame_of(pkt))

    def send_bytes(self, data: bytes) -> None:
        with self._lock:
            if self.closed or self._finishing:
                return
            if self._backlog:
                self._backlog += data
                over = len(self._backlog) > self.max_backlog_bytes
                failed = False
            else:
                over, failed = False, not self._write_locked(data)
        if over:
            log.warning("a screen did not read %d bytes: disconnected", self.max_backlog_bytes)
        if over or failed:
            self.abort()

    def _write_locked(self, data: bytes) -> bool:
        """Write what the socket takes now; keep the rest; False if the socket failed."""
        try:
            written = os.write(self.fd, data)
        except BlockingIOError:
            written = 0
        except OSError:  # reset or closed by the client
            return False
        if written < len(data):
            self._backlog += data[written:]
            self._stalled_since = time.monotonic()
            flusher().want(self)
        return True

    def flush(self) -> None:
        """Write the backlog as far as the socket takes it (the flusher's thread)."""
        with self._lock:
            if self.closed or not self._backlog:
                return
            try:
                written = os.write(self.fd, self._backlog)
            except BlockingIOError:
                return
            except OSError:
                written = -1
            if written > 0:
                del self._backlog[:written]
                self._stalled_since = time.monotonic()
            finish = written < 0 or (self._finishing and not self._backlog)
        if finish:
            self.abort()

    def check_stalled(self) -> bool:
        """Disconnect a screen whose backlog made no progress for SEND_TIMEOUT_S."""
        with self._lock:
            stalled = bool(self._backlog) and (
                time.monotonic() - self._stalled_since > SEND_TIMEOUT_S
            )
        if stalled:
            log.warning("a screen read nothing for %.0f s: disconnected", SEND_TIMEOUT_S)
            self.abort()
        return stalled

    def abort(self) -> None:
        """Shut the socket down: the reading thread then ends the engine.io session."""
        with self._lock:
            self.closed = True
            self._backlog.clear()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class WebSocketTransport:
    """engine.io's ``_async["websocket"]``: serves one upgraded connection on the request
    thread, as engine.io's own `Socket._websocket_handler` does, with a `Connection` for
    everything written."""

    def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
        self.engine_socket = handler.__self__  # engineio.socket.Socket
        self.server = server

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from lapgate.board.web.sockets import SendQueue

        sock = environ.get("werkzeug.socket")
        packets = self.engine_socket.queue
        if not isinstance(sock, socket.socket) or not isinstance(packets, SendQueue):
            raise RuntimeError("the lapgate WebSocket transport needs werkzeug's server")
        # Non-blocking underneath (writes must never wait); a read waits this long. engine.io's
        # ping timeout closes a silent client long before; this only ends a stuck read.
        sock.settimeout(READ_TIMEOUT_S)
        self.ws = WSConnection(ConnectionType.SERVER)
        self.incoming: list[str | bytes] = []
        self.partial: list[Any] = []
        self.received = bytearray(RECV_BYTES)  # every read lands here: no block per read
        self.conn = Connection(sock, packets.max_packets * BYTES_PER_MESSAGE)
        if not self._handshake(environ):
            raise ConnectionError()
        try:
            if self._upgrade():
                packets.attach(self.conn)
                self._read_until_closed()
        finally:
            self.conn.abort()
            self.engine_socket.close(
                wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE
            )
        raise ConnectionError()  # werkzeug: the upgrade was the response, nothing more

    def _handshake(self, environ: dict[str, Any]) -> bool:
        request = b"GET / HTTP/1.1\r\n"
        for key, value in environ.items():
            if key.startswith("HTTP_") and key != "HTTP_SEC_WEBSOCKET_EXTENSIONS":
                header = "-".join(p.capitalize() for p in key[5:].split("_"))
                request += f"{header}: {value}\r\n".encode()
        self.ws.receive_data(request + b"\r\n")
        for event in self.ws.events():
            if isinstance(event, Request):
                self.conn.sock.sendall(self.ws.send(AcceptConnection()))
                return True
        return False

    def _upgrade(self) -> bool:
        """engine.io's upgrade from polling (probe, then upgrade), or a direct WebSocket."""
        engine = self.engine_socket
        if not engine.connected:
            engine.connected = True
            engine.upgraded = True
            return True
        engine.upgrading = True
        probe = eio_packet.Packet(encoded_packet=self._wait() or "")
        if probe.packet_type != eio_packet.PING or probe.data != "probe":
            engine.upgrading = False
            return False
        self.conn.send_bytes(frame_of(eio_packet.Packet(eio_packet.PONG, data="probe")))
        engine.queue.put(eio_packet.Packet(eio_packet.NOOP))  # ends the pending poll
        upgrade = eio_packet.Packet(encoded_packet=self._wait() or "")
        engine.upgrading = False
        if upgrade.packet_type != eio_packet.UPGRADE:
            return False
        engine.upgraded = True
        return True

    def _read_until_closed(self) -> None:
        while (data := self._wait()) is not None:
            if len(data) > self.server.max_http_buffer_size:
                return
            try:
                self.engine_socket.receive(eio_packet.Packet(encoded_packet=data))
            except Exception:  # a malformed frame ends this connection, not the board
                log.info("a screen sent a frame that is not engine.io: closing it")
                return

    def _wait(self) -> str | bytes | None:
        """The next whole message, or None once the connection is over."""
        while not self.incoming:
            try:
                size = self.conn.sock.recv_into(self.received)
            except OSError:
                return None
            if not size:
                return None
            self.ws.receive_data(bytes(memoryview(self.received)[:size]))
            if not self._handle_events():
                return None
        return self.incoming.pop(0)

    def _handle_events(self) -> bool:
        for event in self.ws.events():
            if isinstance(event, TextMessage | BytesMessage):
                self.partial.append(event.data)
                if event.message_finished:
                    if isinstance(event, TextMessage):
                        self.incoming.append("".join(str(p) for p in self.partial))
                    else:
                        self.incoming.append(b"".join(self.partial))
                    self.partial = []
            elif isinstance(event, Ping):
                self.conn.send_bytes(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                with contextlib.suppress(Exception):
                    self.conn.send_bytes(self.ws.send(event.response()))
                return False
        return True
