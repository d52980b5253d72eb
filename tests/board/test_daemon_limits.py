"""`lapgate run` serves with the `[board]` limits: idle sockets are closed at the head
deadline, one address's idle sockets make room for its new ones, and the rest are served."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import requests
from daemon_support import PASSWORD, free_port, lapgate_run
from werkzeug.security import generate_password_hash

pytestmark = pytest.mark.timeout(120)


def _closed_after_s(sock: socket.socket, limit_s: float) -> float:
    start = time.monotonic()
    sock.settimeout(limit_s)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def test_the_daemon_applies_the_configured_limits(tmp_path: Path) -> None:
    port = free_port()
    config = (
        '[event]\nname = "Limits"\nseason = "2026"\n[board]\n'
        f'port = {port}\nstaff_password_hash = "{generate_password_hash(PASSWORD)}"\n'
        "header_timeout_s = 1.0\nmax_connections_per_address = 4\n"
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n'
    )
    with lapgate_run(tmp_path, config, port) as base:
        sockets = [
            socket.create_connection(
                ("127.0.0.1", port), timeout=10, source_address=("127.0.0.2", 0)
            )
            for _ in range(4)
        ]
        try:
            sockets[0].sendall(b"GET /healthz HTTP/1.1\r\n")  # a head that never ends
            newest = socket.create_connection(
                ("127.0.0.1", port), timeout=10, source_address=("127.0.0.2", 0)
            )
            sockets.append(newest)
            newest.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert newest.recv(64).startswith(b"HTTP/1.1 200")  # room made at the cap
            assert _closed_after_s(sockets[0], 10) < 3  # the oldest idle went, or timed out
            for idle in sockets[1:4]:
                assert _closed_after_s(idle, 10) < 3  # the 1 s head deadline
            assert requests.get(f"{base}/healthz", timeout=5).ok
        finally:
            for sock in sockets:
                sock.close()
