"""Shared by bench/robustness.py and bench/soak.py: a real `lapgate run`, its memory, a
staff session, an emulated ZRound decoder, and the count of passings that never got stored.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
PASSWORD = "bench staff password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1])
    return pages * PAGE_KB / 1024


def hwm_mb(pid: int) -> float:
    """The kernel's peak resident set size of `pid` so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def venue_config(
    folder: Path,
    port: int,
    decoder_port: int,
    *,
    data_dir: Path | None = None,
    journal: Path | None = None,
    time_limit_s: int = 600,
) -> Path:
    """A venue config: one track timed by a ZRound decoder over TCP, car-1 = transponder 01."""
    from werkzeug.security import generate_password_hash

    store = f'data_dir = "{data_dir or folder / "data"}"\n'
    if journal is not None:
        store += f'fallback_journal = "{journal}"\n'
    text = (
        '[event]\nname = "Bench Summit"\nseason = "2026"\n'
        f"[round]\ntime_limit_s = {time_limit_s}\nlockout_s = 0.3\n"
        f'[[gate]]\nid = "loop"\nkind = "tcp"\nport = {decoder_port}\n'
        'transponders = { "01" = "car-1" }\n'
        '[[track]]\nid = "track-1"\ngate = "loop"\n'
        f'[board]\nport = {port}\nstaff_password_hash = "{generate_password_hash(PASSWORD)}"\n'
        f"[store]\n{store}"
    )
    path = folder / "venue.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Daemon:
    """`lapgate run --config CONFIG` in a subprocess; its log in `folder`/daemon.log."""

    config: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        self.starts += 1
        log = (self.config.parent / f"daemon-{self.starts}.log").open("wb")
        command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", "run"]
        self.proc = subprocess.Popen(
            [*command, "--config", str(self.config)],
            cwd=self.config.parent,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"lapgate run exited: see {log.name}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("lapgate run did not answer within 60 s")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send `sig`; the exit code and the seconds until the process was gone."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        return code, time.monotonic() - started

    def tracebacks(self) -> int:
        return sum(
            log.read_text(errors="replace").count("Traceback")
            for log in self.config.parent.glob("daemon-*.log")
        )


class Staff:
    """A staff session logged in through the real form; commands to /api/control."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        form = self.session.get(f"{base}/control", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None, "no login form"
        response = self.session.post(
            f"{base}/control/login",
            data={"password": PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text
        page = self.session.get(f"{base}/control", timeout=10).text
        fresh = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
        assert fresh is not None
        self.token = fresh.group(1)

    def act(self, command: str, **payload: Any) -> requests.Response:
        return self.session.post(
            f"{self.base}/api/control/{command}",
            json=payload,
            headers={"X-CSRF-Token": self.token},
            timeout=15,
        )

    def get(self, path: str) -> Any:
        return self.session.get(f"{self.base}{path}", timeout=15).json()

    def close(self) -> None:
        self.session.close()


def decoder(lap_s: float, seed: int = 7) -> tuple[Any, Any, int]:
    """A started ZRound emulator on a TCP port: (emulator, its model, port)."""
    from lapgate.hardware.emulator import ZRoundDecoderModel, ZRoundEmulator
    from lapgate.hardware.simulator import CarProfile

    profile = CarProfile(mean_lap_s=lap_s, sigma_lap_s=lap_s / 20)
    model = ZRoundDecoderModel(["01"], profile, seed=seed, now_ns=time.monotonic_ns())
    emulator = ZRoundEmulator(model)
    port = emulator.open_tcp()
    emulator.start()
    return emulator, model, port


def stored_crossings(database: Path) -> dict[str, list[int]]:
    """run id → t_ns of its stored gate crossings, in log order (read from the file)."""
    runs: dict[str, list[int]] = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT run_id, payload FROM run_events WHERE kind = 'crossing' "
            "ORDER BY run_id, event_id"
        )
        for run_id, payload in rows:
            runs.setdefault(run_id, []).append(int(json.loads(payload)["t_ns"]))
    return runs


@dataclass
class Tally:
    made: int = 0  # decoder passings while a run was on track
    stored: int = 0
    lost: list[int] = field(default_factory=list)  # decoder ms of passings never stored
    doubled: int = 0


def passings_lost(model: Any, runs: dict[str, list[int]]) -> Tally:
    """Decoder passings inside each run's span that are not in its log (and doubles).

    Host instants are decoder ms + one offset (the decoder session keeps it across a
    restart); it is taken from the last stored crossing and the decoder's passing nearest.
    """
    tally = Tally()
    decoder_ms = sorted(ms for _, ms in model.passings)
    everything = sorted(t for times in runs.values() for t in times)
    if not everything or not decoder_ms:
        return tally
    wanted = {ms * 1_000_000 for ms in decoder_ms}
    last = everything[-1]
    candidates = [last - ms * 1_000_000 for ms in decoder_ms]
    offset = max(candidates, key=lambda o: sum(1 for t in everything if t - o in wanted))
    host = [ms * 1_000_000 + offset for ms in decoder_ms]
    for times in runs.values():
        if not times:
            continue
        first, end = min(times), max(times)
        inside = [t for t in host if first <= t <= end]
        stored = set(times)
        tally.made += len(inside)
        tally.stored += len([t for t in times if t in set(inside)])
        tally.doubled += len(times) - len(stored)
        tally.lost += [(t - offset) // 1_000_000 for t in inside if t not in stored]
    return tally
