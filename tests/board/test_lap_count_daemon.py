"""End to end: lap-count races through a real `lapgate run` and its HTTP API.

A gate that never fires (GPIO on gpiozero's mock pins) leaves every crossing to staff's
Manual lap: a lap-count round (3 laps) ranks two racers by their totals, a run ends by
itself at lap 3 and a late press is ignored; then a lap-count bracket match (2 laps) is
decided on the lower total, and the exports (final CSV, JSON, DREM summary, PDF) carry it.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Staff, free_port, lapgate_run, venue_sections, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CONFIG = """
[event]
name = "Lap count cup"
season = "2026"

[round]
time_limit_s = 600
lockout_s = 0.05

[[gate]]
id = "finish"
kind = "gpio"
pin_factory = "mock"

[[track]]
id = "t1"
name = "Track"
gate = "finish"

[[rounds]]
name = "Final laps"
kind = "timed"
format = "lap_count"
race_laps = 3
advance = "top"
advance_count = 2

[[rounds]]
name = "Duel"
kind = "bracket"
entry_from = ["Final laps"]
format = "lap_count"
race_laps = 2
bracket = "single"
attempts = 1
"""


def press_laps(staff: Staff, run_id: str, presses: int, gap_s: float) -> dict[str, Any]:
    """`presses` Manual-lap presses, each once the gate clock has moved `gap_s` on."""
    for _ in range(presses):
        before = staff.get(f"/api/runs/{run_id}")["event_count"]
        staff.act("manual_lap", run_id=run_id)
        wait_for(lambda b=before: staff.get(f"/api/runs/{run_id}")["event_count"] > b, "lap")
        time.sleep(gap_s)  # daemon test: laps need real time on the gate clock between presses
    run: dict[str, Any] = staff.get(f"/api/runs/{run_id}")
    return run


def total_ms(run: dict[str, Any], laps: int) -> int:
    """The run's total of `laps` laps: the server's (rounded once from ns), checked against
    the sum of its laps as shown (each rounded to the ms on its own)."""
    shown = sum(lap["duration_ms"] for lap in run["laps"][:laps])
    total: int = run["race_total_ms"]
    assert abs(total - shown) <= laps // 2 + 1, (total, shown)
    return total


def test_a_lap_count_round_and_bracket_match_into_the_exports(tmp_path: Path) -> None:
    port = free_port()
    with lapgate_run(tmp_path, CONFIG + venue_sections(tmp_path, port), port) as base:
        staff = Staff(base)
        staff.act("round_open", round_id="Final laps")
        for alias in ("Ada", "Bo"):
            staff.act("queue_add", alias=alias)

        # Ada: 4 presses = start + 3 laps; the run ends by itself at lap 3.
        ada_id = staff.act("stage")["run_id"]
        track = staff.get("/api/tracks/t1")
        assert track["run"]["finish_laps"] == 3
        ada = press_laps(staff, ada_id, 4, gap_s=0.3)
        assert ada["status"] == "finished" and len(ada["laps"]) == 3
        assert total_ms(ada, 3) > 900  # three laps, each at least 0.3 s
        late = staff.post("manual_lap", run_id=ada_id)
        assert late.status_code == 409 and "already finished" in late.json()["error"]

        # Bo: slower laps, same finish.
        bo_id = staff.act("stage")["run_id"]
        bo = press_laps(staff, bo_id, 4, gap_s=0.6)
        assert bo["status"] == "finished" and len(bo["laps"]) == 3

        board = staff.get("/api/tracks/t1")["leaderboard"]
        assert [(row["name"], row["rank"]) for row in board] == [("Ada", 1), ("Bo", 2)]
        assert board[0]["value_ms"] == total_ms(ada, 3)
        assert (board[0]["result_laps"], board[0]["laps_short"]) == (3, 0)
        staff.act("round_close", round_id="Final laps")

        # The duel: 2 laps each, one attempt; the lower total wins whatever the seeds.
        staff.act("round_open", round_id="Duel")
        bracket = staff.get("/api/brackets/latest")
        bracket_id = bracket["bracket_id"]
        staff.act("bracket_stage", bracket_id=bracket_id)
        duel: dict[str, dict[str, Any]] = {}
        for gap_s in (0.6, 0.3):  # seed 1 (Ada) runs slow this time, seed 2 (Bo) fast
            run_id = staff.act("stage")["run_id"]
            run = press_laps(staff, run_id, 3, gap_s=gap_s)
            assert run["status"] == "finished" and run["finish_laps"] == 2
            duel[run["racer"]] = run
        decided = staff.act("bracket_decide", bracket_id=bracket_id)
        racers = {r["alias"]: r["racer_id"] for r in staff.get("/api/racers")}
        winner = min(duel, key=lambda name: total_ms(duel[name], 2))
        assert winner == "Bo"
        assert decided["winner_id"] == racers["Bo"]
        staff.act("round_close", round_id="Duel")

        final = staff.session.get(f"{base}/api/export/final-csv", timeout=30)
        rows = list(csv.DictReader(io.StringIO(final.text)))
        assert [r["Alias"] for r in rows] == ["Bo", "Ada"]
        assert float(rows[0]["RankingScore"]) == total_ms(duel["Bo"], 2)

        laps_round = staff.session.get(
            f"{base}/api/export/final-csv", params={"round": "Final laps"}, timeout=30
        )
        by_alias = {r["Alias"]: r for r in csv.DictReader(io.StringIO(laps_round.text))}
        assert float(by_alias["Ada"]["RankingScore"]) == total_ms(ada, 3)

        document = json.loads(staff.session.get(f"{base}/api/export/json", timeout=30).text)
        formats = {r["name"]: r["format"] for r in document["rounds"]}
        assert formats == {
            "Final laps": {"kind": "lap_count", "laps": 3},
            "Duel": {"kind": "lap_count", "laps": 2},
        }
        results = {r["alias"]: r for r in document["results"]}
        assert results["Bo"]["ranking_time_ms"] == total_ms(duel["Bo"], 2)
        assert results["Bo"]["extra"]["Race laps"] == "2/2"
        assert results["Bo"]["extra"]["Format"].startswith("bracket")

        drem = staff.session.get(f"{base}/api/export/drem-laps-csv", timeout=30).text
        drem_rows = list(csv.DictReader(io.StringIO(drem)))
        ada_laps = [int(r["Lap Time (ms)"]) for r in drem_rows if r["Username"] == "Ada"][:3]
        assert abs(sum(ada_laps) - total_ms(ada, 3)) <= 2  # DREM's fixed columns: laps add up
        pdf = staff.session.get(f"{base}/api/export/pdf", params={"kind": "results"}, timeout=60)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
