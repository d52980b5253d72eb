"""A virtual ZRound decoder with simulated cars, on a pty (virtual serial port) or TCP.

`ZRoundDecoderModel` is pure: given the host time it says what the decoder sends
(passings of seeded virtual cars, a ``%T`` clock message every second) and how it
answers the host's requests. Like a real decoder it keeps the race's passings and
re-sends them all when a host connects (``%C&`` on serial, a new TCP connection), so a
host that was unplugged loses nothing and must deduplicate.

`ZRoundEmulator` puts the model on a pty pair (optionally behind a symlink that is
re-pointed on "replug", like a udev ``/dev/serial/by-id`` name) or on a TCP port on
127.0.0.1, with `unplug()`/`replug()` to test reconnects end to end.
"""

from __future__ import annotations

import heapq
import logging
import os
import re
import select
import socket
import struct
import threading
import time
import tty
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

from lapgate.hardware.decoders.zround import encode_clock, encode_passing
from lapgate.hardware.simulator import CarProfile, SimEvent, lap_events

log = logging.getLogger(__name__)

_COMMAND: Final = re.compile(rb"%([CIF])&")
_POLL_S: Final = 0.01


class ZRoundDecoderModel:
    """What a ZRound decoder with `transponders` on its loop says over time (pure)."""

    def __init__(
        self,
        transponders: Sequence[str],
        profile: CarProfile,
        seed: int = 1,
        clock_every_ms: int = 1000,
        now_ns: int = 0,
    ) -> None:
        self.transponders = [t.upper() for t in transponders]
        self._profile = profile
        self._seed = seed
        self._clock_every_ms = clock_every_ms
        self._outing = -1
        self._pending = b""
        self.commands: list[str] = []  # host requests received, in order ("C", "I", "F")
        self.passings: list[tuple[str, int]] = []  # (transponder, decoder ms) this race
        self.start_race(now_ns)

    def start_race(self, now_ns: int) -> None:
        """``%I&``: the decoder clock restarts at zero and the cars start a new outing."""
        self._outing += 1
        self._race_start_ns = now_ns
        self._running = True
        self._next_clock_ms = 0
        self.passings = []
        self._queue: list[tuple[int, str, Iterator[SimEvent]]] = []
        for transponder in self.transponders:
            events = lap_events(self._seed, transponder, self._profile, outing=self._outing)
            self._push(transponder, events)

    def _push(self, transponder: str, events: Iterator[SimEvent]) -> None:
        for event in events:
            if event.kind == "crossing":
                heapq.heappush(self._queue, (event.t_ns, transponder, events))
                return

    @property
    def race_start_ns(self) -> int:
        """Host instant the decoder clock last restarted at zero."""
        return self._race_start_ns

    def clock_ms(self, now_ns: int) -> int:
        return (now_ns - self._race_start_ns) // 1_000_000

    def handle(self, data: bytes, now_ns: int) -> bytes:
        """Answer host requests in `data` (partial requests wait for more bytes)."""
        buffer = self._pending + data
        out = b""
        last_end = 0
        for match in _COMMAND.finditer(buffer):
            last_end = match.end()
            command = match.group(1)
            self.commands.append(command.decode("ascii"))
            if command == b"C":
                out += b"%A&" + self.history()
            elif command == b"I":
                self.start_race(now_ns)
            else:
                self._running = False
        rest = buffer[last_end:]
        self._pending = rest[rest.rfind(b"%") :] if b"%" in rest else b""
        self._pending = self._pending[-8:]
        return out

    def history(self) -> bytes:
        """Every passing of the race so far, as sent on (re)connection."""
        return b"".join(encode_passing(t, ms) for t, ms in self.passings)

    def advance(self, now_ns: int) -> bytes:
        """Clock messages and passings due up to `now_ns`, in time order."""
        if not self._running:
            return b""
        now_ms = self.clock_ms(now_ns)
        out: list[tuple[int, bytes]] = []
        while self._next_clock_ms <= now_ms:
            out.append((self._next_clock_ms, encode_clock(self._next_clock_ms)))
            self._next_clock_ms += self._clock_every_ms
        while self._queue and self._queue[0][0] // 1_000_000 <= now_ms:
            t_ns, transponder, events = heapq.heappop(self._queue)
            decoder_ms = t_ns // 1_000_000
            self.passings.append((transponder, decoder_ms))
            out.append((decoder_ms, encode_passing(transponder, decoder_ms)))
            self._push(transponder, events)
        return b"".join(frame for _, frame in sorted(out, key=lambda item: item[0]))


class ZRoundEmulator:
    """The model on a pty or a TCP port, played by a thread (see the module doc)."""

    def __init__(
        self, model: ZRoundDecoderModel, clock_ns: Callable[[], int] = time.monotonic_ns
    ) -> None:
        self.model = model
        self._clock_ns = clock_ns
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._link: Path | None = None
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self.path = ""
        self.port = 0

    def open_pty(self, link: Path | None = None) -> str:
        """Create the virtual serial port; return its path (`link` if given)."""
        self._link = link
        self._new_pty()
        return self.path

    def open_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on `host`:`port` (0: any free port); return the port."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1)
        listener.setblocking(False)
        self._listener = listener
        self.port = listener.getsockname()[1]
        return self.port

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="zround-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            self._close_pty()
            self._drop_client()
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            if self._link is not None and self._link.is_symlink():
                self._link.unlink()

    def unplug(self) -> None:
        """Pull the cable: close the pty master, or reset the TCP connection."""
        with self._lock:
            if self._listener is None:
                self._close_pty()
            else:
                self._drop_client(reset=True)

    def replug(self) -> None:
        """Plug back in: a new pty behind the same link (TCP: just accept again)."""
        with self._lock:
            if self._listener is None and self._master is None:
                self._new_pty()

    def inject(self, data: bytes) -> None:
        """Send raw bytes to the host (garbage, truncated frames…)."""
        with self._lock:
            self._send(data)

    def _new_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.path = os.ttyname(slave)
        if self._link is not None:
            temp = self._link.with_name(self._link.name + ".new")
            temp.unlink(missing_ok=True)
            temp.symlink_to(self.path)
            temp.replace(self._link)
            self.path = str(self._link)

    def _close_pty(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def _drop_client(self, reset: bool = False) -> None:
        if self._client is None:
            return
        if reset:  # RST instead of FIN, like a cable pulled from a switch port
            self._client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._client.close()
        self._client = None

    def _send(self, data: bytes) -> None:
        if not data:
            return
        try:
            if self._master is not None:
                os.write(self._master, data)
            elif self._client is not None:
                self._client.sendall(data)
        except BlockingIOError:
            log.warning("emulator: host not reading, %d bytes dropped", len(data))
        except OSError:
            self._drop_client()

    def _readable(self) -> list[int | socket.socket]:
        with self._lock:
            if self._master is not None:
                return [self._master]
            return [s for s in (self._listener, self._client) if s is not None]

    def _run(self) -> None:
        while not self._stopping.is_set():
            sources = self._readable()
            try:
                ready = select.select(sources, [], [], _POLL_S)[0] if sources else []
            except (OSError, ValueError):  # closed by unplug() meanwhile
                ready = []
            if not sources:
                self._stopping.wait(_POLL_S)
            with self._lock:
                for source in ready:
                    self._serve(source)
                self._send(self.model.advance(self._clock_ns()))

    def _serve(self, source: int | socket.socket) -> None:
        now_ns = self._clock_ns()
        if source is self._listener and self._listener is not None:
            client, _ = self._listener.accept()
            self._drop_client()
            self._client = client
            self._send(self.model.advance(now_ns) + self.model.history())
            return
        try:
            if isinstance(source, int):
                if source != self._master:
                    return
                data = os.read(source, 4096)
            elif source is self._client:
                data = source.recv(4096)
                if not data:
                    self._drop_client()
                    return
            else:
                return
        except BlockingIOError:
            return
        except OSError:
            self._drop_client()
            return
        self._send(self.model.handle(data, now_ns))
