"""`lapgate run` as systemd runs it: one per data folder, /healthz, a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from daemon_support import ROOT, Staff, free_port, lapgate_run, venue_sections

pytestmark = pytest.mark.timeout(120)
CONFIG = '[event]\nname = "Lifecycle"\nseason = "2026"\n'


def test_healthz_answers_and_a_second_daemon_on_the_folder_is_refused(tmp_path: Path) -> None:
    port = free_port()
    with lapgate_run(tmp_path, CONFIG + venue_sections(tmp_path, port), port) as base:
        health = requests.get(f"{base}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["engine"] == "ok"
        other = free_port()
        config = tmp_path / "second.toml"
        config.write_text(CONFIG + venue_sections(tmp_path, other), encoding="utf-8")
        second = subprocess.run(
            [sys.executable, "-m", "lapgate", "run", "--config", str(config)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2, second.stderr
        assert "another lapgate (pid " in second.stderr and "is running on it" in second.stderr
        assert Staff(base).get("/api/event")["name"] == "Lifecycle"  # the first one is fine


def test_sigterm_stops_cleanly_within_5_s(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "venue.toml"
    config.write_text(CONFIG + venue_sections(tmp_path, port), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lapgate", "run", "--config", str(config)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        took_s = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    output, _ = proc.communicate(timeout=10)
    assert code == 0, output
    assert took_s < 5, f"stopped after {took_s:.1f} s"
    assert "lapgate stopped" in output and "Traceback" not in output


def test_systemd_hears_ready_and_the_watchdog(tmp_path: Path) -> None:
    """A datagram socket stands in for systemd's NOTIFY_SOCKET (Type=notify, WatchdogSec)."""
    import socket

    port = free_port()
    config = tmp_path / "venue.toml"
    config.write_text(CONFIG + venue_sections(tmp_path, port), encoding="utf-8")
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(address)
        systemd.settimeout(30)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": address}
        env["WATCHDOG_USEC"] = "1000000"  # every 0.5 s while the engine answers
        env.pop("WATCHDOG_PID", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "lapgate", "run", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            heard = [systemd.recv(64).decode() for _ in range(3)]
            assert heard == ["READY=1", "WATCHDOG=1", "WATCHDOG=1"]
            assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok
            proc.send_signal(signal.SIGTERM)
            assert systemd.recv(64).decode() in ("WATCHDOG=1", "STOPPING=1")
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
