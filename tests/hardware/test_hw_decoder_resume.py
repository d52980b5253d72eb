"""A daemon restart mid-race resumes the decoder's race: no race start, nothing lost or doubled.

The first adapter times part of the race and stops as `lapgate run` does on a restart
(keeping its session file); the emulated decoder keeps racing; a second adapter on the same
session file connects, is re-sent the whole race, and reports exactly the passings the
first did not, on the same clock mapping.
"""

from __future__ import annotations

from pathlib import Path

from test_hw_decoder_link import Sink, check_crossings_match, emulator, model, wait_until

from lapgate.config.settings import TcpGate
from lapgate.hardware.decoder import DecoderGateAdapter
from lapgate.hardware.decoder_session import load_session
from lapgate.hardware.emulator import ZRoundDecoderModel, ZRoundEmulator

__all__ = ["emulator", "model"]  # fixtures shared with the link tests
BOOT = "boot-1"


def test_a_restart_resumes_the_race(
    tmp_path: Path, emulator: ZRoundEmulator, model: ZRoundDecoderModel
) -> None:
    port = emulator.open_tcp()
    emulator.start()
    session = tmp_path / "decoder-loop.json"
    sink = Sink()
    first = DecoderGateAdapter(TcpGate(id="loop", port=port), session_file=session, boot_id=BOOT)
    first.start(sink.crossing, sink.notice)
    sink.wait_for(lambda: len(sink.crossings) >= 6, "passings before the restart")
    first.stop()  # a restart: the decoder's race is left running
    before = len(sink.crossings)
    assert model.commands == ["I"]
    assert load_session(session, BOOT) is not None
    wait_until(lambda: len(model.passings) >= before + 6, "passings while the daemon is down")

    second = DecoderGateAdapter(TcpGate(id="loop", port=port), session_file=session, boot_id=BOOT)
    second.start(sink.crossing, sink.notice)
    sink.wait_for(lambda: len(sink.crossings) >= len(model.passings) >= before + 9, "catch-up")
    second.stop(end_race=True)
    assert model.commands == ["I", "F"]  # no second race start: the decoder clock went on
    assert second.stats["duplicates"] >= before  # the re-sent history was recognised
    wait_until(lambda: model.commands == ["I", "F"], "the race stop")
    check_crossings_match(sink.crossings, model)  # none lost, none doubled, one clock


def test_a_session_of_another_boot_starts_a_new_race(
    tmp_path: Path, emulator: ZRoundEmulator, model: ZRoundDecoderModel
) -> None:
    port = emulator.open_tcp()
    emulator.start()
    session = tmp_path / "decoder-loop.json"
    first = DecoderGateAdapter(TcpGate(id="loop", port=port), session_file=session, boot_id=BOOT)
    sink = Sink()
    first.start(sink.crossing, sink.notice)
    sink.wait_for(lambda: len(sink.crossings) >= 1, "a passing")
    first.stop()
    assert load_session(session, "boot-2") is None  # instants of two boots do not compare
    rebooted = DecoderGateAdapter(
        TcpGate(id="loop", port=port), session_file=session, boot_id="boot-2"
    )
    rebooted.start(sink.crossing, sink.notice)
    wait_until(lambda: model.commands == ["I", "I"], "a new race start after the reboot")
    rebooted.stop()


def test_a_damaged_session_file_starts_a_new_race(tmp_path: Path) -> None:
    session = tmp_path / "decoder-loop.json"
    session.write_text("{not json", encoding="utf-8")
    assert load_session(session, BOOT) is None
