"""Bytes per live update as a run grows: patches (sent now) against whole tracks (before).

Starts a real `lapgate run` whose only gate is simulated (100 × real time, 5 s laps, no
off-tracks, double triggers or misses), races 19 racers two laps each so the round's
leaderboard has 20 rows, then one run of 60 laps, then corrections of that run (invalidate,
restore, a reset, an undo). A spectator speaks Socket.IO over a WebSocket like a phone and
keeps the state as live.js does (`apply_update`, the Python twin). For each update it
prints the frame's bytes as received, and the bytes the same update took in the old
format, the whole track (rebuilt from the state the spectator holds after it; the old
message was exactly that view, so the figure is what the board sent before).

    .venv/bin/python bench/update_size.py
    .venv/bin/python bench/update_size.py --laps 120 --racers 40
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "board"))

from daemon_support import Staff, free_port, lapgate_run, venue_sections  # noqa: E402

from lapgate.board.live.delta import apply_update  # noqa: E402

PREFIX = "42/live,"
REPORT_LAPS = (1, 10, 30, 60, 90, 120)


def config(tmp: Path, port: int) -> str:
    return (
        '[event]\nname = "Update size bench"\nseason = "2026"\n'
        "[round]\ntime_limit_s = 600\n"
        '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 3\nspeed_factor = 100\n'
        "mean_lap_s = 4.5\nsigma_lap_s = 0.3\noff_track_probability = 0\n"
        "double_trigger_probability = 0\nmissed_crossing_probability = 0\n"
        '[[track]]\nid = "track-1"\nname = "Track"\ngate = "finish"\n'
    ) + venue_sections(tmp, port)


class Spectator:
    """One /live client over a raw WebSocket: every frame, and the state it keeps."""

    def __init__(self, base: str) -> None:
        import websocket

        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=30)
        assert str(self.ws.recv()).startswith("0")
        self.ws.send("40/live,")
        self.state: dict[str, Any] | None = None
        self.updates: list[tuple[int, dict[str, Any], dict[str, Any]]] = []  # bytes, msg, state
        self.resyncs = 0
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                frame = self.ws.recv()
            except Exception:
                return
            if frame == "2":
                self.ws.send("3")
                continue
            if not isinstance(frame, str) or not frame.startswith(PREFIX + "["):
                continue
            name, message = json.loads(frame[len(PREFIX) :])
            with self.lock:
                if name == "snapshot":
                    self.state = message
                elif name == "update" and self.state is not None:
                    if message["seq"] != self.state["seq"] + 1:
                        self.resyncs += 1
                        self.ws.send(PREFIX + '["resync"]')
                        self.state = None
                        continue
                    self.state = apply_update(self.state, message)
                    self.updates.append((len(frame.encode()), message, self.state))

    def track(self) -> dict[str, Any] | None:
        with self.lock:
            return self.state["tracks"][0] if self.state else None

    def close(self) -> None:
        self.ws.close()


def old_bytes(message: dict[str, Any], state: dict[str, Any]) -> int:
    """The frame the old board sent for `message`: the whole track in its place."""
    if message["type"] != "track":
        return len((PREFIX + json.dumps(["update", message], separators=(",", ":"))).encode())
    track = next(t for t in state["tracks"] if t["track_id"] == message["track_id"])
    old: dict[str, Any] = {"seq": message["seq"], "type": "track", "why": message["why"]}
    old["track"] = track
    for key in ("event", "highlights"):
        if key in message:
            old[key] = message[key]
    return len((PREFIX + json.dumps(["update", old], separators=(",", ":"))).encode())


def laps_of(spectator: Spectator) -> int:
    track = spectator.track()
    return len(track["run"]["laps"]) if track and track["run"] else 0


def wait(check: Any, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {timeout_s} s")
        time.sleep(0.01)


def race(staff: Staff, spectator: Spectator, alias: str, laps: int) -> None:
    staff.act("queue_add", alias=alias)
    staff.act("stage")
    wait(lambda: laps_of(spectator) >= laps, f"{alias}: {laps} laps")
    staff.act("end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--laps", type=int, default=60)
    parser.add_argument("--racers", type=int, default=20, help="racers in the round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        with lapgate_run(tmp, config(tmp, port), port) as base:
            staff = Staff(base)
            spectator = Spectator(base)
            wait(lambda: spectator.state is not None, "snapshot")
            for n in range(1, args.racers):
                race(staff, spectator, f"Racer {n:02d}", 2)
            first = len(spectator.updates)
            staff.act("queue_add", alias="Long Runner")
            staff.act("stage")
            wait(lambda: laps_of(spectator) >= args.laps, f"{args.laps} laps", 120)
            staff.act("end")
            # the end's own update first, so it is not taken for a correction's
            wait(
                lambda: (spectator.track() or {}).get("run", {}).get("status") == "finished", "end"
            )
            run_updates = spectator.updates[first:]
            mark = len(spectator.updates)
            corrections = [
                ("invalidate lap 5", "invalidate", {"lap": 5, "reason": "cut"}),
                ("restore lap 5", "restore", {"lap": 5}),
                ("reset on lap 10", "reset", {"delta": 1, "lap": 10}),
            ]
            for _, command, payload in corrections:
                staff.act(command, **payload)
            run = staff.get("/api/snapshot")["tracks"][0]["run"]
            staff.act("undo", event_id=run["undoable"][0]["event_id"])

            def fixes() -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
                # the car still crosses after the end: those crossings are updates too
                found = spectator.updates[mark:]
                return [u for u in found if u[1].get("event", {}).get("kind") != "crossing"]

            wait(lambda: len(fixes()) >= 4, "the corrections' updates")
            spectator.close()
    print_figures(args, run_updates, fixes(), [name for name, _, _ in corrections], spectator)


def print_figures(
    args: argparse.Namespace,
    run_updates: list[tuple[int, dict[str, Any], dict[str, Any]]],
    fixes: list[tuple[int, dict[str, Any], dict[str, Any]]],
    names: list[str],
    spectator: Spectator,
) -> None:
    print(f"bytes per update on the wire: a run of {args.laps} laps, {args.racers} racers")
    print("(Socket.IO text frames as a phone receives them; 'whole' = the old format)")
    print(f"{'update':<24} {'patch':>8} {'whole':>8}")
    by_lap: dict[int, tuple[int, dict[str, Any], dict[str, Any]]] = {}
    for size, message, state in run_updates:
        run = state["tracks"][0]["run"]
        if message["type"] == "track" and run and message.get("event", {}).get("kind"):
            by_lap.setdefault(len(run["laps"]), (size, message, state))
    for lap in (n for n in REPORT_LAPS if n <= args.laps):
        size, message, state = by_lap[lap]
        print(f"{'lap ' + str(lap):<24} {size:>8,} {old_bytes(message, state):>8,}")
    for name, (size, message, state) in zip([*names, "undo the reset"], fixes, strict=True):
        print(f"{name:<24} {size:>8,} {old_bytes(message, state):>8,}")
    sizes = [size for lap, (size, _, _) in by_lap.items() if lap >= 1]
    print(f"laps 1–{args.laps}: patch max {max(sizes):,} B, mean {sum(sizes) / len(sizes):,.0f} B")
    print(f"spectator resyncs: {spectator.resyncs}")


if __name__ == "__main__":
    main()
