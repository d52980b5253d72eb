"""Fan-out: 1,000 phones through 2 spectator processes and Redis, fed by a real owner.

A real `lapgate run` owner (SQLite, durable commits, two tracks on mock GPIO gates,
``[board] message_queue`` = Redis) and two `lapgate spectate` processes subscribed to it.
C minimal Socket.IO clients (asyncio, in processes of 250) join /live, half on each
spectator; a staff Socket.IO client on the owner's /control sends, every `--gap-s`, a
manual lap on track 1 and at once one on track 2. Two set-ups in the same run, one after
the other (they would share Redis's channel):

- "threads + inline": the path before: spectators on werkzeug threads (``--server
  threads``), the owner's host thread publishing each update itself;
- "gevent + queued": spectators on gevent's event loop, the owner's delivery thread
  publishing.

Prints per set-up: delivery latency p50 / p99 / max (send → the first update at each
phone), the owner's enqueue-to-commit time, bytes per update, and each spectator's CPU and
RSS.

    .venv/bin/python bench/fanout.py                       # 1,000 phones, both set-ups
    .venv/bin/python bench/fanout.py --clients 200 --setups gevent
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_support import (
    ROOT,
    Clients,
    Staff,
    cpu_s,
    free_port,
    fresh_runs,
    lapgate_run,
    latencies_ms,
    load,
    next_seq,
    owner_config,
    rss_mb,
    summary,
    wait_http,
)

REDIS_URL = os.environ.get("LAPGATE_TEST_REDIS", "redis://127.0.0.1:6379/0")
SETUPS = {"threads": ("threads", "inline"), "gevent": ("gevent", "queued")}


@contextlib.contextmanager
def spectator(folder: Path, port: int, owner_url: str, server: str) -> Any:
    log_path = folder / f"spectator-{port}.log"
    log = log_path.open("wb")
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", "spectate"]
    command += ["--message-queue", REDIS_URL, "--owner", owner_url, "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--server", server],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log_path)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run_setup(name: str, folder: Path, args: Any) -> dict[str, Any]:
    server, delivery = SETUPS[name]
    port = free_port()
    owner_url = f"http://127.0.0.1:{port}"
    config = owner_config(folder / "data", port, delivery, message_queue=REDIS_URL)
    with contextlib.ExitStack() as stack:
        stack.enter_context(lapgate_run(folder, config, port, "owner"))
        ports = [free_port(), free_port()]
        spectators = [stack.enter_context(spectator(folder, p, owner_url, server)) for p in ports]
        staff = Staff(owner_url)
        stack.callback(staff.close)
        fresh_runs(staff)
        started = time.monotonic()
        clients = Clients(ports, args.clients)
        print(
            f"{name}: {clients.joined}/{args.clients} phones joined in "
            f"{time.monotonic() - started:.1f} s; load {load()}",
            flush=True,
        )
        time.sleep(1.0)
        cpu_before = [cpu_s(p.pid) for p in spectators]
        before = staff.engine()["commits"]
        first_seq = next_seq(staff)
        sent: list[int] = []
        window_started = time.monotonic()
        for _ in range(args.laps):
            sent.append(time.monotonic_ns())
            staff.send("manual_lap", track_id="track-1")
            staff.send("manual_lap", track_id="track-2")
            time.sleep(args.gap_s)
        time.sleep(2.0)
        window_s = time.monotonic() - window_started
        engine = staff.engine()
        cpu = [cpu_s(p.pid) - c for p, c in zip(spectators, cpu_before, strict=True)]
        rss = [rss_mb(p.pid) for p in spectators]
        results = clients.finish()
    new = engine["commits"] - before
    sizes = [size for _, client_sizes in results for size in client_sizes]
    return {
        "joined": clients.joined,
        "latency": latencies_ms(sent, first_seq, results),
        "commit": [us / 1000 for us in engine["commit_us"][-new:]] if new else [],
        "bytes": statistics.mean(sizes) if sizes else 0.0,
        "cpu": [100 * c / window_s for c in cpu],
        "rss": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--laps", type=int, default=20, help="lap pairs")
    parser.add_argument("--gap-s", type=float, default=0.5, help="time between lap pairs")
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    parser.add_argument(
        "--data-in",
        default=None,
        help="folder for the owners' data (default: the system's temporary folder; "
        "/dev/shm takes a busy disk's fsync out of the figures)",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(dir=args.data_in) as folder:
        for name in args.setups:
            rows.append((name, run_setup(name, Path(folder) / name, args)))
    print()
    print(
        f"{args.clients} phones on 2 spectator processes, Redis; {args.laps} lap pairs "
        f"{args.gap_s} s apart; owner: real lapgate run, SQLite; "
        f"{os.cpu_count()} CPUs shared by everything; load {load()}"
    )
    print(
        "| spectators + owner delivery | joined | deliveries | latency p50 / p99 / max ms "
        "| enqueue→commit p50 / p99 / max ms | bytes/update | spectator CPU % | spectator RSS MB |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for name, result in rows:
        server, delivery = SETUPS[name]
        latency = result["latency"]
        expected = result["joined"] * args.laps
        cpu = " + ".join(f"{c:.0f}" for c in result["cpu"])
        rss = " + ".join(f"{r:.0f}" for r in result["rss"])
        print(
            f"| {server} + {delivery} | {result['joined']} | {len(latency)}/{expected} "
            f"| {summary(latency)} | {summary(result['commit'])} | {result['bytes']:.0f} "
            f"| {cpu} | {rss} |"
        )


if __name__ == "__main__":
    main()
