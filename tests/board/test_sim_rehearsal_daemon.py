"""End to end: `lapgate run` with a simulated gate times what staff stage, no hardware."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from daemon_support import Staff, free_port, lapgate_run, venue_sections

pytestmark = pytest.mark.timeout(120)


def rehearsal_config(tmp_path: Path, port: int) -> str:
    """A venue config whose only gate is simulated, 100 × faster than real time."""
    return (
        '[event]\nname = "Rehearsal"\nseason = "2026"\n'
        "[round]\ntime_limit_s = 600\n"  # 6 s of real time
        '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 5\nspeed_factor = 100\n'
        "mean_lap_s = 5.0\nsigma_lap_s = 0.2\n"
        '[[track]]\nid = "track-1"\nname = "Track"\ngate = "finish"\n'
    ) + venue_sections(tmp_path, port)


def test_a_staged_racer_laps_on_the_simulated_gate(tmp_path: Path) -> None:
    port = free_port()
    with lapgate_run(tmp_path, rehearsal_config(tmp_path, port), port) as base:
        staff = Staff(base)
        staff.act("queue_add", alias="Ada Lovelap")
        run_id = staff.act("stage")["run_id"]
        deadline = time.monotonic() + 30
        while True:
            run = staff.get("/api/snapshot")["tracks"][0]["run"]
            assert run["run_id"] == run_id and run["racer"] == "Ada Lovelap"
            if len(run["laps"]) >= 3:
                break
            assert time.monotonic() < deadline, f"no 3 laps within 30 s: {run}"
            time.sleep(0.05)
    assert run["status"] == "running"
    # Times are on the gate's virtual clock: laps last what the profile says (5 s, plus a
    # reset penalty after an off-track), not the 50 ms of real time they took.
    assert all(3_000 < lap["duration_ms"] < 16_000 for lap in run["laps"]), run["laps"]
    assert {lap["source"] for lap in run["laps"]} == {"gate"}
