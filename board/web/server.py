"""The board's HTTP server: werkzeug's threaded server with limits a Pi can afford.

One OS thread per connection, as before (GPIO and decoder callbacks are OS threads and
Socket.IO runs in threading mode; see docs/architecture.md for why not another server).
What this adds, each checked before any work is done for the connection:

- no thread until the request head is in: one thread with a selector (`HeadReader`) holds
  new connections meanwhile, so a slowloris socket costs a selector entry, not a thread;
- a global cap on open connections, below the open-files limit; when it is reached, the
  connection idle longest (waiting for its request headers: a slowloris socket or a spent
  keep-alive) is closed to make room, and only if none is idle is the newcomer refused;
- a cap per client address (TCP peer; trusted proxies and this machine are exempt: nginx
  limits per client itself, see docs/deploy.md), again closing that address's idle ones
  first;
- a deadline for the whole request head (`header_timeout_s`, at most `HEADER_BYTES_MAX`
  bytes) and one for the whole body (`body_timeout_s`): a byte every few seconds does not
  keep a connection (and its thread) alive, as a per-read timeout would;
- a per-address cap on websockets (`WebsocketCap`, after `TrustedProxies`, so behind nginx
  it counts real clients); an over-cap client stays on long-polling;
- a write timeout, so a client that stops reading frees its thread;
- once the answer is out, what the client still sends (the rest of a refused 400 MB body)
  is read only up to `DRAIN_BYTES_MAX` within `DRAIN_TIMEOUT_S`, then the connection
  closes; werkzeug alone reads up to 10 GB of it to be polite.
"""

from __future__ import annotations

import contextlib
import io
import logging
import queue
import resource
import selectors
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from lapgate.board.web.proxy import Network, is_trusted
from lapgate.config.settings import BoardSettings

log = logging.getLogger(__name__)
HEADER_BYTES_MAX = 64 * 1024
WRITE_TIMEOUT_S = 30.0
DRAIN_BYTES_MAX = 256 * 1024  # after the answer: a form's tail, not a refused upload
DRAIN_TIMEOUT_S = 1.0
WEBSOCKET_IDLE_S = 60.0  # engine.io pings every 10 s: a silent minute is a dead client
FILES_RESERVED = 64  # open files kept for the store, the log, gates, the sync pusher
FILES_WANTED = 4096
# This machine (nginx, lapgate spectate, a local tool or bench) is not capped per address:
# behind a proxy not listed in trusted_proxies every client would be 127.0.0.1, and a cap
# would then cap the whole venue. Other loopback addresses (127.0.0.2 …) are capped.
THIS_MACHINE = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
_REFUSED = b"HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 5\r\n\r\n"


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 1000
    max_connections_per_address: int = 32
    max_websockets_per_address: int = 12
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    trusted: tuple[Network, ...] = ()

    @classmethod
    def of(cls, board: BoardSettings) -> ServerLimits:
        return cls(
            max_connections=board.max_connections,
            max_connections_per_address=board.max_connections_per_address,
            max_websockets_per_address=board.max_websockets_per_address,
            header_timeout_s=board.header_timeout_s,
            body_timeout_s=board.body_timeout_s,
            trusted=board.trusted_networks(),
        )


def connection_cap(wanted: int) -> int:
    """`wanted`, lowered to fit the open-files limit (raised towards `FILES_WANTED` first)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = FILES_WANTED if hard == resource.RLIM_INFINITY else min(hard, FILES_WANTED)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    # Each connection is one file (a websocket too); keep some for everything else.
    return max(8, min(wanted, soft - FILES_RESERVED))


class _Connection:
    __slots__ = ("address", "sock")

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.sock = sock
        self.address = address


class Connections:
    """Open connections by socket and by address; decides who gets in, and who makes room.

    Idle connections (waiting for a request head) are kept in the order they became idle,
    overall and per address, so the longest idle is found at once: under a slowloris every
    new connection makes room, and a scan of a thousand would cost the Pi's CPU.
    """

    def __init__(self, cap: int, per_address: int, trusted: tuple[Network, ...]) -> None:
        self.cap = cap
        self.per_address = per_address
        self.trusted = trusted
        self._lock = threading.Lock()
        self._open: dict[int, _Connection] = {}  # id(sock) → connection
        self._by_address: dict[str, int] = {}
        self._idle: OrderedDict[int, _Connection] = OrderedDict()  # longest idle first
        self._idle_by_address: dict[str, OrderedDict[int, _Connection]] = {}
        self.refused = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._open)

    def admit(self, sock: socket.socket, address: str) -> int:
        """0 if `sock` may be served (registered, idle), else the HTTP status to refuse."""
        with self._lock:
            limited = address not in THIS_MACHINE and not is_trusted(address, self.trusted)
            if limited and self._by_address.get(address, 0) >= self.per_address:
                if not self._evict(self._idle_by_address.get(address)):
                    self.refused += 1
                    return 429
            elif len(self._open) >= self.cap and not self._evict(self._idle):
                self.refused += 1
                return 503
            connection = _Connection(sock, address)
            self._open[id(sock)] = connection
            self._by_address[address] = self._by_address.get(address, 0) + 1
            self._set_idle(connection, True)
            return 0

    def _evict(self, idle: OrderedDict[int, _Connection] | None) -> bool:
        """Close the longest-idle connection of `idle`; whether there was one."""
        if not idle:
            return False
        oldest = next(iter(idle.values()))
        self._set_idle(oldest, False)  # not chosen twice; its thread releases it
        with contextlib.suppress(OSError):  # its thread's read ends; the thread closes it
            oldest.sock.shutdown(socket.SHUT_RDWR)
        self.evicted += 1
        return True

    def _set_idle(self, connection: _Connection, idle: bool) -> None:
        key = id(connection.sock)
        by_address = self._idle_by_address.setdefault(connection.address, OrderedDict())
        if idle:
            self._idle[key] = connection
            self._idle.move_to_end(key)
            by_address[key] = connection
            by_address.move_to_end(key)
        else:
            self._idle.pop(key, None)
            by_address.pop(key, None)
        if not by_address:
            del self._idle_by_address[connection.address]

    def idle(self, sock: socket.socket, idle: bool) -> None:
        """`sock` waits for a request head (`idle`) or is serving one."""
        with self._lock:
            found = self._open.get(id(sock))
            if found is not None:
                self._set_idle(found, idle)

    def release(self, sock: socket.socket) -> None:
        with self._lock:
            found = self._open.pop(id(sock), None)
            if found is None:
                return
            self._set_idle(found, False)
            left = self._by_address[found.address] - 1
            if left:
                self._by_address[found.address] = left
            else:
                del self._by_address[found.address]


class _DeadlineReader(io.RawIOBase):
    """A socket's read side with one deadline for a whole phase (head or body)."""

    def __init__(self, sock: socket.socket, prefix: bytes = b"") -> None:
        self._sock = sock
        self._prefix = prefix  # what the head reader already read
        self._deadline = float("inf")
        self._budget: int | None = None
        self._over = f"request head over {HEADER_BYTES_MAX} bytes"

    def readable(self) -> bool:
        return True

    def start(self, timeout_s: float, budget: int | None = None) -> None:
        self._deadline = time.monotonic() + timeout_s
        self._budget = budget
        self._over = f"request head over {HEADER_BYTES_MAX} bytes"

    def drain(self) -> None:
        """The answer is out: the rest of the body is read (and dropped) only up to
        `DRAIN_BYTES_MAX` within `DRAIN_TIMEOUT_S`; past either, the connection closes."""
        self._deadline = time.monotonic() + DRAIN_TIMEOUT_S
        self._budget = DRAIN_BYTES_MAX
        self._over = f"request body: more than {DRAIN_BYTES_MAX} bytes after the answer"

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the client was too slow to send its request")
        self._sock.settimeout(remaining)
        try:
            count = self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(WRITE_TIMEOUT_S)  # writes: a client that stops reading
        if self._budget is not None:
            self._budget -= count
            if self._budget < 0:
                raise ConnectionAbortedError(self._over)
        return count


DRAIN_KEY = "lapgate.drain"


class _BoundedDrain:
    """Tells the connection's reader when the application's answer is complete, so that
    werkzeug's drain of an unread body after it is bounded (`_DeadlineReader.drain`)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        return self._answer(environ, self.app(environ, start_response))

    @staticmethod
    def _answer(environ: Any, body: Iterable[bytes]) -> Iterable[bytes]:
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            drain = environ.get(DRAIN_KEY)
            if drain is not None:
                drain()


class LimitedRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with the head/body deadlines and the idle bookkeeping."""

    server: LimitedWSGIServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(WRITE_TIMEOUT_S)
        self.rfile.close()  # the plain reader werkzeug made: replaced by one with deadlines
        self._reader = _DeadlineReader(self.connection, self.server.heads.prefix(self.connection))
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        limits = self.server.limits
        self.server.connections.idle(self.connection, True)
        self._reader.start(limits.header_timeout_s, HEADER_BYTES_MAX)
        super().handle_one_request()

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.server.connections.idle(self.connection, False)
        self._reader.start(self.server.limits.body_timeout_s)
        return parsed

    def make_environ(self) -> Any:
        environ = super().make_environ()
        environ[DRAIN_KEY] = self._reader.drain
        return environ

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        self.close_connection = True  # a deadline passed, or the client went: no next request

    def log(self, type: str, message: str, *args: Any) -> None:
        # Request lines go to the debug log (one per poll would flood a venue log).
        log.debug("%s %s: " + message, self.address_string(), type, *args)


class LimitedWSGIServer(ThreadedWSGIServer):
    """werkzeug's threaded server that admits a connection only within `limits`."""

    request_queue_size = 256

    def __init__(self, host: str, port: int, app: Any, limits: ServerLimits) -> None:
        self.limits = limits
        cap = connection_cap(limits.max_connections)
        self.connections = Connections(cap, limits.max_connections_per_address, limits.trusted)
        super().__init__(host, port, _BoundedDrain(app), handler=LimitedRequestHandler)
        self.heads = HeadReader(self)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        address = client_address[0] if isinstance(client_address, tuple) else str(client_address)
        refused = self.connections.admit(request, address)
        if refused:
            reason = b"Too Many Requests" if refused == 429 else b"Service Unavailable"
            try:
                request.setblocking(False)
                request.send(_REFUSED % (refused, reason))
            except OSError:
                pass
            log.debug("refused a connection from %s (%d)", address, refused)
            return False
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        """No thread yet: the head reader holds the connection until its head is in."""
        self.heads.add(request, client_address)

    def start_thread(self, request: Any, client_address: Any) -> None:
        """The head is in: serve the connection on its own thread (werkzeug's way)."""
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread: release here (thread start can fail on a Pi)
            self.drop(request)
            log.exception("could not start a thread for a connection")

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release(request)

    def drop(self, request: Any) -> None:
        self.connections.release(request)
        self.shutdown_request(request)

    def server_close(self) -> None:
        heads = getattr(self, "heads", None)  # None: the port could not be bound
        if heads is not None:
            heads.stop()
        super().server_close()


class _Pending:
    __slots__ = ("client_address", "deadline", "head", "sock")

    def __init__(self, sock: socket.socket, client_address: Any, deadline: float) -> None:
        self.sock = sock
        self.client_address = client_address
        self.deadline = deadline
        self.head = b""


class HeadReader:
    """One thread that holds new connections until their request head has arrived.

    A slowloris socket never gets a thread of its own: it costs a selector entry and at
    most `HEADER_BYTES_MAX` bytes until its deadline, or until a newer connection needs
    its place (`Connections` shuts it down; the reader sees the end and drops it).
    """

    SWEEP_S = 0.25

    def __init__(self, server: LimitedWSGIServer) -> None:
        self.server = server
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._incoming: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._pending: dict[int, _Pending] = {}
        self._prefixes: dict[int, bytes] = {}
        self._prefix_lock = threading.Lock()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="board-http-heads", daemon=True)
        self._thread.start()

    def add(self, sock: socket.socket, client_address: Any) -> None:
        deadline = time.monotonic() + self.server.limits.header_timeout_s
        self._incoming.put(_Pending(sock, client_address, deadline))
        with contextlib.suppress(OSError):  # a full wake-up pipe wakes it all the same
            self._wake_w.send(b"\0")

    def prefix(self, sock: socket.socket) -> bytes:
        """The bytes read for `sock` before its thread started (handed over once)."""
        with self._prefix_lock:
            return self._prefixes.pop(id(sock), b"")

    def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        next_sweep = time.monotonic() + self.SWEEP_S
        while not self._stopping:
            for key, _ in self._selector.select(timeout=self.SWEEP_S):
                if key.data is None:
                    self._take_incoming()
                else:
                    self._read(key.data)
            now = time.monotonic()
            if now >= next_sweep:
                next_sweep = now + self.SWEEP_S
                for late in [p for p in self._pending.values() if p.deadline <= now]:
                    self._drop(late)
        for pending in list(self._pending.values()):
            self._drop(pending)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _take_incoming(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass
        while True:
            try:
                pending = self._incoming.get_nowait()
            except queue.Empty:
                return
            try:
                pending.sock.setblocking(False)
                self._selector.register(pending.sock, selectors.EVENT_READ, pending)
            except (OSError, ValueError):
                self.server.drop(pending.sock)
                continue
            self._pending[id(pending.sock)] = pending

    def _read(self, pending: _Pending) -> None:
        try:
            data = pending.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the client went, or `Connections` made room by closing it
            self._drop(pending)
            return
        pending.head += data
        if b"\n\r\n" in pending.head or b"\n\n" in pending.head:
            self._forget(pending)
            with self._prefix_lock:
                self._prefixes[id(pending.sock)] = pending.head
            pending.sock.setblocking(True)
            self.server.start_thread(pending.sock, pending.client_address)
        elif len(pending.head) > HEADER_BYTES_MAX:
            with contextlib.suppress(OSError):
                pending.sock.send(_REFUSED % (431, b"Request Header Fields Too Large"))
            self._drop(pending)

    def _forget(self, pending: _Pending) -> None:
        self._pending.pop(id(pending.sock), None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(pending.sock)

    def _drop(self, pending: _Pending) -> None:
        self._forget(pending)
        self.server.drop(pending.sock)


class WebsocketCap:
    """WSGI middleware: at most `per_address` websockets per client address (REMOTE_ADDR,
    so it goes after `TrustedProxies`); over the cap the upgrade is answered 429 and the
    Socket.IO client stays on long-polling. An accepted websocket's socket gets an idle
    timeout of `WEBSOCKET_IDLE_S` instead of the request deadlines."""

    def __init__(self, app: Any, per_address: int) -> None:
        self.app = app
        self.per_address = per_address
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}

    def open_for(self, address: str) -> int:
        with self._lock:
            return self._open.get(address, 0)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            sock.settimeout(WEBSOCKET_IDLE_S)
        address = environ.get("REMOTE_ADDR", "")
        if address in THIS_MACHINE:  # not capped (see THIS_MACHINE)
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        with self._lock:
            count = self._open.get(address, 0)
            if count >= self.per_address:
                start_response("429 Too Many Requests", [("Content-Type", "text/plain")])
                return [f"more than {self.per_address} websockets from {address}".encode()]
            self._open[address] = count + 1
        try:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        finally:  # threading mode: the call returns (or raises) when the websocket closes
            with self._lock:
                left = self._open[address] - 1
                if left:
                    self._open[address] = left
                else:
                    del self._open[address]
