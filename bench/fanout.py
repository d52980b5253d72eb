"""Fan-out: C concurrent Socket.IO clients receive lap updates through 2 board processes.

Starts two spectator board processes (`lapgate spectate`, Socket.IO in threading mode,
subscribed to Redis), then P client processes of C/P Socket.IO clients each on /live
(websocket transport; a minimal asyncio client, see `WsClient`), half on each board
process. Once all are connected it publishes M
``update`` messages on /live through Redis, the way the owner's `socketio.emit` does with
``[board] message_queue`` (an external Flask-SocketIO emitter on the same channel), each
carrying its send time and a lap-sized payload, at R per second. Prints delivery latency
(send → client callback, one host, wall clock) p50/p99/max, how many deliveries arrived of
how many expected, and the board processes' CPU time and resident memory.

    .venv/bin/python bench/fanout.py                      # 1,000 clients, 10 processes
    .venv/bin/python bench/fanout.py --clients 200 --procs 4 --messages 20
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS_URL = os.environ.get("LAPGATE_TEST_REDIS", "redis://127.0.0.1:6379/0")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_board(port: int, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from lapgate.board.cli import main; main()",
            "spectate",
            "--message-queue",
            REDIS_URL,
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=out,
        stderr=out,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"board process on port {port} did not start; see {log}")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class WsClient:
    """A minimal Socket.IO (Engine.IO 4, websocket transport) client on asyncio: it joins
    /live, answers pings and records each ``update``'s delay. One process runs hundreds
    of them on one thread, so the clients do not starve the board processes of CPU the way
    hundreds of threaded `socketio.Client`s would on a 2-core machine."""

    def __init__(self, port: int, latencies: list[float]) -> None:
        self.port = port
        self.latencies = latencies
        self.joined = False

    async def run(self, joined: Any) -> None:
        import asyncio
        import base64

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
            text = await self._frame(reader)
            if text is None:
                return
            if text.startswith("0"):
                self._send(writer, "40/live,")
            elif text == "2":
                self._send(writer, "3")
            elif text.startswith("40/live,"):
                self.joined = True
                joined()
            elif text.startswith('42/live,["update"'):
                data = json.loads(text[len("42/live,") :])[1]
                self.latencies.append((time.time_ns() - data["sent_ns"]) / 1e6)

    @staticmethod
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

    @staticmethod
    def _send(writer: Any, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        size = len(data)
        head = (
            bytes([0x81, 0x80 | size])
            if size < 126
            else bytes([0x81, 0xFE]) + size.to_bytes(2, "big")
        )
        writer.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def client_process(
    index: int, ports: list[int], count: int, ready: Any, done: Any, results: Any
) -> None:
    """Run `count` clients (alternating board processes); report latencies (ms)."""
    import asyncio

    latencies: list[float] = []

    async def main() -> None:
        joined = asyncio.Event()
        counter = [0]

        def one_joined() -> None:
            counter[0] += 1
            if counter[0] == count:
                joined.set()

        clients = [
            WsClient(ports[(index * count + n) % len(ports)], latencies) for n in range(count)
        ]
        tasks = [asyncio.ensure_future(c.run(one_joined)) for c in clients]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(joined.wait(), timeout=120)
        ready.put(count - counter[0])
        while not done.is_set():
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()

    asyncio.run(main())
    results.put(latencies)


def payload(seq: int) -> dict[str, Any]:
    """A lap update about the size of the board's (leaderboard rows and the run's laps)."""
    rows = [
        {"rank": i, "racer_id": f"{i:032x}", "name": f"Racer {i}", "best_ms": 9000 + i}
        for i in range(10)
    ]
    return {
        "seq": seq,
        "kind": "lap",
        "sent_ns": time.time_ns(),
        "leaderboard": rows,
        "laps": [{"number": n, "ms": 9500 + n} for n in range(8)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=10)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="messages per second")
    args = parser.parse_args()

    from flask_socketio import SocketIO

    log = Path("/tmp/lapgate-bench-fanout.log")
    ports = [free_port(), free_port()]
    boards = [start_board(port, log) for port in ports]
    ctx = mp.get_context("spawn")
    ready, results, done = ctx.Queue(), ctx.Queue(), ctx.Event()
    per_proc = args.clients // args.procs
    procs = [
        ctx.Process(target=client_process, args=(i, ports, per_proc, ready, done, results))
        for i in range(args.procs)
    ]
    try:
        t0 = time.perf_counter()
        for proc in procs:
            proc.start()
        failed = sum(ready.get(timeout=600) for _ in procs)
        connected = per_proc * args.procs - failed
        print(
            f"{connected} clients connected to 2 board processes in "
            f"{time.perf_counter() - t0:.1f} s ({failed} failed)"
        )
        before = {b.pid: cpu_s(b.pid) for b in boards}
        emitter = SocketIO(message_queue=REDIS_URL)
        t_start = time.perf_counter()
        for seq in range(1, args.messages + 1):
            emitter.emit("update", payload(seq), namespace="/live")
            time.sleep(1 / args.rate)
        time.sleep(3)  # let the last deliveries land
        window_s = time.perf_counter() - t_start
        cpu = {b.pid: cpu_s(b.pid) - before[b.pid] for b in boards}
        rss = {b.pid: rss_mb(b.pid) for b in boards}
        done.set()
        latencies = sorted(x for _ in procs for x in results.get(timeout=120))
    finally:
        done.set()
        for proc in procs:
            proc.join(timeout=60)
        for board in boards:
            board.terminate()
            board.wait(timeout=10)
    expected = connected * args.messages
    print(
        f"deliveries: {len(latencies)} of {expected} expected "
        f"({args.messages} messages x {connected} clients)"
    )
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"latency ms: p50 {statistics.median(latencies):.1f}  p99 {p99:.1f}  "
            f"max {latencies[-1]:.1f}"
        )
    for board in boards:
        print(
            f"board process {board.pid}: CPU {cpu[board.pid]:.1f} s over {window_s:.0f} s "
            f"({100 * cpu[board.pid] / window_s:.0f}% of a core), RSS {rss[board.pid]:.0f} MB"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs shared by clients, boards and Redis; load {load}")


if __name__ == "__main__":
    main()
