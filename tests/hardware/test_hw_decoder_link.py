"""The decoder adapter end to end: the real pyserial code path against the ZRound emulator.

Over a pty pair (behind a symlink, like /dev/serial/by-id) and over TCP on 127.0.0.1:
handshake, passings, clock mapping, unplug and reconnect with no lost or duplicated
crossing. Waits are on conditions with timeouts, never fixed sleeps.
"""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lapgate.config.settings import SerialGate, TcpGate
from lapgate.hardware.base import GateNotice, build_gate
from lapgate.hardware.decoder import DecoderGateAdapter
from lapgate.hardware.emulator import ZRoundDecoderModel, ZRoundEmulator
from lapgate.hardware.simulator import CarProfile
from lapgate.timer.events import Crossing

TRANSPONDERS = ["01", "02", "1A2B3"]  # the last one uses the comma form on the wire
WAIT_S = 15.0


class Sink:
    def __init__(self) -> None:
        self.crossings: list[Crossing] = []
        self.notices: list[GateNotice] = []
        self._changed = threading.Condition()

    def crossing(self, crossing: Crossing) -> None:
        with self._changed:
            self.crossings.append(crossing)
            self._changed.notify_all()

    def notice(self, notice: GateNotice) -> None:
        with self._changed:
            self.notices.append(notice)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], what: str | Callable[[], str]) -> None:
        with self._changed:
            if not self._changed.wait_for(predicate, timeout=WAIT_S):
                raise AssertionError(f"timed out waiting for {what}")

    def kinds(self) -> list[str]:
        return [n.kind for n in self.notices]


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        threading.Event().wait(0.01)


@pytest.fixture
def model() -> ZRoundDecoderModel:
    profile = CarProfile(mean_lap_s=0.6, sigma_lap_s=0.05)
    return ZRoundDecoderModel(TRANSPONDERS, profile, seed=3, now_ns=time.monotonic_ns())


@pytest.fixture
def emulator(model: ZRoundDecoderModel) -> Iterator[ZRoundEmulator]:
    emu = ZRoundEmulator(model)
    yield emu
    emu.stop()


def check_unplug_and_replug(
    adapter: DecoderGateAdapter, emulator: ZRoundEmulator, model: ZRoundDecoderModel
) -> Sink:
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    try:
        sink.wait_for(lambda: len(sink.crossings) >= 6, "first passings")
        emulator.unplug()
        sink.wait_for(lambda: "disconnected" in sink.kinds(), "the disconnect notice")
        during = len(model.passings)
        wait_until(lambda: len(model.passings) >= during + 4, "passings while unplugged")
        emulator.replug()
        sink.wait_for(lambda: "reconnected" in sink.kinds(), "the reconnect notice")
        sink.wait_for(lambda: len(sink.crossings) >= during + 6, "passings after replug")
        emulator.stop()  # no new passings: whatever the decoder sent must all arrive
        sink.wait_for(
            lambda: len(sink.crossings) >= len(model.passings),
            f"all passings {model.passings}, got {sink.crossings}, {adapter.stats}",
        )
    finally:
        adapter.stop()
    assert adapter.stats["duplicates"] > 0  # the decoder re-sent its memory on reconnect
    assert adapter.stats["bad_frames"] == 0
    check_crossings_match(sink.crossings, model)
    return sink


def check_crossings_match(crossings: list[Crossing], model: ZRoundDecoderModel) -> None:
    """Same passings, none lost or doubled; host times follow the decoder clock exactly."""
    got = sorted((c.source.removeprefix("zround:"), c.t_ns) for c in crossings)
    want = sorted(model.passings)
    assert [t for t, _ in got] == [t for t, _ in want]
    offsets = {t_ns - ms * 1_000_000 for (_, t_ns), (_, ms) in zip(got, want, strict=True)}
    assert len(offsets) == 1  # one anchor: lap durations are exact decoder differences
    (offset_ns,) = offsets
    assert abs(offset_ns - model.race_start_ns) < 50_000_000  # mapped onto the host clock


def test_pty_handshake_passings_unplug_and_reconnect(
    tmp_path: Path, emulator: ZRoundEmulator, model: ZRoundDecoderModel
) -> None:
    path = emulator.open_pty(tmp_path / "zround")
    emulator.start()
    settings = SerialGate(id="loop", url=path, transponders={"01": "alice"})
    adapter = build_gate(settings)
    assert isinstance(adapter, DecoderGateAdapter)
    sink = check_unplug_and_replug(adapter, emulator, model)
    assert adapter.stats["connects"] == 2  # each connect waited for %A&
    assert model.commands == ["C", "I", "C"]  # connect, race start once, reconnect
    by_source = {c.source: c.transponder for c in sink.crossings}
    assert by_source == {"zround:01": "alice", "zround:02": "02", "zround:1A2B3": "1A2B3"}
    assert {n.sensor for n in sink.notices} == {path}


def test_tcp_passings_reset_and_reconnect(
    emulator: ZRoundEmulator, model: ZRoundDecoderModel
) -> None:
    port = emulator.open_tcp()
    emulator.start()
    adapter = build_gate(TcpGate(id="loop", host="127.0.0.1", port=port))
    assert isinstance(adapter, DecoderGateAdapter)
    check_unplug_and_replug(adapter, emulator, model)
    assert model.commands == ["I"]  # no %C& handshake on TCP; the race starts once


def test_bad_bytes_are_counted_and_never_cross(
    tmp_path: Path, emulator: ZRoundEmulator, model: ZRoundDecoderModel
) -> None:
    port = emulator.open_tcp()
    emulator.start()
    adapter = DecoderGateAdapter(TcpGate(port=port))
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    try:
        sink.wait_for(lambda: len(sink.crossings) >= 2, "first passings")
        emulator.inject(b"\xff\xfegarbage%L0G1234&%L02FFFFFFFFFFFFFFFF&%T+1&%L0" + b"9" * 300)
        sink.wait_for(lambda: "bad_bytes" in sink.kinds(), "a bad_bytes notice")
        emulator.stop()
        sink.wait_for(lambda: len(sink.crossings) >= len(model.passings), "all passings")
    finally:
        adapter.stop()
    assert adapter.stats["bad_frames"] >= 4
    assert sink.kinds().count("bad_bytes") == 1  # rate limited
    check_crossings_match(sink.crossings, model)


def test_a_mute_port_is_reported_and_retried(tmp_path: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        adapter = DecoderGateAdapter(SerialGate(url=os.ttyname(slave)))
        sink = Sink()
        adapter.start(sink.crossing, sink.notice)
        sink.wait_for(lambda: "disconnected" in sink.kinds(), "the disconnect notice")
        adapter.stop()
    finally:
        os.close(master)
        os.close(slave)
    assert "no answer" in sink.notices[0].detail
    assert sink.crossings == []


def test_nothing_listening_is_reported_not_raised() -> None:
    adapter = DecoderGateAdapter(TcpGate(host="127.0.0.1", port=9))
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    sink.wait_for(lambda: "disconnected" in sink.kinds(), "the disconnect notice")
    adapter.stop()
    assert sink.kinds() == ["disconnected"]


def test_a_replugged_decoder_is_found_again_by_usb_id(
    tmp_path: Path,
    emulator: ZRoundEmulator,
    model: ZRoundDecoderModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = emulator.open_pty()  # a new /dev/pts/N, not the configured path

    class FakePortInfo:
        vid, pid, device = 0x0403, 0x6001, path

    monkeypatch.setattr("lapgate.hardware.decoder.list_ports.comports", lambda: [FakePortInfo()])
    emulator.start()
    settings = SerialGate(url=str(tmp_path / "gone"), usb_id="0403:6001")
    adapter = DecoderGateAdapter(settings)
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    try:
        sink.wait_for(lambda: len(sink.crossings) >= 3, "passings via the USB id")
    finally:
        adapter.stop()
    assert "disconnected" not in sink.kinds()


@pytest.mark.parametrize("link", ["tcp", "pty"])
def test_a_previous_race_re_sent_at_start_up_is_dropped(tmp_path: Path, link: str) -> None:
    # The decoder has been running a race for 30 s; lapgate starts and connects.
    profile = CarProfile(mean_lap_s=0.6, sigma_lap_s=0.05)
    before_ns = time.monotonic_ns() - 30_000_000_000
    model = ZRoundDecoderModel(TRANSPONDERS, profile, seed=5, now_ns=before_ns)
    model.advance(time.monotonic_ns())
    assert len(model.passings) > 100
    emulator = ZRoundEmulator(model)
    if link == "tcp":
        settings: SerialGate | TcpGate = TcpGate(port=emulator.open_tcp())
    else:
        settings = SerialGate(url=emulator.open_pty(tmp_path / "zround"))
    emulator.start()
    adapter = DecoderGateAdapter(settings)
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    try:
        sink.wait_for(lambda: len(sink.crossings) >= 6, "passings of the new race")
        emulator.stop()
        sink.wait_for(lambda: len(sink.crossings) >= len(model.passings), "all passings")
    finally:
        adapter.stop()
        emulator.stop()
    assert adapter.stats["stale"] > 100
    check_crossings_match(sink.crossings, model)  # only the race lapgate started
    assert "drift" not in sink.kinds()


def test_stop_sends_the_race_stop(emulator: ZRoundEmulator, model: ZRoundDecoderModel) -> None:
    port = emulator.open_tcp()
    emulator.start()
    adapter = DecoderGateAdapter(TcpGate(port=port))
    sink = Sink()
    adapter.start(sink.crossing, sink.notice)
    sink.wait_for(lambda: len(sink.crossings) >= 1, "a passing")
    adapter.stop()
    wait_until(lambda: model.commands == ["I", "F"], "the %F& race stop")
    assert model.advance(time.monotonic_ns() + 60_000_000_000) == b""  # the race is over
