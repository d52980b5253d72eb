"""A real `lapgate run` in a subprocess, and a staff client for its HTTP API."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import requests
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "rehearsal password"
T = TypeVar("T")
_SESSIONS: list[requests.Session] = []  # closed when their daemon stops (no stray sockets)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def venue_sections(tmp_path: Path, port: int) -> str:
    """The [board] and [store] sections of a test venue: a free port, a staff password."""
    return (
        f'\n[board]\nport = {port}\nstaff_password_hash = "{generate_password_hash(PASSWORD)}"\n'
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n'
    )


@contextmanager
def lapgate_run(tmp_path: Path, config_text: str, port: int) -> Iterator[str]:
    """`lapgate run --config` in a subprocess; yields its base URL once it answers."""
    config = tmp_path / "venue.toml"
    config.write_text(config_text, encoding="utf-8")
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", "run"]
    command += ["--config", str(config)]
    log_path = tmp_path / "daemon.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                if requests.get(f"{base}/api/gates", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "lapgate run did not answer within 60 s"
            time.sleep(0.1)
        yield base
    finally:
        while _SESSIONS:
            _SESSIONS.pop().close()
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert "Traceback" not in log_path.read_text(), log_path.read_text()


class Staff:
    """A staff session logged in through the real form; commands go to /api/control."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        _SESSIONS.append(self.session)
        form = self.session.get(f"{base}/control", timeout=5).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None, form
        response = self.session.post(
            f"{base}/control/login",
            data={"password": PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=5,
        )
        assert response.status_code == 302, response.text
        page = self.session.get(f"{base}/control", timeout=5).text
        fresh = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
        assert fresh is not None, page
        self.token = fresh.group(1)

    def post(self, command: str, **payload: Any) -> requests.Response:
        return self.session.post(
            f"{self.base}/api/control/{command}",
            json=payload,
            headers={"X-CSRF-Token": self.token},
            timeout=10,
        )

    def act(self, command: str, **payload: Any) -> Any:
        response = self.post(command, **payload)
        assert response.status_code == 200, f"{command} {payload}: {response.text}"
        return response.json()

    def get(self, path: str) -> Any:
        response = self.session.get(f"{self.base}{path}", timeout=10)
        assert response.status_code == 200, f"{path}: {response.text}"
        return response.json() if "json" in response.headers.get("content-type", "") else response


def wait_for(check: Callable[[], T | None], what: str, timeout_s: float = 30) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(0.02)
