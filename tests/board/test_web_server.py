"""The board's HTTP server keeps its limits, over real sockets on 127.0.0.x.

Linux routes all of 127.0.0.0/8 to the loopback, so binding a client socket to 127.0.0.2,
127.0.0.3 … stands in for phones with different addresses.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from web_support import Board

from lapgate.board.service import BoardServer
from lapgate.board.web import server as web_server
from lapgate.board.web.server import LimitedWSGIServer, ServerLimits

Opener = Callable[..., socket.socket]


def _app(release: threading.Event) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/slow":
            release.wait(30)
        body = b"ok"
        if path == "/refuse":  # answers without reading the body (a wrong login, a 413)
            start_response("401 Unauthorized", [("Content-Length", "2")])
            return [b"no"]
        if path == "/echo":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = str(len(environ["wsgi.input"].read(length))).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    return app


@pytest.fixture
def serve() -> Iterator[Callable[[ServerLimits], tuple[LimitedWSGIServer, Opener]]]:
    """Start a limited server with a tiny app; yields (server, open a client socket)."""
    release = threading.Event()
    servers: list[LimitedWSGIServer] = []
    sockets: list[socket.socket] = []

    def start(limits: ServerLimits) -> tuple[LimitedWSGIServer, Opener]:
        server = LimitedWSGIServer("127.0.0.1", 0, _app(release), limits)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)

        def open_socket(source: str = "127.0.0.1", timeout_s: float = 10) -> socket.socket:
            sock = socket.create_connection(
                ("127.0.0.1", server.port), timeout=timeout_s, source_address=(source, 0)
            )
            sockets.append(sock)
            return sock

        return server, open_socket

    yield start
    release.set()
    for sock in sockets:
        sock.close()
    for server in servers:
        server.shutdown()
        server.server_close()


def _get(sock: socket.socket, path: str = "/") -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return _answer(sock)


def _answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed `sock` (reading whatever it sent first)."""
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def _wait_until(check: Callable[[], bool], timeout_s: float = 5) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.01)


def test_a_request_head_sent_a_byte_at_a_time_is_cut_at_its_deadline(serve: Any) -> None:
    """Slowloris: each byte comes well within any per-read timeout; the head never ends."""
    server, open_socket = serve(ServerLimits(header_timeout_s=1.0))
    sock = open_socket()
    sock.sendall(b"GET / HTTP/1.1\r\n")
    start = time.monotonic()
    with pytest.raises(OSError):  # the server closes it: a send fails, or a reset
        while time.monotonic() - start < 5:
            sock.sendall(b"X: y\r\n")
            time.sleep(0.2)
            sock.setblocking(False)
            try:
                if sock.recv(1) == b"":
                    raise ConnectionResetError("closed by the server")
            except BlockingIOError:
                pass
            sock.setblocking(True)
    assert time.monotonic() - start < 2.5
    _wait_until(lambda: len(server.connections) == 0)


def test_an_idle_connection_is_closed_after_the_head_deadline(serve: Any) -> None:
    _, open_socket = serve(ServerLimits(header_timeout_s=0.5))
    sock = open_socket()
    assert _get(sock).startswith(b"HTTP/1.1 200")  # then kept alive, idle
    assert _closed_within(sock, 5) < 2


def test_a_body_sent_slowly_is_cut_at_its_deadline(serve: Any) -> None:
    _, open_socket = serve(ServerLimits(body_timeout_s=1.0))
    sock = open_socket()
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
    start = time.monotonic()
    with pytest.raises(OSError):
        for _ in range(25):
            sock.sendall(b"x")
            time.sleep(0.2)
            sock.setblocking(False)
            try:
                if sock.recv(4096) == b"":
                    raise ConnectionResetError("closed by the server")
            except BlockingIOError:
                pass
            sock.setblocking(True)
    assert time.monotonic() - start < 3


def test_a_normal_body_is_read(serve: Any) -> None:
    _, open_socket = serve(ServerLimits(body_timeout_s=1.0))
    sock = open_socket()
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"y" * 5000)
    answer = _answer(sock)
    while not answer.endswith(b"\r\n\r\n5000"):
        answer += sock.recv(16)
    assert answer.startswith(b"HTTP/1.1 200")


def test_the_rest_of_a_refused_endless_body_is_not_read(serve: Any) -> None:
    """A 400 MB chunked upload to a page that refuses it: the answer goes out, then the
    server reads at most DRAIN_BYTES_MAX more and closes (werkzeug alone reads 10 GB)."""
    _, open_socket = serve(ServerLimits(body_timeout_s=60.0))
    sock = open_socket()
    sock.sendall(b"POST /refuse HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"  # 1 MiB chunks, forever
    sent, start = 0, time.monotonic()
    sock.settimeout(5)
    with pytest.raises(OSError):  # the server closed the connection: a send fails
        while time.monotonic() - start < 20:
            sock.sendall(chunk)
            sent += len(chunk)
    assert time.monotonic() - start < 10
    limit = web_server.DRAIN_BYTES_MAX + 8 * 1024 * 1024  # what the kernel's buffers hold
    assert sent < limit, f"the server went on reading: {sent} bytes sent"


def test_a_huge_request_head_is_refused(serve: Any) -> None:
    _, open_socket = serve(ServerLimits())
    sock = open_socket()
    with pytest.raises(OSError):
        sock.sendall(b"GET / HTTP/1.1\r\n")
        for _ in range(40):
            sock.sendall(b"X-Filler: " + b"f" * 4000 + b"\r\n")
        sock.sendall(b"\r\n")
        if not _answer(sock).startswith(b"HTTP/1.1 200"):
            raise ConnectionResetError("refused")


def test_one_address_gets_a_few_connections_others_are_served(serve: Any) -> None:
    server, open_socket = serve(ServerLimits(max_connections_per_address=4))
    busy = [open_socket("127.0.0.2") for _ in range(4)]
    for sock in busy:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    _wait_until(lambda: server.connections.refused == 0 and len(server.connections) == 4)
    time.sleep(0.2)  # their heads are read: busy, so none of them can make room
    extra = open_socket("127.0.0.2")
    assert _answer(extra).startswith(b"HTTP/1.1 429")
    assert _get(open_socket("127.0.0.3")).startswith(b"HTTP/1.1 200")


def test_this_machine_is_not_capped_per_address(serve: Any) -> None:
    """nginx or `lapgate spectate` on the Pi: every client would come from 127.0.0.1."""
    server, open_socket = serve(ServerLimits(max_connections_per_address=4))
    for _ in range(8):
        open_socket("127.0.0.1").sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    _wait_until(lambda: len(server.connections) == 8)
    assert _get(open_socket("127.0.0.1")).startswith(b"HTTP/1.1 200")
    assert server.connections.refused == 0


def test_an_address_at_its_cap_makes_room_by_closing_its_idle_connections(serve: Any) -> None:
    server, open_socket = serve(ServerLimits(max_connections_per_address=4))
    idle = [open_socket("127.0.0.2") for _ in range(4)]
    _wait_until(lambda: len(server.connections) == 4)
    assert _get(open_socket("127.0.0.2")).startswith(b"HTTP/1.1 200")
    assert _closed_within(idle[0], 3) < 3  # the oldest idle one went
    assert server.connections.evicted >= 1


def test_two_thousand_idle_sockets_do_not_starve_others(serve: Any) -> None:
    """A global cap of 64: 2,000 slowloris sockets from 100 addresses; staff are served."""
    server, open_socket = serve(ServerLimits(max_connections=64, header_timeout_s=60))
    for n in range(2000):
        open_socket(f"127.0.1.{n % 100 + 1}")
    _wait_until(lambda: server.connections.evicted >= 1900, timeout_s=30)
    start = time.monotonic()
    assert _get(open_socket("127.0.0.1", timeout_s=5)).startswith(b"HTTP/1.1 200")
    assert time.monotonic() - start < 2
    assert len(server.connections) <= 64 + 1


def test_when_every_connection_is_busy_a_new_one_is_refused(serve: Any) -> None:
    server, open_socket = serve(ServerLimits(max_connections=16))
    for n in range(16):
        open_socket(f"127.0.2.{n + 1}").sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    _wait_until(lambda: len(server.connections) == 16)
    time.sleep(0.2)
    assert _answer(open_socket("127.0.0.1")).startswith(b"HTTP/1.1 503")


def test_the_cap_stays_below_the_open_files_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_server.resource, "getrlimit", lambda which: (1024, 1024))
    monkeypatch.setattr(web_server.resource, "setrlimit", lambda which, limits: None)
    assert web_server.connection_cap(5000) == 1024 - web_server.FILES_RESERVED
    assert web_server.connection_cap(100) == 100


UPGRADE = (
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n"
)


def test_one_address_gets_a_few_websockets(board: Board) -> None:
    """The real board app: the 13th websocket of one address is refused (it stays on
    long-polling); another address still gets one."""
    server = BoardServer(board.app, "127.0.0.1", 0)
    server.start()
    opened: list[socket.socket] = []
    try:

        def upgrade(source: str) -> bytes:
            sock = socket.create_connection(
                ("127.0.0.1", server.port), timeout=10, source_address=(source, 0)
            )
            opened.append(sock)
            sock.sendall(UPGRADE.encode())
            return _answer(sock)

        cap = board.settings.board.max_websockets_per_address
        for _ in range(cap):
            assert upgrade("127.0.0.2").startswith(b"HTTP/1.1 101")
        assert upgrade("127.0.0.2").startswith(b"HTTP/1.1 429")
        assert upgrade("127.0.0.3").startswith(b"HTTP/1.1 101")
        opened.pop(0).close()  # one closes: the address may open another
        _wait_until(lambda: board.app.extensions["lapgate.websockets"].open_for("127.0.0.2") < cap)
        assert upgrade("127.0.0.2").startswith(b"HTTP/1.1 101")
    finally:
        for sock in opened:
            sock.close()
        server.stop()
