"""A screen waiting for its next frame holds no read buffer of its own (board/web/wsconn.py).

``sock.recv(65536)`` allocates its 64 KB before it blocks and holds them while it waits:
hundreds of idle screens, each with a fresh block of glibc's heap after every pong, made the
daemon's RSS creep up over the hour-long soak. The reader reads into one buffer per
connection instead.
"""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc

from wsproto import ConnectionType, WSConnection

from lapgate.board.web import wsconn

SCREENS = 20


def _transport(sock: socket.socket) -> wsconn.WebSocketTransport:
    """The reading half of a transport as `WebSocketTransport.__call__` sets it up."""
    transport = wsconn.WebSocketTransport.__new__(wsconn.WebSocketTransport)
    transport.ws = WSConnection(ConnectionType.SERVER)
    transport.incoming = []
    transport.partial = []
    transport.received = bytearray(wsconn.RECV_BYTES)
    transport.conn = wsconn.Connection(sock, 1024)
    return transport


def test_screens_waiting_for_a_frame_hold_no_read_buffers() -> None:
    pairs = [socket.socketpair() for _ in range(SCREENS)]
    transports = [_transport(ours) for ours, _ in pairs]
    ended: list[object] = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        readers = [
            threading.Thread(target=lambda t=t: ended.append(t._wait()), daemon=True)
            for t in transports
        ]
        for reader in readers:
            reader.start()
        time.sleep(0.5)  # every reader is blocked in its read
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        for _, theirs in pairs:
            theirs.close()  # the screens leave: every read ends
    for reader in readers:
        reader.join(5)
    assert ended == [None] * SCREENS
    assert held < SCREENS * 16 * 1024, f"{SCREENS} waiting screens hold {held} bytes"
    for ours, _ in pairs:
        ours.close()
