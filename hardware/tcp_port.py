"""A plain TCP client with the small part of pyserial's port API the decoder reader uses.

Why not pyserial's ``socket://`` handler: its `open()` ends with `reset_input_buffer()`,
which reads and discards whatever the decoder already sent, so the passings a decoder
re-sends right after a reconnect can be lost; and its `close()` leaks the socket when
the peer reset the connection, then sleeps 0.3 s. Errors are raised as pyserial's
`SerialException` so the reader treats serial and TCP links alike.
"""

from __future__ import annotations

import socket
from typing import Final
from urllib.parse import urlsplit

from serial import SerialException

CONNECT_TIMEOUT_S: Final = 2.0


def split_socket_url(url: str) -> tuple[str, int]:
    """(host, port) of ``socket://host:port``; raise ValueError naming the URL otherwise."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "socket" or not parts.hostname or port is None:
        raise ValueError(f"decoder URL: got {url!r}, expected socket://host:port")
    return parts.hostname, port


class TcpPort:
    """A connected TCP stream; `read` returns what arrived within `timeout_s` (maybe b"")."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        try:
            self._sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise SerialException(f"cannot connect to {host}:{port}: {exc}") from exc
        self._sock.settimeout(timeout_s)

    @property
    def in_waiting(self) -> int:
        return 0  # unknown without a syscall; `read` returns whatever is there anyway

    def read(self, size: int = 1) -> bytes:
        try:
            data = self._sock.recv(max(size, 4096))
        except TimeoutError:
            return b""
        except OSError as exc:
            raise SerialException(f"read failed: {exc}") from exc
        if not data:
            raise SerialException("the decoder closed the connection")
        return data

    def write(self, data: bytes) -> int:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise SerialException(f"write failed: {exc}") from exc
        return len(data)

    def reset_input_buffer(self) -> None:
        """Nothing to discard: a TCP decoder's first bytes are wanted."""

    def close(self) -> None:
        self._sock.close()
