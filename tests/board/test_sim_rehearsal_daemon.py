"""End to end: `lapgate run` with a simulated gate times what staff stage, no hardware."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "rehearsal password"

pytestmark = pytest.mark.timeout(120)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(tmp_path: Path, port: int) -> Path:
    """A venue config whose only gate is simulated, 100 × faster than real time."""
    config = tmp_path / "rehearsal.toml"
    config.write_text(
        '[event]\nname = "Rehearsal"\nseason = "2026"\n'
        "[round]\ntime_limit_s = 600\n"  # 6 s of real time
        '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 5\nspeed_factor = 100\n'
        "mean_lap_s = 5.0\nsigma_lap_s = 0.2\n"
        '[[track]]\nid = "track-1"\nname = "Track"\ngate = "finish"\n'
        f'[board]\nport = {port}\nstaff_password_hash = "{generate_password_hash(PASSWORD)}"\n'
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    return config


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[str]:
    """`lapgate run` in a subprocess; yields its base URL once it answers."""
    port = free_port()
    command = [sys.executable, "-c", "from board.cli import main; main()", "run"]
    command += ["--config", str(write_config(tmp_path, port))]
    log = (tmp_path / "daemon.log").open("wb")
    proc = subprocess.Popen(
        command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "daemon.log").read_text()
            try:
                if requests.get(f"{base}/api/gates", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "lapgate run did not answer within 60 s"
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert "Traceback" not in (tmp_path / "daemon.log").read_text()


def staff_session(base: str) -> tuple[requests.Session, str]:
    """A session logged in through the real form, and its CSRF token for the API."""
    session = requests.Session()
    form = session.get(f"{base}/control", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form
    response = session.post(
        f"{base}/control/login",
        data={"password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302, response.text
    page = session.get(f"{base}/control", timeout=5).text
    fresh = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert fresh is not None, page
    return session, fresh.group(1)


def control(session: requests.Session, base: str, token: str, action: str, **payload: Any) -> Any:
    response = session.post(
        f"{base}/api/control/{action}", json=payload, headers={"X-CSRF-Token": token}, timeout=5
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_staged_racer_laps_on_the_simulated_gate(daemon: str) -> None:
    session, token = staff_session(daemon)
    control(session, daemon, token, "queue_add", alias="Ada Lovelap")
    run_id = control(session, daemon, token, "stage")["run_id"]
    deadline = time.monotonic() + 30
    while True:
        run = requests.get(f"{daemon}/api/snapshot", timeout=5).json()["tracks"][0]["run"]
        assert run["run_id"] == run_id and run["racer"] == "Ada Lovelap"
        if len(run["laps"]) >= 3:
            break
        assert time.monotonic() < deadline, f"no 3 laps within 30 s: {run}"
        time.sleep(0.05)
    assert run["status"] == "running"
    # Times are on the gate's virtual clock: laps last what the profile says (5 s, plus a
    # reset penalty after an off-track), not the 50 ms of real time they took.
    assert all(3_000 < lap["duration_ms"] < 16_000 for lap in run["laps"]), run["laps"]
    assert {lap["source"] for lap in run["laps"]} == {"gate"}
