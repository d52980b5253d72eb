"""Resident memory and CPU of the lapgate daemon during a simulated event.

Starts the daemon as a separate process, as it runs at a venue, and measures it from
/proc (Linux): resident memory (mean and peak of the samples, and the kernel's high-water
mark VmHWM) and CPU time as a percentage of one core over the sampling window.

Two phases, each a fresh process on a fresh SQLite file in a temporary folder:

- idle: ``lapgate run`` with a simulated gate and nothing on track (the queue is empty),
  sampled over ``--idle-s`` seconds (default 20);
- run: ``lapgate demo``, whose driver stages racers and drives simulated cars over the
  gate lap after lap, sampled over ``--run-s`` seconds (default 30).

In the idle phase a staff member logs in on /control before the sampling starts (the
password check, scrypt, briefly takes 32 MB: it shows in the peak, VmHWM, not in the
samples); the demo hashes its password at start, which shows the same way.
In both phases ``--screens`` Socket.IO clients (default 2: the big screen and a phone)
stay connected to ``/live`` and receive every update, as at an event. The measuring
process is not counted.

Usage: ``python bench/footprint.py [--idle-s 20] [--run-s 30] [--screens 2]``; prints a
table and exits 1 when a figure misses its target (RSS < 120 MB, idle CPU < 3 % of a core).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RSS_TARGET_MB = 120.0
IDLE_CPU_TARGET_PCT = 3.0
WARM_UP_S = 3.0
START_TIMEOUT_S = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

IDLE_CONFIG = """\
[event]
name = "Footprint bench"
kind = "summit"

[round]
format = "fastest_lap"
time_limit_s = 60

[[gate]]
id = "finish"
kind = "simulated"
seed = 7

[[track]]
id = "track-1"
name = "Bench track"
gate = "finish"

[board]
host = "127.0.0.1"
port = {port}
staff_password_hash = "{password_hash}"

[store]
data_dir = "{data_dir}"
"""


@dataclass(frozen=True, slots=True)
class Figures:
    """One phase's measurements: memory in MB, CPU in % of one core."""

    phase: str
    seconds: float
    rss_mean_mb: float
    rss_max_mb: float
    hwm_mb: float
    cpu_pct: float
    updates: int


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of `pid` and its threads, in clock ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def rss_mb(pid: int) -> float:
    """Resident set size of `pid` now, in MB."""
    pages = int(Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1])
    return pages * PAGE_KB / 1024


def hwm_mb(pid: int) -> float:
    """The kernel's peak resident set size of `pid` (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lapgate_command() -> list[str]:
    return [sys.executable, "-c", "from lapgate.board.cli import main; main()"]


@contextmanager
def daemon(args: list[str], cwd: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start `lapgate ARGS`; yield the process and its board URL once it serves."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        lapgate_command() + args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, _wait_for_url(proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"Big screen: (http://\S+?)/?$", line.strip())
        if match:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain
            return match.group(1)
    raise SystemExit("lapgate did not start:\n" + "".join(seen))


class Screens:
    """`count` Socket.IO clients on /live that count the updates they receive."""

    def __init__(self, url: str, count: int) -> None:
        import socketio

        self.updates = 0
        self._lock = threading.Lock()
        self.clients: list[socketio.Client] = []
        for _ in range(count):
            client = socketio.Client(reconnection=False)
            client.on("update", self._on_update, namespace="/live")
            client.connect(url, namespaces=["/live"], transports=["websocket"])
            self.clients.append(client)

    def _on_update(self, message: object) -> None:
        with self._lock:
            self.updates += 1

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()


def sample(pid: int, phase: str, seconds: float, screens: Screens) -> Figures:
    """Sample `pid` once a second for `seconds`; CPU from the tick delta over the window."""
    rss: list[float] = []
    updates_before = screens.updates
    ticks_before, wall_before = cpu_ticks(pid), time.monotonic()
    while time.monotonic() - wall_before < seconds:
        rss.append(rss_mb(pid))
        time.sleep(1.0)
    ticks_after, wall_after = cpu_ticks(pid), time.monotonic()
    rss.append(rss_mb(pid))
    wall_s = wall_after - wall_before
    return Figures(
        phase=phase,
        seconds=wall_s,
        rss_mean_mb=sum(rss) / len(rss),
        rss_max_mb=max(rss),
        hwm_mb=hwm_mb(pid),
        cpu_pct=100.0 * (ticks_after - ticks_before) / CLK_TCK / wall_s,
        updates=screens.updates - updates_before,
    )


def measure(
    args: list[str], cwd: Path, phase: str, seconds: float, n_screens: int, login: str = ""
) -> Figures:
    with daemon(args, cwd) as (proc, url):
        if login:
            staff_login(url, login)
        screens = Screens(url, n_screens)
        try:
            time.sleep(WARM_UP_S)
            return sample(proc.pid, phase, seconds, screens)
        finally:
            screens.close()


def staff_login(url: str, password: str) -> None:
    """Log in on /control as staff would (a GET for the form's CSRF token, then the POST)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{url}/control", timeout=30) as response:
        page = response.read().decode("utf-8")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if match is None:
        raise SystemExit("no CSRF token on the login page")
    form = urllib.parse.urlencode({"csrf_token": match.group(1), "password": password})
    with opener.open(f"{url}/control/login", data=form.encode("ascii"), timeout=30) as response:
        if "/control/login" in response.geturl():
            raise SystemExit("staff login failed")


def idle_phase(tmp: Path, seconds: float, n_screens: int) -> Figures:
    from werkzeug.security import generate_password_hash

    password = secrets.token_urlsafe(9)
    config = tmp / "idle.toml"
    text = IDLE_CONFIG.format(
        port=free_port(),
        data_dir=tmp / "idle-data",
        password_hash=generate_password_hash(password),
    )
    config.write_text(text, encoding="utf-8")
    label = "idle (lapgate run, empty queue)"
    args = ["run", "--config", str(config)]
    return measure(args, tmp, label, seconds, n_screens, login=password)


def run_phase(tmp: Path, seconds: float, n_screens: int) -> Figures:
    args = ["demo", "--port", "0", "--data", str(tmp / "demo-data")]
    return measure(args, tmp, "run (lapgate demo, cars on track)", seconds, n_screens)


def print_table(rows: list[Figures], n_screens: int) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"lapgate footprint: {machine}")
    print(f"{n_screens} Socket.IO screens connected; CPU in % of one core\n")
    columns = ("phase", "s", "RSS mean", "RSS max", "VmHWM", "CPU %", "updates")
    widths = (36, 5, 9, 8, 7, 6, 8)
    header = " ".join(
        f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
        for i, (c, w) in enumerate(zip(columns, widths, strict=True))
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.phase:<36} {r.seconds:>5.0f} {r.rss_mean_mb:>6.1f} MB {r.rss_max_mb:>5.1f} MB"
            f" {r.hwm_mb:>4.0f} MB {r.cpu_pct:>6.2f} {r.updates:>8}"
        )
    print(
        f"\ntargets: RSS < {RSS_TARGET_MB:.0f} MB (sampled), idle CPU < "
        f"{IDLE_CPU_TARGET_PCT:.0f} % of a core; VmHWM includes the one-off 32 MB of a "
        "scrypt password check (staff login / demo start)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-s", type=float, default=20.0)
    parser.add_argument("--run-s", type=float, default=30.0)
    parser.add_argument("--screens", type=int, default=2)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lapgate-footprint-") as tmp_name:
        tmp = Path(tmp_name)
        rows = [
            idle_phase(tmp, opts.idle_s, opts.screens),
            run_phase(tmp, opts.run_s, opts.screens),
        ]
    print_table(rows, opts.screens)
    over = [r for r in rows if r.rss_max_mb >= RSS_TARGET_MB]
    if rows[0].cpu_pct >= IDLE_CPU_TARGET_PCT:
        over.append(rows[0])
    if over:
        print("over target: " + ", ".join(sorted({r.phase for r in over})))
        sys.exit(1)


if __name__ == "__main__":
    main()
