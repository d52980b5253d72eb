"""Memory with screens that never read: RSS of a real `lapgate run` with 50 such clients.

Starts two real `lapgate run` owners side by side with the default bound (``[board]
send_queue_max = 64`` messages waiting for a screen; a screen that falls that far behind,
or whose socket takes nothing for 10 s, is disconnected): one with ``delivery = "queued"``
(board/web/wsconn.py's transport), one with ``"inline"`` (engine.io's own queue and
simple-websocket, bounded by board/web/sockets.py). Before the bound, engine.io's queue
grew by every update for such a client (issue 14: 30 clients took the daemon from 100 to
400 MB). Each owner gets 50 /live clients that connect, join and then never read (a 4 KB
receive buffer), and the same staff load: a manual lap on each of two tracks (each one
acknowledged before the next) every `--gap-s`, a fresh run every 200 laps (updates grow
with the run, as before deltas). Prints both owners' RSS every 5 s, and at the end their
peak RSS and how many of the 50 they disconnected.

    .venv/bin/python bench/nonreading.py                  # 50 clients, 60 s
    .venv/bin/python bench/nonreading.py --clients 30 --seconds 30
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_support import (
    Staff,
    free_port,
    fresh_runs,
    lapgate_run,
    load,
    owner_config,
    rss_mb,
)

PATHS = ("queued", "inline")


def never_reading(port: int) -> socket.socket:
    """A client that joins /live and from then on reads nothing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    received = b""
    while b"\r\n\r\n" not in received or not received.split(b"\r\n\r\n", 1)[1]:
        received += sock.recv(1)  # the upgrade answer and Engine.IO's open frame, no more
    frame = b"40/live,"
    mask = os.urandom(4)
    sock.sendall(
        bytes([0x81, 0x80 | len(frame)])
        + mask
        + bytes(b ^ mask[i % 4] for i, b in enumerate(frame))
    )
    return sock


def closed_by_board(sock: socket.socket) -> bool:
    """Whether the board has closed (or reset) this client's connection: read what is
    buffered without blocking until the end of the stream or nothing more."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(1 << 20)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--gap-s", type=float, default=0.1, help="time between lap pairs")
    parser.add_argument(
        "--laps-per-run", type=int, default=200, help="a fresh run after this many lap pairs"
    )
    parser.add_argument(
        "--data-in",
        default=None,
        help="folder for the owners' data (default: the system's temporary folder; "
        "/dev/shm takes a busy disk's fsync out of the figures)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.data_in) as folder, contextlib.ExitStack() as stack:
        owners = {}
        for name in PATHS:
            port = free_port()
            config = owner_config(Path(folder) / name / "data", port, name)
            proc = stack.enter_context(lapgate_run(Path(folder) / name, config, port, name))
            staff = Staff(f"http://127.0.0.1:{port}")
            stack.callback(staff.close)
            fresh_runs(staff)
            socks = [never_reading(port) for _ in range(args.clients)]
            for sock in socks:
                stack.callback(sock.close)
            owners[name] = (proc, staff, socks)
        print(f"{args.clients} never-reading clients on each owner; load {load()}", flush=True)
        start_rss = {name: rss_mb(proc.pid) for name, (proc, _, _) in owners.items()}
        peak = dict(start_rss)
        started = time.monotonic()
        next_print = started
        laps = 0
        while time.monotonic() - started < args.seconds:
            for _, staff, _ in owners.values():
                if laps and laps % args.laps_per_run == 0:
                    fresh_runs(staff)
                staff.act("manual_lap", track_id="track-1")  # waits: the engine sets the pace
                staff.act("manual_lap", track_id="track-2")
            laps += 1
            for name, (proc, _, _) in owners.items():
                peak[name] = max(peak[name], rss_mb(proc.pid))
            if time.monotonic() >= next_print:
                shown = ", ".join(f"{n}: {rss_mb(p.pid):.0f} MB" for n, (p, _, _) in owners.items())
                print(
                    f"{time.monotonic() - started:5.1f} s  {laps} lap pairs  RSS {shown}",
                    flush=True,
                )
                next_print += 5
            time.sleep(args.gap_s)
        print()
        print(
            f"{args.clients} clients that never read, {laps} lap pairs over {args.seconds:.0f} s; "
            f"load {load()}"
        )
        print("| delivery | RSS at start MB | peak RSS MB | clients disconnected |")
        print("|---|--:|--:|--:|")
        for name, (_, _, socks) in owners.items():
            gone = sum(closed_by_board(sock) for sock in socks)
            print(f"| {name} | {start_rss[name]:.0f} | {peak[name]:.0f} | {gone}/{len(socks)} |")


if __name__ == "__main__":
    main()
