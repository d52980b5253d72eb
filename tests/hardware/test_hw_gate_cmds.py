"""`lapgate gate-test` and `lapgate emulate zround` through the real command line."""

from __future__ import annotations

import itertools
import re
import socket
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from lapgate.board.cli import cli
from lapgate.config.settings import TcpGate
from lapgate.hardware.decoder import DecoderGateAdapter
from lapgate.hardware.emulator import ZRoundDecoderModel, ZRoundEmulator
from lapgate.hardware.simulator import CarProfile
from lapgate.timer.events import Crossing
from lapgate.timer.units import format_s

LINE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+t=\s*([\d.]+) s\s+t_ns=(\d+)\s+gate Δ\s+(\S+) s")


def crossing_lines(output: str) -> list[re.Match[str]]:
    return [m for m in map(LINE.match, output.splitlines()) if m]


def test_gate_test_prints_simulated_crossings_with_intervals(tmp_path: Path) -> None:
    config = tmp_path / "lapgate.toml"
    config.write_text(
        '[[gate]]\nid = "finish"\nkind = "simulated"\nspeed_factor = 50\nmean_lap_s = 2.0\n'
        "double_trigger_probability = 0\nmissed_crossing_probability = 0\n"
    )
    result = CliRunner().invoke(
        cli, ["gate-test", "--config", str(config), "--duration-s", "0.5"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "finish     listening (simulated)" in result.output
    lines = crossing_lines(result.output)
    assert len(lines) >= 3
    assert {m.group(2) for m in lines} == {"sim:test-car"}
    t_ns = [int(m.group(5)) for m in lines]
    gaps_s = [m.group(6) for m in lines[1:]]
    assert gaps_s == [format_s(b - a) for a, b in itertools.pairwise(t_ns)]


def test_gate_test_against_the_tcp_emulator_names_the_cars(tmp_path: Path) -> None:
    model = ZRoundDecoderModel(["01", "02"], CarProfile(0.4, 0.02), now_ns=time.monotonic_ns())
    emulator = ZRoundEmulator(model)
    port = emulator.open_tcp()
    emulator.start()
    config = tmp_path / "lapgate.toml"
    config.write_text(
        f'[[gate]]\nid = "loop"\nkind = "tcp"\nport = {port}\ntransponders = {{ "01" = "alice" }}\n'
        '[[track]]\ngate = "loop"\n'
    )
    try:
        result = CliRunner().invoke(
            cli, ["gate-test", "--config", str(config), "--duration-s", "3"]
        )
    finally:
        emulator.stop()
    assert result.exit_code == 0, result.output
    cars = {(m.group(2), m.group(3)) for m in crossing_lines(result.output)}
    assert cars == {("zround:01", "alice"), ("zround:02", "02")}


def test_gate_test_refuses_an_unknown_gate(tmp_path: Path) -> None:
    config = tmp_path / "lapgate.toml"
    config.write_text('[[gate]]\nid = "finish"\nkind = "simulated"\n')
    result = CliRunner().invoke(cli, ["gate-test", "--config", str(config), "--gate", "nope"])
    assert result.exit_code != 0
    assert "expected gate ids from ['finish']" in result.output


def test_emulate_zround_over_tcp_serves_a_real_adapter() -> None:
    with socket.socket() as probe:  # a free port for the emulator
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["emulate", "zround", "--tcp", str(port), "--cars", "0A,1B2", "--mean-lap-s", "0.4"]
    args += ["--sigma-lap-s", "0.02", "--duration-s", "3"]
    results: list[str] = []
    runner = threading.Thread(target=lambda: results.append(CliRunner().invoke(cli, args).output))
    runner.start()
    got: list[Crossing] = []
    seen = threading.Event()

    def on_crossing(crossing: Crossing) -> None:
        got.append(crossing)
        if {c.source for c in got} == {"zround:0A", "zround:1B2"}:
            seen.set()

    adapter = DecoderGateAdapter(TcpGate(port=port))
    adapter.start(on_crossing, lambda notice: None)
    try:
        assert seen.wait(10)
    finally:
        adapter.stop()
        runner.join()
    assert f"listening on 127.0.0.1:{port}" in results[0]
    assert re.search(r"\d+ passings this race", results[0])


def test_emulate_zround_pty_and_bad_cars(tmp_path: Path) -> None:
    link = tmp_path / "decoder"
    result = CliRunner().invoke(
        cli, ["emulate", "zround", "--pty", str(link), "--duration-s", "0.1"]
    )
    assert result.exit_code == 0, result.output
    assert f"serial port {link}" in result.output
    assert not link.exists()  # removed on exit
    bad = CliRunner().invoke(cli, ["emulate", "zround", "--cars", "xx", "--duration-s", "0.1"])
    assert bad.exit_code != 0 and "expected comma-separated hex" in bad.output
