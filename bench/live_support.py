"""What bench/latency.py, bench/fanout.py and bench/nonreading.py share: a real `lapgate run`
owner in a subprocess, a staff Socket.IO client on its /control, and processes of minimal
/live clients on asyncio.

Latency is measured with CLOCK_MONOTONIC, which is system-wide on Linux: the bench notes
`time.monotonic_ns()` just before it emits a staff action, each client notes it when an
``update`` frame arrives (in another process), and the difference is the delivery latency.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import multiprocessing as mp
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SEQ = re.compile(r'"seq":\s*(\d+)')  # an update's first key (board/live/host.py)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def owner_config(
    data_dir: Path, port: int, delivery: str, message_queue: str = "", board_extra: str = ""
) -> str:
    """Two tracks on mock GPIO gates (nothing crosses by itself): staff time by hand."""
    from werkzeug.security import generate_password_hash

    gates = "".join(
        f'[[gate]]\nid = "gate-{n}"\nkind = "gpio"\npin_factory = "mock"\npins_bcm = [{16 + n}]\n'
        f'[[track]]\nid = "track-{n}"\nname = "Track {n}"\ngate = "gate-{n}"\n'
        for n in (1, 2)
    )
    return (
        '[event]\nname = "Bench"\nseason = "2026"\n'
        "[round]\ntime_limit_s = 600\nlockout_s = 0\n"
        + gates
        + f'[board]\nport = {port}\ndelivery = "{delivery}"\nmessage_queue = "{message_queue}"\n'
        f'staff_password_hash = "{generate_password_hash(PASSWORD)}"\n{board_extra}'
        f'[store]\ndata_dir = "{data_dir}"\n'
    )


@contextlib.contextmanager
def lapgate_run(folder: Path, config_text: str, port: int, name: str) -> Iterator[Any]:
    """`lapgate run` in a subprocess; yields the process once /healthz answers."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / f"{name}.toml"
    config.write_text(config_text, encoding="utf-8")
    log = (folder / f"{name}.log").open("wb")
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", "run"]
    proc = subprocess.Popen(
        [*command, "--config", str(config)],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, folder / f"{name}.log")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        keep = os.environ.get("LAPGATE_BENCH_LOGS")  # a folder to keep the owners' logs in
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(folder / f"{name}.log", Path(keep) / f"{name}.log")


def wait_http(url: str, proc: Any, log: Path, timeout_s: float = 90) -> None:
    import requests

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the process exited; see {log}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).ok:
                return
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout_s} s; see {log}")


class Staff:
    """A staff session (the real login form) and its Socket.IO connection to /control."""

    def __init__(self, base: str) -> None:
        import requests
        import socketio

        self.base = base
        self.http = requests.Session()
        form = self.http.get(f"{base}/control", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None, form
        self.http.post(
            f"{base}/control/login",
            data={"password": PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=10,
        )
        page = self.http.get(f"{base}/control", timeout=10).text
        fresh = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
        assert fresh is not None, "staff login failed"
        self.csrf = fresh.group(1)
        self.sio = socketio.Client(http_session=self.http, reconnection=False)
        self.sio.connect(
            base, namespaces=["/control"], auth={"csrf": self.csrf}, transports=["websocket"]
        )

    def act(self, name: str, **payload: Any) -> Any:
        """Send an action and wait for its answer."""
        answer = self.sio.call("action", {"name": name, "payload": payload}, "/control", 30)
        assert answer.get("ok"), f"{name} {payload}: {answer}"
        return answer

    def send(self, name: str, **payload: Any) -> None:
        """Send an action without waiting for its answer."""
        self.sio.emit("action", {"name": name, "payload": payload}, "/control")

    def engine(self) -> dict[str, Any]:
        """`/healthz/engine`, asked again while the engine is too busy to answer (503)."""
        for _ in range(30):
            result: dict[str, Any] = self.http.get(f"{self.base}/healthz/engine", timeout=30).json()
            if "commits" in result:
                return result
            time.sleep(1.0)
        raise SystemExit(f"{self.base}/healthz/engine: the engine did not answer: {result}")

    def close(self) -> None:
        self.sio.disconnect()
        self.http.close()


def fresh_runs(staff: Staff) -> None:
    """A new run on each track (the one before ended), so every measurement starts with
    updates of the same size."""
    for n in (1, 2):
        track = f"track-{n}"
        with contextlib.suppress(AssertionError):  # no run on track yet
            staff.act("end", track_id=track)
        staff.act("queue_add", track_id=track, alias=f"Bench Racer {n}", same_racer=True)
        staff.act("stage", track_id=track)


# ---- /live clients ------------------------------------------------------------------------


class LiveClient:
    """A minimal Socket.IO client (Engine.IO 4 over WebSocket) on asyncio: joins /live,
    answers pings and notes each ``update``'s arrival (monotonic ns), ``seq`` and size."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.arrivals: list[tuple[int, int]] = []  # (seq, monotonic ns)
        self.sizes: list[int] = []

    async def run(self, joined: Any) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await reader.readuntil(b"\r\n\r\n")
        while True:
            text = await _frame(reader)
            if text is None:
                return
            if text.startswith('42/live,["update"'):
                found = SEQ.search(text, 0, 80)
                self.arrivals.append((int(found.group(1)) if found else -1, time.monotonic_ns()))
                self.sizes.append(len(text.encode()))
            elif text.startswith("0"):
                _send(writer, "40/live,")
            elif text == "2":
                _send(writer, "3")
            elif text.startswith('42/live,["snapshot"'):
                joined()


async def _frame(reader: Any) -> str | None:
    message = b""
    while True:
        head = await reader.readexactly(2)
        opcode, size = head[0] & 0x0F, head[1] & 0x7F
        if size == 126:
            size = int.from_bytes(await reader.readexactly(2), "big")
        elif size == 127:
            size = int.from_bytes(await reader.readexactly(8), "big")
        message += await reader.readexactly(size)
        if opcode == 8:
            return None
        if head[0] & 0x80:
            return message.decode()


def _send(writer: Any, text: str) -> None:
    data = text.encode()
    mask = os.urandom(4)
    size = len(data)
    head = (
        bytes([0x81, 0x80 | size]) if size < 126 else bytes([0x81, 0xFE]) + size.to_bytes(2, "big")
    )
    writer.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def client_process(
    ports: list[int], first: int, count: int, ready: Any, done: Any, out: Any
) -> None:
    """`count` clients, client k on ports[(first + k) % len(ports)]; once `done` is set,
    put one (arrivals, sizes) per client on `out`."""

    async def main() -> list[LiveClient]:
        joined = asyncio.Event()
        counter = [0]

        def one_joined() -> None:
            counter[0] += 1
            if counter[0] == count:
                joined.set()

        clients = [LiveClient(ports[(first + k) % len(ports)]) for k in range(count)]
        tasks = [asyncio.ensure_future(c.run(one_joined)) for c in clients]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(joined.wait(), timeout=180)
        ready.put(counter[0])
        while not done.is_set():
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return clients

    clients = asyncio.run(main())
    out.put([(c.arrivals, c.sizes) for c in clients])


class Clients:
    """N /live clients in processes of at most `per_process`, spread over `ports`."""

    def __init__(self, ports: list[int], n: int, per_process: int = 250) -> None:
        ctx = mp.get_context("spawn")
        self.ready, self.done, self.out = ctx.Queue(), ctx.Event(), ctx.Queue()
        sizes = [per_process] * (n // per_process) + ([n % per_process] if n % per_process else [])
        self.procs = []
        first = 0
        for size in sizes:
            args = (ports, first, size, self.ready, self.done, self.out)
            self.procs.append(ctx.Process(target=client_process, args=args))
            first += size
        for proc in self.procs:
            proc.start()
        self.joined = sum(self.ready.get(timeout=240) for _ in self.procs)

    def finish(self) -> list[tuple[list[tuple[int, int]], list[int]]]:
        """Stop the clients; each client's (arrival ns, update bytes)."""
        self.done.set()
        results = [r for _ in self.procs for r in self.out.get(timeout=120)]
        for proc in self.procs:
            proc.join(timeout=30)
        return results


def latencies_ms(
    sent_ns: list[int], first_seq: int, clients: list[tuple[list[tuple[int, int]], list[int]]]
) -> list[float]:
    """Per client and lap pair k, the arrival of update ``first_seq + 2k`` (each pair makes
    two updates, track 1's first) minus the pair's send time, in ms."""
    found: list[float] = []
    for arrivals, _sizes in clients:
        by_seq = dict(arrivals)
        for k, sent in enumerate(sent_ns):
            arrived = by_seq.get(first_seq + 2 * k)
            if arrived is not None:
                found.append((arrived - sent) / 1e6)
    return found


def next_seq(staff: Staff) -> int:
    """The seq the next update will carry."""
    snapshot = staff.http.get(f"{staff.base}/api/snapshot", timeout=10).json()
    return int(snapshot["seq"]) + 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.99):.1f} / {max(values):.1f}"


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())
