"""Staff can still log in while spectators attack the board: slowloris plus a resync flood.

Starts a real ``lapgate run`` (simulated gate, fresh data folder in a temporary directory)
and, for ``--duration-s`` seconds (default 60):

- keeps ``--sockets`` slowloris sockets open (default 2,000), spread over ``--addresses``
  client addresses (127.0.1.1, 127.0.1.2 …; default 100, so the per-address cap alone
  cannot stop them): each sends the start of a request head and then one more header line
  every few seconds, never finishing; a socket the board closes is opened again;
- runs ``--flooders`` Socket.IO clients (default 1, from 127.0.0.3's point of view any
  spectator) that emit ``resync`` on ``/live`` as fast as they can;
- logs a staff member in from 127.0.0.1 every ``--login-every-s`` seconds (default 3): the
  login form, then the password (a fresh session each time), timed until the redirect.

Prints each login's latency, the daemon's resident memory (sampled every second: peak and
last) and the kernel's high-water mark, and exits 1 when a login failed or took 2 s or more.

Usage: ``python bench/slowloris.py [--duration-s 60] [--sockets 2000] [--addresses 100]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import socketio
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
LOGIN_TARGET_S = 2.0
CONFIG = """\
[event]
name = "Slowloris bench"
season = "2026"

[[gate]]
id = "finish"
kind = "simulated"

[board]
host = "127.0.0.1"
port = {port}
staff_password_hash = "{password_hash}"

[store]
data_dir = "{data_dir}"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Slowloris:
    """`count` half-sent requests kept open from `addresses` loopback addresses."""

    def __init__(self, port: int, count: int, addresses: int, stop: Any, reopened: Any) -> None:
        self.port = port
        self.sources = [f"127.0.1.{n % addresses + 1}" for n in range(count)]
        self.sockets: list[socket.socket | None] = [None] * count
        self.reopened = reopened  # a multiprocessing.Value: read by the measuring process
        self.stop = stop

    def _open(self, n: int) -> None:
        try:
            sock = socket.socket()
            sock.setblocking(False)
            sock.bind((self.sources[n], 0))
            sock.connect_ex(("127.0.0.1", self.port))
            self.sockets[n] = sock
        except OSError:
            self.sockets[n] = None

    def run(self) -> None:
        for n in range(len(self.sockets)):
            self._open(n)
        line = 0
        while not self.stop.wait(2.0):
            line += 1
            for n, sock in enumerate(self.sockets):
                data = b"GET / HTTP/1.1\r\nHost: x\r\n" if line == 1 else b"X-%d: y\r\n" % line
                try:
                    if sock is None:
                        raise OSError
                    sock.send(data)
                    if sock.recv(1) == b"":  # closed by the board: open another
                        raise OSError
                except BlockingIOError:
                    pass  # nothing to read: still open
                except OSError:
                    if sock is not None:
                        sock.close()
                    self.reopened.value += 1
                    self._open(n)
        for sock in self.sockets:
            if sock is not None:
                sock.close()


def run_slowloris(port: int, count: int, addresses: int, stop: Any, reopened: Any) -> None:
    Slowloris(port, count, addresses, stop, reopened).run()


def flood(base: str, stop: Any, counts: Any) -> None:
    client = socketio.Client(reconnection=True)
    try:
        client.connect(base, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
        while not stop.is_set():
            client.emit("resync", namespace="/live")
            counts.value += 1
            if counts.value % 200 == 0:
                time.sleep(0.001)  # let the client's own threads send
    except Exception as exc:  # the board may refuse or drop a flooder: that is its right
        print(f"flooder stopped: {exc!r}", file=sys.stderr)
    finally:
        client.disconnect()


def login(base: str, password: str) -> tuple[float, float, int]:
    """(seconds to the login form, seconds in all until the redirect, status; 0: no answer)."""
    start = time.monotonic()
    form_s = float("nan")
    with requests.Session() as session:
        try:
            form = session.get(f"{base}/control", timeout=10).text
            form_s = time.monotonic() - start
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token is not None
            answer = session.post(
                f"{base}/control/login",
                data={"password": password, "csrf_token": token.group(1)},
                allow_redirects=False,
                timeout=10,
            )
            status = answer.status_code
        except (requests.RequestException, AssertionError):
            status = 0
    return form_s, time.monotonic() - start, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration-s", type=float, default=60.0)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--addresses", type=int, default=100)
    parser.add_argument("--flooders", type=int, default=1)
    parser.add_argument("--login-every-s", type=float, default=3.0)
    args = parser.parse_args()

    password = secrets.token_urlsafe(9)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "venue.toml"
        config.write_text(
            CONFIG.format(
                port=port,
                password_hash=generate_password_hash(password),
                data_dir=Path(tmp) / "data",
            )
        )
        log = (Path(tmp) / "daemon.log").open("wb")
        daemon = subprocess.Popen(
            [sys.executable, "-m", "lapgate", "run", "--config", str(config)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=log,
        )
        try:
            return attack(args, base, daemon.pid, password)
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
            log.close()


def attack(args: argparse.Namespace, base: str, pid: int, password: str) -> int:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            print("lapgate run did not start", file=sys.stderr)
            return 1
        time.sleep(0.2)
    baseline_mb = proc_kb(pid, "VmRSS") / 1024
    print(f"lapgate run (pid {pid}) at {base}: RSS {baseline_mb:.0f} MB before the attack")
    print(
        f"attack: {args.sockets} slowloris sockets from {args.addresses} addresses, "
        f"{args.flooders} resync flooder(s), {args.duration_s:.0f} s"
    )
    # The attackers run in processes of their own: in this one they would hold the GIL and
    # the figures would measure the bench, not the board.
    stop, reopened, resyncs = multiprocessing.Event(), multiprocessing.Value("l", 0), []
    port = int(base.rsplit(":", 1)[1])
    workers = [
        multiprocessing.Process(
            target=run_slowloris, args=(port, args.sockets, args.addresses, stop, reopened)
        )
    ]
    for _ in range(args.flooders):
        resyncs.append(multiprocessing.Value("l", 0))
        workers.append(multiprocessing.Process(target=flood, args=(base, stop, resyncs[-1])))
    for worker in workers:
        worker.start()
    time.sleep(3)  # the sockets are open and the flood is running
    rss_mb: list[float] = []
    logins: list[tuple[float, float, int]] = []
    cpu_at_start = cpu_s(pid)
    start = time.monotonic()
    next_login = start
    while (now := time.monotonic()) - start < args.duration_s:
        rss_mb.append(proc_kb(pid, "VmRSS") / 1024)
        if now >= next_login:
            form_s, latency, status = login(base, password)
            logins.append((now - start, latency, status))
            print(
                f"  t={now - start:5.1f} s  staff login {status}  {latency * 1000:6.0f} ms "
                f"(login form after {form_s * 1000:.0f} ms)"
            )
            next_login = now + args.login_every_s
        time.sleep(max(0.0, min(1.0, next_login - time.monotonic())))
    cpu_pct = 100 * (cpu_s(pid) - cpu_at_start) / (time.monotonic() - start)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    after_mb = proc_kb(pid, "VmRSS") / 1024
    hwm_mb = proc_kb(pid, "VmHWM") / 1024
    latencies = sorted(latency for _, latency, _ in logins)
    worst = latencies[-1] if latencies else float("inf")
    failed = [s for _, _, s in logins if s != 302]
    print(
        f"logins: {len(logins)}, failed {len(failed)}, latency median "
        f"{latencies[len(latencies) // 2] * 1000:.0f} ms, max {worst * 1000:.0f} ms "
        f"(target < {LOGIN_TARGET_S * 1000:.0f} ms)"
    )
    print(
        f"daemon RSS: before {baseline_mb:.0f} MB, peak {max(rss_mb):.0f} MB, "
        f"at the end {after_mb:.0f} MB, high-water mark {hwm_mb:.0f} MB; "
        f"CPU {cpu_pct:.0f} % of one core during the attack"
    )
    print(
        f"slowloris sockets the board closed (reopened): {reopened.value}; "
        f"resyncs sent: {sum(r.value for r in resyncs)}"
    )
    return 0 if not failed and worst < LOGIN_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
