"""Latency of the venue board: a staff manual lap on /control → the update at N screens.

Starts two real `lapgate run` owners (SQLite with durable commits, two tracks on mock GPIO
gates), one with ``[board] delivery = "inline"`` (the engine host thread emits to every
screen itself: the path before the delivery thread) and one with ``"queued"`` (the host
hands each change to the delivery thread), and measures both in the same run, alternating
per N. For each N, N minimal Socket.IO clients join /live (asyncio, in processes of 250);
a staff Socket.IO client sends, every `--gap-s`, a manual lap on track 1 and at once one on
track 2 (two cars crossing together). Prints per delivery mode and N:

- delivery latency p50 / p99 / max (send → the first update at each client);
- the engine's enqueue-to-commit time p50 / p99 / max (`/healthz/engine`): the second lap
  of each pair waits behind the first one's broadcast when the host emits inline;
- the mean bytes of an update frame, and the owner's CPU time during the laps.

    .venv/bin/python bench/latency.py                          # N = 0, 1, 100, 500
    .venv/bin/python bench/latency.py --clients 0 1 100 --laps 10
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_support import (
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
)

MODES = ("inline", "queued")


def measure(
    staff: Staff, port: int, pid: int, n: int, laps: int, gap_s: float
) -> dict[str, object]:
    fresh_runs(staff)
    clients = Clients([port], n) if n else None
    time.sleep(1.0)  # let the snapshots settle
    cpu_before = cpu_s(pid)
    before = staff.engine()["commits"]
    first_seq = next_seq(staff)
    sent: list[int] = []
    for _ in range(laps):
        sent.append(time.monotonic_ns())
        staff.send("manual_lap", track_id="track-1")
        staff.send("manual_lap", track_id="track-2")
        time.sleep(gap_s)
    time.sleep(1.0)  # the last deliveries land
    cpu = cpu_s(pid) - cpu_before
    engine = staff.engine()
    new = engine["commits"] - before
    commit_ms = [us / 1000 for us in engine["commit_us"][-new:]] if new else []
    results = clients.finish() if clients else []
    sizes = [size for _, client_sizes in results for size in client_sizes]
    return {
        "joined": clients.joined if clients else 0,
        "latency": latencies_ms(sent, first_seq, results),
        "expected": n * laps,
        "commit": commit_ms,
        "bytes": statistics.mean(sizes) if sizes else 0.0,
        "cpu": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[0, 1, 100, 500])
    parser.add_argument("--laps", type=int, default=20, help="lap pairs per measurement")
    parser.add_argument("--gap-s", type=float, default=0.4, help="time between lap pairs")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument(
        "--data-in",
        default=None,
        help="folder for the owners' data (default: the system's temporary folder; "
        "/dev/shm takes a busy disk's fsync out of the figures)",
    )
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(dir=args.data_in) as folder, contextlib.ExitStack() as stack:
        owners = {}
        for mode in args.modes:
            port = free_port()
            config = owner_config(Path(folder) / mode / "data", port, mode)
            proc = stack.enter_context(lapgate_run(Path(folder) / mode, config, port, mode))
            staff = Staff(f"http://127.0.0.1:{port}")
            stack.callback(staff.close)
            owners[mode] = (port, staff, proc)
        for n in args.clients:
            for mode in args.modes:
                port, staff, proc = owners[mode]
                result = measure(staff, port, proc.pid, n, args.laps, args.gap_s)
                result["rss"] = rss_mb(proc.pid)
                rows.append((mode, n, result))
                latency = result["latency"]
                assert isinstance(latency, list)
                print(
                    f"{mode} N={n}: {len(latency)}/{result['expected']} deliveries, load {load()}",
                    flush=True,
                )
    print()
    print(
        f"{args.laps} lap pairs per row, {args.gap_s} s apart; SQLite, durable commits; "
        f"machine load {load()}"
    )
    print(
        "| delivery | N | deliveries | latency p50 / p99 / max ms "
        "| enqueue→commit p50 / p99 / max ms | bytes/update | owner CPU s | owner RSS MB |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for mode, n, result in rows:
        latency, commit = result["latency"], result["commit"]
        assert isinstance(latency, list) and isinstance(commit, list)
        print(
            f"| {mode} | {n} | {len(latency)}/{result['expected']} | {summary(latency)} "
            f"| {summary(commit)} | {result['bytes']:.0f} | {result['cpu']:.1f} "
            f"| {result['rss']:.0f} |"
        )


if __name__ == "__main__":
    main()
