"""Screens that misbehave over real sockets on 127.0.0.1: one that never reads is
disconnected (its queue bounded), a flood of ``resync`` costs a few snapshots, and the
well-behaved screens beside them keep their updates in order."""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from daemon_support import wait_for
from web_support import Board, make_settings, started_board

from lapgate.board.service import BoardServer

pytestmark = pytest.mark.timeout(120)


class RawScreen:
    """A /live client on a plain socket, so the test decides when (and whether) it reads."""

    def __init__(self, port: int, receive_buffer: int | None = None) -> None:
        self.sock = socket.socket()
        if receive_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        self.buffer = self.buffer.split(b"\r\n\r\n", 1)[1]
        opened = self.frame()
        assert opened.startswith("0"), opened
        self.sid = json.loads(opened[1:])["sid"]
        self.send("40/live,")

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by the board")
        return data

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.buffer += self._recv()
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def frame(self) -> str:
        head = self._take(2)
        size = head[1] & 0x7F
        if size == 126:
            size = int.from_bytes(self._take(2), "big")
        elif size == 127:
            size = int.from_bytes(self._take(8), "big")
        return self._take(size).decode()

    def event(self) -> tuple[str, dict[str, Any]]:
        """The next Socket.IO event on /live (pings answered on the way)."""
        while True:
            text = self.frame()
            if text == "2":
                self.send("3")
            elif text.startswith("42/live,"):
                name, data = json.loads(text[len("42/live,") :])
                return name, data

    def send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        size = len(data)
        head = bytes([0x81, 0x80 | size]) if size < 126 else bytes([0x81, 0xFE, *size.to_bytes(2)])
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(params=["queued", "inline"])
def small_queues(request: pytest.FixtureRequest) -> Iterator[tuple[Board, int]]:
    """A served board whose screens may have 8 messages waiting, with each delivery path
    (queued: board/web/wsconn.py's transport; inline: simple-websocket's, bounded)."""
    if request.param == "inline":
        # engine.io's own writer thread (the old path) ends with simple-websocket's close(),
        # which raises when the board has just closed that screen: a harmless race of the
        # libraries' thread, which the queued path (the default) does not have.
        request.applymarker(
            pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
        )
    settings = make_settings()
    changes = {"send_queue_max": 8, "delivery": request.param}
    board_settings = settings.board.model_copy(update=changes)
    board = started_board(settings.model_copy(update={"board": board_settings}))
    server = BoardServer(board.app, "127.0.0.1", 0)
    server.start()
    yield board, server.port
    server.stop()
    board.host.stop()


def engine_sids(board: Board) -> set[str]:
    return set(board.socketio.server.eio.sockets)


def test_a_screen_that_never_reads_is_disconnected_and_the_others_keep_their_updates(
    small_queues: tuple[Board, int],
) -> None:
    board, port = small_queues
    reader = RawScreen(port)
    stuck = RawScreen(port, receive_buffer=4096)  # reads nothing from here on
    try:
        _never_reading(board, reader, stuck)
    finally:
        reader.close()
        stuck.close()


def _never_reading(board: Board, reader: RawScreen, stuck: RawScreen) -> None:
    assert reader.event()[0] == "snapshot"
    wait_for(lambda: {reader.sid, stuck.sid} <= engine_sids(board), "both screens connected")
    board.queue("Alice")
    board.stage()
    board.cross(1.0)
    for n in range(60):  # enough bytes to fill the kernel's buffers, then the queue
        board.socketio.emit("update", {"seq": 0, "pad": "x" * 65536, "n": n}, namespace="/live")
        while reader.event()[1].get("n") != n:  # the reader reads on: its queue stays short
            pass
    wait_for(lambda: stuck.sid not in engine_sids(board), "the stuck screen disconnected")
    assert reader.sid in engine_sids(board)
    board.cross(9.5)
    name, update = reader.event()
    while update.get("pad"):
        name, update = reader.event()
    assert name == "update" and update["event"]["kind"] == "crossing"


def test_a_resync_flood_costs_a_few_snapshots_and_the_screen_stays_in_sync(
    small_queues: tuple[Board, int],
) -> None:
    board, port = small_queues
    flooder = RawScreen(port)
    try:
        _flood(board, port, flooder)
    finally:
        flooder.close()


def _flood(board: Board, port: int, flooder: RawScreen) -> None:
    assert flooder.event()[0] == "snapshot"
    for _ in range(300):
        flooder.send('42/live,["resync"]')
    board.queue("Alice")  # an update after the flood
    seq = board.host.snapshot()["seq"]
    snapshots = 0
    last_seq = 0
    while last_seq < seq or snapshots == 0:
        name, data = flooder.event()
        snapshots += name == "snapshot"
        last_seq = max(last_seq, data["seq"])
    live = board.socketio.server.namespace_handlers["/live"]
    wait_for(lambda: live.requests.coalesced + live.requests.deferred >= 250, "flood counted")
    assert snapshots < 30  # of 300 asked (a burst of 3, then one per 0.5 s of flood)
    other = RawScreen(port)  # another screen is served at once
    try:
        name, snapshot = other.event()
    finally:
        other.close()
    assert name == "snapshot" and snapshot["seq"] == seq


def test_one_sender_keeps_what_a_socket_cannot_take_and_flushes_it_in_order() -> None:
    """board/web/wsconn.py's Connection on a socket pair: frames beyond what the kernel
    takes wait in the backlog, the flusher writes them once the peer reads, in order."""
    from engineio import packet as eio_packet

    from lapgate.board.web.wsconn import Connection

    ours, peer = socket.socketpair()
    ours.settimeout(5)  # non-blocking underneath, as the transport sets it
    conn = Connection(ours, max_backlog_bytes=10_000_000)
    try:
        sent = b""
        for n in range(200):  # 200 × 10 KB: more than the socket pair buffers
            frame_packet = eio_packet.Packet(eio_packet.MESSAGE, data=f"{n:05d}" + "x" * 10_000)
            conn.send_packet(frame_packet)
            sent += bytes([0x81, 126]) + (10_006).to_bytes(2, "big")
            sent += frame_packet.encode().encode()
        assert not conn.idle  # some of it is waiting
        received = b""
        peer.settimeout(10)
        while len(received) < len(sent):
            received += peer.recv(1 << 20)
        assert received == sent
        wait_for(lambda: conn.idle, "the backlog flushed")
    finally:
        conn.abort()
        ours.close()
        peer.close()


def test_one_sender_disconnects_a_peer_whose_backlog_passes_the_bound() -> None:
    from engineio import packet as eio_packet

    from lapgate.board.web.wsconn import Connection

    ours, peer = socket.socketpair()
    ours.settimeout(5)
    conn = Connection(ours, max_backlog_bytes=100_000)
    try:
        for _ in range(100):
            conn.send_packet(eio_packet.Packet(eio_packet.MESSAGE, data="x" * 10_000))
        assert conn.closed
        peer.settimeout(10)
        while peer.recv(1 << 20):  # what was written, then the end of the stream
            pass
    finally:
        ours.close()
        peer.close()
