"""Start-up errors of `lapgate run` / `lapgate demo`: one clear sentence with the fix each,
no traceback (port in use, GPIO missing or refused, serial device missing, bad config)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lapgate.board.cli import main
from lapgate.board.service import Service, UnavailableGate, build_gates
from lapgate.board.startup import gate_problems, gpio_problem, serial_problem
from lapgate.board.store import MemoryStore
from lapgate.config import settings_from_dict
from lapgate.config.settings import GpioGate, SerialGate, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port some other program is listening on."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def lapgate(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """Run the console entry point in-process; return its exit code and stderr."""
    monkeypatch.setattr(sys, "argv", ["lapgate", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    code = stopped.value.code
    return int(code) if isinstance(code, int) else 1, capsys.readouterr().err


def write_config(path: Path, gate: str, port: int = 5000, extra: str = "") -> Path:
    path.write_text(
        f'[[gate]]\nid = "finish"\n{gate}\n'
        '[[track]]\nid = "t1"\nname = "Track"\ngate = "finish"\n'
        f'[board]\nport = {port}\n[store]\ndata_dir = "{path.parent / "data"}"\n{extra}',
        encoding="utf-8",
    )
    return path


def assert_one_sentence(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("lapgate: ")
    for needle in needles:
        assert needle in lines[0], stderr


# ---- port in use -------------------------------------------------------------------


def test_run_on_a_port_in_use_says_so_and_how_to_fix_it(
    tmp_path: Path,
    busy_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path / "lapgate.toml", 'kind = "simulated"', busy_port)
    code, err = lapgate(["run", "--config", str(config)], monkeypatch, capsys)
    assert code == 2
    assert_one_sentence(err, f"port {busy_port}", "already in use", "[board] port")
    assert not (tmp_path / "data").exists()  # nothing was started or created


def test_demo_on_a_port_in_use_says_so_and_how_to_fix_it(
    tmp_path: Path,
    busy_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["demo", "--port", str(busy_port), "--data", str(tmp_path / "demo")]
    code, err = lapgate(args, monkeypatch, capsys)
    assert code == 2
    assert_one_sentence(err, "already in use", "--port")


def test_a_host_that_is_not_this_computer_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["demo", "--host", "192.0.2.1", "--port", "5000", "--data", str(tmp_path / "d")]
    code, err = lapgate(args, monkeypatch, capsys)  # 192.0.2.1: TEST-NET-1, never local
    assert code == 2
    assert_one_sentence(err, "192.0.2.1", "[board] host")


def test_port_in_use_through_the_installed_entry_point(tmp_path: Path, busy_port: int) -> None:
    config = write_config(tmp_path / "lapgate.toml", 'kind = "simulated"', busy_port)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from lapgate.board.cli import main; main()",
            "run",
            "--config",
            config,
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert_one_sentence(done.stderr, "already in use")


# ---- bad config and database -------------------------------------------------------


def test_bad_config_names_the_key_and_the_check_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[round]\ntime_limit_s = -5\n", encoding="utf-8")
    code, err = lapgate(["run", "--config", str(config)], monkeypatch, capsys)
    assert code == 2
    assert_one_sentence(err, "round.time_limit_s: got -5", f"lapgate check-config {config}")


def test_several_config_problems_are_one_line_each_then_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[round]\ntime_limit_s = -5\n[board]\nport = 0\n", encoding="utf-8")
    code, err = lapgate(["run", "--config", str(config)], monkeypatch, capsys)
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert "time_limit_s" in lines[0] and "board.port" in lines[1]
    assert lines[2] == f"Fix these, then check the file with `lapgate check-config {config}`"


@pytest.mark.parametrize("content", ["[round\n", None])
def test_unreadable_or_missing_config_is_one_sentence(
    tmp_path: Path,
    content: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "lapgate.toml"
    if content is not None:
        config.write_text(content, encoding="utf-8")
    code, err = lapgate(["run", "--config", str(config)], monkeypatch, capsys)
    assert code == 2
    assert_one_sentence(err, str(config))


def test_a_data_folder_that_cannot_be_created_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    config = write_config(tmp_path / "lapgate.toml", 'kind = "simulated"', 5000)
    config.write_text(
        config.read_text(encoding="utf-8").replace(str(tmp_path / "data"), str(blocker / "x")),
        encoding="utf-8",
    )
    with socket.socket() as sock:  # a free port, so the port check passes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config.write_text(
        config.read_text(encoding="utf-8").replace("port = 5000", f"port = {port}"),
        encoding="utf-8",
    )
    code, err = lapgate(["run", "--config", str(config)], monkeypatch, capsys)
    assert code == 2
    assert_one_sentence(err, "cannot open the database", "[store] data_dir")


# ---- gates: the board still starts; the log says what to do -----------------------


def gpio_gate(**extra: object) -> GpioGate:
    return GpioGate(id="finish", pins_bcm=[17], **extra)  # type: ignore[arg-type]


def test_no_gpio_chip_says_run_on_the_pi(tmp_path: Path) -> None:
    problem = gpio_problem(gpio_gate(), dev=tmp_path)
    assert "no GPIO" in problem and "simulated" in problem


def test_gpio_without_permission_names_the_gpio_group(tmp_path: Path) -> None:
    (tmp_path / "gpiochip0").touch()
    problem = gpio_problem(gpio_gate(), dev=tmp_path, can_open=lambda path: False)
    assert f"no permission to open {tmp_path / 'gpiochip0'}" in problem
    assert "usermod -aG gpio" in problem


def test_an_accessible_gpio_chip_or_the_mock_factory_is_fine(tmp_path: Path) -> None:
    (tmp_path / "gpiochip0").touch()
    assert gpio_problem(gpio_gate(), dev=tmp_path, can_open=lambda path: True) == ""
    assert gpio_problem(gpio_gate(pin_factory="mock"), dev=tmp_path / "none") == ""


def test_serial_device_missing_or_refused(tmp_path: Path) -> None:
    device = tmp_path / "ttyUSB0"
    gate = SerialGate(id="finish", url=str(device))
    assert "not found: plug the decoder in" in serial_problem(gate, dev=tmp_path)
    device.touch()
    refused = serial_problem(gate, dev=tmp_path, can_open=lambda path: False)
    assert "usermod -aG dialout" in refused
    assert serial_problem(gate, dev=tmp_path, can_open=lambda path: True) == ""
    assert serial_problem(SerialGate(id="finish", url="socket://decoder:5403")) == ""


def gpio_settings() -> Settings:
    return settings_from_dict(
        {
            "gate": [{"id": "finish", "kind": "gpio", "pins_bcm": [17]}],
            "track": [{"id": "t1", "name": "Track", "gate": "finish"}],
        }
    )


def test_a_refused_gpio_gate_logs_one_sentence_and_the_board_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "gpiochip0").touch()
    monkeypatch.setattr("lapgate.board.startup.DEV", tmp_path)
    monkeypatch.setattr("lapgate.board.startup._can_open", lambda path: False)
    settings = gpio_settings()
    assert list(gate_problems(settings)) == ["finish"]
    gates = build_gates(settings)
    assert isinstance(gates["finish"], UnavailableGate)
    service = Service(settings, MemoryStore(), gates=gates)
    with caplog.at_level(logging.WARNING):
        service.start(serve=False)
    try:
        health = service.host.call(lambda race: race.gates["finish"])
    finally:
        service.stop()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "usermod -aG gpio" in errors[0].getMessage()
    assert health.level == "error" and "usermod -aG gpio" in health.detail


def test_serial_device_missing_through_lapgate_run(tmp_path: Path) -> None:
    """End to end: the daemon starts, says what to plug in, and keeps serving."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gate = 'kind = "serial"\nurl = "/dev/ttyLAPGATE-missing"'
    config = write_config(tmp_path / "lapgate.toml", gate, port)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from lapgate.board.cli import main; main()",
            "run",
            "--config",
            config,
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "ttyLAPGATE" not in line:
            line = proc.stderr.readline()
            assert line, "lapgate exited before reporting the serial device"
        assert "serial device /dev/ttyLAPGATE-missing not found: plug the decoder in" in line
        assert proc.poll() is None  # still serving: manual laps work meanwhile
    finally:
        proc.terminate()
        _, rest = proc.communicate(timeout=30)
    assert "Traceback" not in rest
