"""A real `lapgate run` on a disk that fills up and frees: every crossing is stored, in order.

The data directory is on a small tmpfs (mounted for the test: root needed) that a filler
file fills to the last byte while an emulated ZRound decoder races a car over TCP. While
the disk is full the daemon's /healthz, /api/gates and snapshot say so with the reason;
once the filler is deleted, every passing the decoder made is in the database, in order,
once, and the laps are the decoder's own.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from daemon_support import Staff, free_port, lapgate_run, venue_sections, wait_for

from lapgate.hardware.emulator import ZRoundDecoderModel, ZRoundEmulator
from lapgate.hardware.simulator import CarProfile
from tests.conftest import require

LAP_S = 1.2


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs: a disk that can really fill up."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
            capture_output=True,
        ).returncode
        == 0
    )
    require(mounted, "root, to mount a 16 MB tmpfs as the disk that fills up")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Write a filler file until the disk refuses a byte; the filler's path."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return filler


def crossings_in_db(database: Path) -> list[int]:
    """The t_ns of every gate crossing stored, in log order (read from the file itself)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT payload FROM run_events WHERE kind = 'crossing' ORDER BY run_id, event_id"
        ).fetchall()
    return [int(json.loads(payload)["t_ns"]) for (payload,) in rows]


def test_every_crossing_is_stored_after_the_disk_fills_and_frees(
    tmp_path: Path, small_disk: Path
) -> None:
    model = ZRoundDecoderModel(
        ["01"], CarProfile(mean_lap_s=LAP_S, sigma_lap_s=0.1), seed=5, now_ns=time.monotonic_ns()
    )
    emulator = ZRoundEmulator(model)
    decoder_port = emulator.open_tcp()
    emulator.start()
    journal = tmp_path / "run" / "crossings.jsonl"
    port = free_port()
    config = (
        '[event]\nname = "Full Disk Summit"\nseason = "2026"\n'
        "[round]\ntime_limit_s = 600\nlockout_s = 0.3\n"
        f'[[gate]]\nid = "loop"\nkind = "tcp"\nport = {decoder_port}\n'
        'transponders = { "01" = "car-1" }\n'
        '[[track]]\nid = "track-1"\ngate = "loop"\n'
        + venue_sections(tmp_path, port).replace(
            f'data_dir = "{tmp_path / "data"}"',
            f'data_dir = "{small_disk / "data"}"\nfallback_journal = "{journal}"',
        )
    )
    try:
        with lapgate_run(tmp_path, config, port) as base:
            staff = Staff(base)
            staff.act("queue_add", alias="Alice", car="car-1")
            run_id = staff.act("stage")["run_id"]

            def stored() -> list[dict[str, Any]]:
                events = staff.get(f"/api/runs/{run_id}/events")
                return [e for e in events if e["kind"] == "crossing"]

            wait_for(lambda: len(stored()) >= 3, "three stored crossings")
            filler = fill(small_disk)
            health = wait_for(
                lambda: (
                    (h := requests.get(f"{base}/healthz", timeout=5).json())["store_status"]
                    == "error"
                    and h
                ),
                "the store's light turning red",
            )
            assert "full" in health["store"]["detail"], health
            assert health["gates_status"] == "error"
            assert health["gates"]["loop"]["level"] == "error"
            assert "full" in health["gates"]["loop"]["detail"]
            held_from = len(model.passings)
            wait_for(lambda: len(model.passings) >= held_from + 5, "passings while full", 20)
            snapshot = staff.get("/api/snapshot")
            assert snapshot["store"]["level"] == "error"
            assert snapshot["store"]["held"] >= 4, snapshot["store"]
            assert journal.exists()  # kept on another disk too

            filler.unlink()
            wait_for(
                lambda: requests.get(f"{base}/healthz", timeout=5).json()["store_status"] == "ok",
                "the store's light back to ok",
            )
            emulator.stop()  # no more passings: whatever the decoder made must be stored
            final = len(model.passings)
            wait_for(lambda: len(stored()) and _caught_up(stored(), model, final), "catch-up")
            database = small_disk / "data" / "lapgate.sqlite3"
            on_disk = crossings_in_db(database)
            assert on_disk == [e["t_ns"] for e in stored()]
            assert not journal.exists()
    finally:
        emulator.stop()
    last_ms = model.passings[-1][1]
    offset_ns = on_disk[-1] - last_ms * 1_000_000
    expected = [ms * 1_000_000 + offset_ns for _, ms in model.passings]
    assert on_disk == [t for t in expected if t >= on_disk[0]]  # every one, in order, once
    assert len(on_disk) >= 3 + 5  # before the disk filled, and while it was full


def _caught_up(events: list[dict[str, Any]], model: ZRoundDecoderModel, final: int) -> bool:
    """The newest stored crossing is the decoder's last passing (on the host clock)."""
    if len(events) < 2 or len(model.passings) < final:
        return False
    times = [e["t_ns"] for e in events]
    decoder_ms = [ms for _, ms in model.passings[:final]]
    return round((times[-1] - times[-2]) / 1e6) == decoder_ms[-1] - decoder_ms[-2]
