"""Latency of the live board: a crossing entering the gate adapter → the event at N clients.

The board runs in this process as in `lapgate run` (engine host thread, SQLite store with
durable appends, werkzeug threaded server, Flask-SocketIO in threading mode). A bench gate
adapter stamps each crossing with `time.monotonic_ns()` and hands it to the host, exactly
where a GPIO callback would. N Socket.IO clients (Engine.IO 4 over WebSocket, 50 per
worker process, one selector thread each) run in separate worker processes on 127.0.0.1
and note `time.monotonic_ns()` when each `update` carrying a bench crossing arrives
(CLOCK_MONOTONIC is system-wide on Linux, so the two stamps compare across processes).
Prints p50/p99/max per N.

    .venv/bin/python bench/latency.py                 # N = 1, 100, 500
    .venv/bin/python bench/latency.py --clients 1 100 --crossings 40
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CLIENTS_PER_WORKER = 50


def _worker(url: str, count: int, ready: Any, results: Any) -> None:
    """Connect `count` Socket.IO clients; report each bench crossing's arrival latency (ns).

    The clients speak Engine.IO 4 / Socket.IO 5 over WebSocket (websocket-client) and are
    served by one thread with a selector: a thread per client would measure the GIL of
    this worker rather than the board.
    """
    import json
    import selectors

    import websocket

    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    selector = selectors.DefaultSelector()
    for _ in range(count):
        ws = websocket.create_connection(ws_url, timeout=30, skip_utf8_validation=True)
        opened = ws.recv()
        assert isinstance(opened, str) and opened.startswith("0")  # Engine.IO open
        ws.send("40/live,")  # Socket.IO connect to /live
        assert ws.sock is not None
        selector.register(ws.sock, selectors.EVENT_READ, ws)
    ready.put(count)
    latencies: list[int] = []
    ended = 0
    while ended < count:
        for key, _ in selector.select(timeout=60):
            ws = key.data
            frame = ws.recv()
            received = time.monotonic_ns()
            if frame == "2":
                ws.send("3")  # Engine.IO ping → pong
                continue
            if not frame.startswith('42/live,["update"'):
                continue
            event = json.loads(frame[len("42/live,") :])[1].get("event") or {}
            if event.get("source") == "bench":
                latencies.append(received - round(event["t_at_ms"] * 1_000_000))
            elif event.get("source") == "bench-end":
                ended += 1
    results.put(latencies)
    for key in list(selector.get_map().values()):
        key.data.close()


def _percentile(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index] / 1e6


def _measure(url: str, host: Any, n: int, crossings: int, gap_s: float) -> list[int]:
    from lapgate.timer.events import Crossing

    ctx = mp.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    sizes = [CLIENTS_PER_WORKER] * (n // CLIENTS_PER_WORKER)
    if n % CLIENTS_PER_WORKER:
        sizes.append(n % CLIENTS_PER_WORKER)
    workers = [ctx.Process(target=_worker, args=(url, size, ready, results)) for size in sizes]
    for worker in workers:
        worker.start()
    connected = sum(ready.get(timeout=120) for _ in workers)
    assert connected == n
    time.sleep(1.0)  # let snapshots settle
    for _ in range(crossings):
        host.on_crossing(Crossing("bench", time.monotonic_ns(), "bench"))  # the adapter's call
        time.sleep(gap_s)
    host.on_crossing(Crossing("bench", time.monotonic_ns(), "bench-end"))
    latencies: list[int] = []
    for _ in workers:
        latencies.extend(results.get(timeout=300))
    for worker in workers:
        worker.join(timeout=30)
    return latencies


def _fresh_run(race: Any) -> str:
    """End the run on track (if any), queue the bench racer and stage a new run."""
    from lapgate.timer.events import EndRun

    track = race.track(None)
    run = race.runs.get(track.current_run_id or "")
    if run is not None and not run.state.is_over:
        race.apply(run.info.run_id, EndRun(race.now_ns(track)))
    race.queue_add(None, race.add_racer("Bench Racer"))
    run_id: str = race.stage(None)
    return run_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 100, 500])
    parser.add_argument("--crossings", type=int, default=30)
    parser.add_argument("--gap-s", type=float, default=0.5, help="time between crossings")
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite")
    args = parser.parse_args()

    from lapgate.board.service import Service
    from lapgate.board.store import MemoryStore
    from lapgate.config import settings_from_dict

    settings = settings_from_dict(
        {
            "round": {"time_limit_s": 600, "lockout_s": 0},
            "gate": [{"id": "bench", "kind": "simulated"}],
            "track": [{"id": "track-1", "gate": "bench"}],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        if args.store == "sqlite":
            from lapgate.board.store.sql import SqlStore

            store: Any = SqlStore(f"sqlite:///{folder}/bench.sqlite3")
        else:
            store = MemoryStore()
        service = Service(settings, store, port=0)
        service.start()
        host = service.host
        url = service.base_url
        rows = []
        try:
            for n in args.clients:
                host.call(_fresh_run)
                latencies = _measure(url, host, n, args.crossings, args.gap_s)
                expected = n * args.crossings
                rows.append(
                    (
                        n,
                        len(latencies),
                        expected,
                        _percentile(latencies, 0.5),
                        _percentile(latencies, 0.99),
                        max(latencies) / 1e6,
                        statistics.mean(latencies) / 1e6,
                    )
                )
                print(f"N={n}: {len(latencies)}/{expected} deliveries measured", flush=True)
        finally:
            service.stop()
    print()
    print(f"store: {args.store}; {args.crossings} crossings per N, {args.gap_s} s apart")
    print("| N clients | deliveries | p50 ms | p99 ms | max ms | mean ms |")
    print("|----------:|-----------:|-------:|-------:|-------:|--------:|")
    for n, got, expected, p50, p99, worst, mean in rows:
        print(f"| {n} | {got}/{expected} | {p50:.1f} | {p99:.1f} | {worst:.1f} | {mean:.1f} |")


if __name__ == "__main__":
    main()
