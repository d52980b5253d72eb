"""A transponder decoder gate over serial or TCP (pyserial URLs), with reconnect and dedup.

The transport (this module) owns the port and a reader thread; the protocol is a pure
parser from `hardware.decoders`. Serial gates open `settings.url` (``/dev/ttyUSB0``,
``loop://``…); TCP gates, and any ``socket://host:port`` URL, use `TcpPort` (a plain
TCP client: pyserial's socket handler discards the first bytes after connecting).

On `SerialException`/`OSError` (USB unplug, TCP reset) the reader closes the port,
reports ``disconnected``, backs off (0.25 s doubling to 5 s) and reopens: the configured
path, or, when `usb_id` is set, whichever port has that USB vendor:product id. Passings
the decoder re-sends after a reconnect are deduplicated by (transponder, decoder time);
a previous race re-sent on the first connection is recognised and dropped (`_is_stale`).

With a `session_file` (the daemon gives one in its data folder), the race survives a restart
of the daemon on the same boot: the race start is not sent again, the decoder clock keeps
its offset, and re-sent passings up to the newest seen per transponder are dropped
(`hardware.decoder_session`); the race stop is then not sent on `stop` either, so the
decoder keeps timing while the daemon restarts.

Crossings: ``source`` is ``"<protocol>:<transponder id>"``; ``transponder`` is the car
name from the gate's ``transponders`` map, or the raw id when it is not mapped.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import serial
from serial.tools import list_ports

from lapgate.config.settings import SerialGate, TcpGate
from lapgate.hardware.base import CrossingSink, GateNotice, NoticeSink
from lapgate.hardware.clock_map import DecoderClock
from lapgate.hardware.decoder_session import DecoderSession, load_session, save_session
from lapgate.hardware.decoders import (
    Acknowledged,
    BadFrame,
    ClockSample,
    DecoderMessage,
    DecoderParser,
    Passing,
    make_parser,
)
from lapgate.hardware.tcp_port import TcpPort, split_socket_url
from lapgate.timer.events import Crossing

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_S: Final = 0.5
BACKOFF_S: Final = (0.25, 5.0)  # first and longest wait between reopen attempts
READ_TIMEOUT_S: Final = 0.1
DEDUP_MEMORY: Final = 20_000  # passings remembered for deduplication
BAD_NOTICE_EVERY_NS: Final = 10_000_000_000  # at most one bad_bytes notice per 10 s
STALE_SLACK_NS: Final = 500_000_000  # decoder vs host latency allowed around the race start
NS_PER_MS: Final = 1_000_000


def port_url(settings: SerialGate | TcpGate) -> str:
    """The pyserial URL a decoder gate opens."""
    if isinstance(settings, TcpGate):
        return f"socket://{settings.host}:{settings.port}"
    return settings.url


def find_usb_port(usb_id: str) -> str | None:
    """The device path of the first serial port whose USB ``vid:pid`` is `usb_id`."""
    vid, pid = (int(part, 16) for part in usb_id.split(":"))
    for port in list_ports.comports():
        if port.vid == vid and port.pid == pid:
            return str(port.device)
    return None


class DecoderGateAdapter:
    """A `GateAdapter` for a transponder decoder (see the module doc)."""

    def __init__(
        self,
        settings: SerialGate | TcpGate,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        open_port: Callable[[str], Any] | None = None,
        session_file: Path | None = None,
        boot_id: str = "",
    ) -> None:
        self.gate_id = settings.id
        self._session_file = session_file
        self._boot_id = boot_id
        self._session: DecoderSession | None = None
        self._resumed_newest: dict[str, int] = {}  # re-sent passings up to these are old
        self._settings = settings
        self._clock_ns = clock_ns
        self._open_port = open_port or self._default_open
        self._parser: DecoderParser = make_parser(settings.protocol)
        self._clock = DecoderClock()
        self._seen: set[tuple[str, int]] = set()
        self._seen_order: deque[tuple[str, int]] = deque()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: Any = None
        self._port_lock = threading.Lock()
        self._race_start_ns: int | None = None  # when the host sent the race start
        self._stale_guard = True  # see `_is_stale`
        self._on_crossing: CrossingSink = _drop
        self._on_notice: NoticeSink = _drop
        self._last_bad_notice_ns: int | None = None
        self.stats: dict[str, int] = dict.fromkeys(
            ("passings", "duplicates", "stale", "bad_frames", "clock_samples", "connects"), 0
        )

    @property
    def url(self) -> str:
        return port_url(self._settings)

    def now_ns(self) -> int:
        return self._clock_ns()

    def start(self, on_crossing: CrossingSink, on_notice: NoticeSink) -> None:
        """Start the reader thread; it connects (and keeps reconnecting) by itself."""
        if self._thread is not None:
            return
        self._on_crossing, self._on_notice = on_crossing, on_notice
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"decoder-{self.gate_id}", daemon=True
        )
        self._thread.start()

    def stop(self, end_race: bool | None = None) -> None:
        """Close the port and join the reader; send the race stop (best effort) when
        `end_race`, by default only when the race cannot be resumed (no session file)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        if end_race is None:
            end_race = self._session_file is None
        with self._port_lock:
            if self._port is not None and end_race:
                with contextlib.suppress(serial.SerialException, OSError):
                    self._port.write(self._parser.stop_request())
        thread.join()

    def run_staged(self, racer: str) -> None:
        """Nothing to do: the decoder reports real cars as they pass."""

    def run_ended(self, start_ns: int, end_ns: int) -> None:
        """Nothing to check: a decoder reports each car it sees."""

    def feed(self, data: bytes, received_ns: int) -> None:
        """Handle bytes from the decoder received at `received_ns` (the reader's path)."""
        for message in self._parser.feed(data):
            self._handle(message, received_ns)

    def _default_open(self, url: str) -> Any:
        if url.startswith("socket://"):
            return TcpPort(*split_socket_url(url), timeout_s=READ_TIMEOUT_S)
        baudrate = self._settings.baudrate if isinstance(self._settings, SerialGate) else 19200
        return serial.serial_for_url(
            url, baudrate=baudrate, timeout=READ_TIMEOUT_S, write_timeout=1.0
        )

    def _candidate_url(self) -> str:
        if isinstance(self._settings, SerialGate) and self._settings.usb_id:
            found = find_usb_port(self._settings.usb_id)
            if found is not None:
                return found
        return self.url

    def _run(self) -> None:
        backoff_s = BACKOFF_S[0]
        down_since: int | None = None
        while not self._stopping.is_set():
            url = self._candidate_url()
            try:
                port = self._open_port(url)
            except (serial.SerialException, OSError, ValueError) as exc:
                down_since = self._report_down(down_since, f"cannot open {url}: {exc}")
                self._stopping.wait(backoff_s)
                backoff_s = min(backoff_s * 2, BACKOFF_S[1])
                continue
            try:
                if self._connect(port):
                    backoff_s = BACKOFF_S[0]
                    if down_since is not None:
                        self._notice("reconnected", f"decoder at {url} is back")
                        down_since = None
                    self._read_until_error(port)
                else:
                    down_since = self._report_down(down_since, f"no answer from {url}")
            except (serial.SerialException, OSError) as exc:
                down_since = self._report_down(down_since, f"lost {url}: {exc}")
            finally:
                self._close(port)
            self._stopping.wait(backoff_s)

    def _report_down(self, down_since: int | None, detail: str) -> int:
        """Report an outage once (the first failure), log every retry."""
        if down_since is None:
            self._notice("disconnected", detail + "; retrying")
            return self._clock_ns()
        log.info("gate %s: %s", self.gate_id, detail)
        return down_since

    def _connect(self, port: Any) -> bool:
        """Handshake (serial only), start the race once; False if the decoder is mute."""
        with self._port_lock:
            self._port = port
        request = self._parser.connect_request()
        if request and isinstance(self._settings, SerialGate):
            port.reset_input_buffer()
            port.write(request)
            if not self._await_ack(port):
                return False
        if self._race_start_ns is None and not self._resume():
            port.write(self._parser.start_request())
            self._clock.reset()
            self._race_start_ns = self._clock_ns()
            self._session = DecoderSession(self._boot_id, self._race_start_ns)
            self._save_session()
        else:
            self._stale_guard = False  # a re-sent history now belongs to our race
        self.stats["connects"] += 1
        return True

    def _resume(self) -> bool:
        """Take up the race of the stored session (same boot); False: start a new race."""
        if self._session_file is None:
            return False
        session = load_session(self._session_file, self._boot_id)
        if session is None:
            return False
        self._session = session
        self._race_start_ns = session.race_start_ns
        if session.anchor_ns is not None:
            self._clock.resume(session.anchor_ns)
        self._resumed_newest = dict(session.newest_ms)
        self._stale_guard = False
        log.info("gate %s: decoder race resumed (no race start sent)", self.gate_id)
        return True

    def _save_session(self) -> None:
        if self._session_file is not None and self._session is not None:
            save_session(self._session_file, self._session)

    def _await_ack(self, port: Any) -> bool:
        deadline_ns = self._clock_ns() + int(HANDSHAKE_TIMEOUT_S * 1e9)
        while self._clock_ns() < deadline_ns and not self._stopping.is_set():
            data = port.read(max(1, port.in_waiting))
            if not data:
                continue
            received_ns = self._clock_ns()
            messages = self._parser.feed(data)
            for message in messages:
                self._handle(message, received_ns)
            if any(isinstance(m, Acknowledged) for m in messages):
                return True
        return False

    def _read_until_error(self, port: Any) -> None:
        while not self._stopping.is_set():
            data = port.read(max(1, port.in_waiting))
            if data:
                self.feed(data, self._clock_ns())

    def _close(self, port: Any) -> None:
        with self._port_lock:
            self._port = None
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()

    def _is_stale(self, decoder_ms: int, received_ns: int) -> bool:
        """Whether a message on the first connection is from a race before ours.

        A decoder may re-send its previous race when the host connects, before it has
        handled our race start. Until the decoder's clock confirms the restart (a clock
        message no later than the time since we sent the start), anything received
        before the start, or dated later than the time since it, is stale.
        """
        if not self._stale_guard:
            return False
        if self._race_start_ns is None:
            return True
        return decoder_ms * NS_PER_MS > received_ns - self._race_start_ns + STALE_SLACK_NS

    def _handle(self, message: DecoderMessage, received_ns: int) -> None:
        if isinstance(message, Passing):
            if self._is_stale(message.decoder_ms, received_ns):
                self.stats["stale"] += 1
                log.info("gate %s: passing from an earlier race dropped: %s", self.gate_id, message)
                return
            self._passing(message, received_ns)
        elif isinstance(message, ClockSample):
            if self._is_stale(message.decoder_ms, received_ns):
                return  # the decoder has not restarted its clock yet
            self._stale_guard = False
            self.stats["clock_samples"] += 1
            newest = max(self._resumed_newest.values(), default=None)
            if newest is not None and message.decoder_ms + 2_000 < newest:
                self._resumed_newest = {}  # the decoder clock restarted: a new race
            note = self._clock.add_sample(message.decoder_ms, received_ns)
            if note is not None:
                self._notice("drift", note.detail)
        elif isinstance(message, BadFrame):
            self._bad(message, received_ns)

    def _passing(self, passing: Passing, received_ns: int) -> None:
        key = (passing.transponder, passing.decoder_ms)
        resumed = self._resumed_newest.get(passing.transponder)
        if key in self._seen or (resumed is not None and passing.decoder_ms <= resumed):
            self.stats["duplicates"] += 1
            return
        self._seen.add(key)
        self._seen_order.append(key)
        if len(self._seen_order) > DEDUP_MEMORY:
            self._seen.discard(self._seen_order.popleft())
        self.stats["passings"] += 1
        t_ns = self._clock.to_host_ns(passing.decoder_ms, received_ns)
        car = self._settings.transponders.get(passing.transponder, passing.transponder)
        source = f"{self._parser.name}:{passing.transponder}"
        if self._session is not None:
            newest = self._session.newest_ms
            newest[passing.transponder] = max(
                newest.get(passing.transponder, 0), passing.decoder_ms
            )
            self._session.anchor_ns = self._clock.anchor_ns
            self._save_session()
        self._on_crossing(Crossing(self.gate_id, t_ns, source, car))

    def _bad(self, bad: BadFrame, received_ns: int) -> None:
        self.stats["bad_frames"] += 1
        count = self.stats["bad_frames"]
        log.debug("gate %s: bad decoder bytes (%s): %r", self.gate_id, bad.reason, bad.sample)
        last = self._last_bad_notice_ns
        if last is None or received_ns - last >= BAD_NOTICE_EVERY_NS:
            self._last_bad_notice_ns = received_ns
            detail = f"{bad.reason} ({count} bad so far), e.g. {bad.sample!r}"
            self._notice("bad_bytes", detail)  # logged as a warning with its sample

    def _notice(self, kind: str, detail: str) -> None:
        log.warning("gate %s: %s: %s", self.gate_id, kind, detail)
        self._on_notice(GateNotice(self.gate_id, self._clock_ns(), kind, detail, self.url))


def _drop(_: object) -> None:
    """A sink for an adapter that has not been started."""
