"""End to end: a team entered, raced by a proxy, in the exports and the season standings.

A real `lapgate run` (GPIO gate on gpiozero's mock pins: laps come from Manual lap) takes a
company-league team through the HTTP API: created with its members and car, queued with a
proxy driving, raced, then exported (final CSV, laps CSV, JSON) and ranked by
`lapgate standings` and /api/standings, which show the team and its members.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from daemon_support import ROOT, Staff, free_port, lapgate_run, venue_sections, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CONFIG = """
[event]
name = "Company league 2019"
season = "2019"
kind = "company"

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
"""


def race_laps(staff: Staff, presses: int, gap_s: float) -> dict[str, Any]:
    run_id = staff.act("stage")["run_id"]
    for _ in range(presses):
        before = staff.get(f"/api/runs/{run_id}")["event_count"]
        staff.act("manual_lap", run_id=run_id)
        wait_for(lambda b=before: staff.get(f"/api/runs/{run_id}")["event_count"] > b, "lap")
        time.sleep(gap_s)  # laps need real time on the gate clock between presses
    staff.act("end", run_id=run_id)
    run: dict[str, Any] = staff.get(f"/api/runs/{run_id}")
    return run


def lapgate(tmp_path: Path, *args: str) -> str:
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", *args]
    done = subprocess.run(
        [*command, "--config", str(tmp_path / "venue.toml")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_team_raced_by_a_proxy_in_exports_and_standings(tmp_path: Path) -> None:
    port = free_port()
    with lapgate_run(tmp_path, CONFIG + venue_sections(tmp_path, port), port) as base:
        staff = Staff(base)
        members = ["Ann", "Ben", "Cat", "Dan", "Eve"]
        team = staff.act("team_create", name="Rocket Co", members=members, car="DR-7")
        assert [m["name"] for m in team["members"]] == members
        refused = staff.post("team_create", name="Other Co", members=["Eve"])
        assert refused.status_code == 409
        assert "Eve races for team Rocket Co in this event" in refused.json()["error"]

        queued = staff.act("queue_add", team="Rocket Co", raced_by="Pat Proxy")
        assert queued["proxy"] is True
        staff.act("queue_add", alias="Solo Sam")
        screen = staff.get("/api/tracks/t1")
        assert [(q["name"], q["raced_by"]) for q in screen["queue"]] == [
            ("Rocket Co", "Pat Proxy"),
            ("Solo Sam", None),
        ]
        team_run = race_laps(staff, 3, gap_s=0.2)
        assert (team_run["racer"], team_run["raced_by"], team_run["proxy"]) == (
            "Rocket Co",
            "Pat Proxy",
            True,
        )
        assert team_run["car"] == "DR-7"
        race_laps(staff, 3, gap_s=0.5)
        board = staff.get("/api/tracks/t1")["leaderboard"]
        assert [row["name"] for row in board] == ["Rocket Co", "Solo Sam"]

        final = staff.session.get(f"{base}/api/export/final-csv", timeout=30).text
        rows = list(csv.DictReader(io.StringIO(final)))
        assert [(r["Rank"], r["Alias"]) for r in rows] == [("1", "Rocket Co"), ("2", "Solo Sam")]
        laps = list(
            csv.DictReader(io.StringIO(staff.session.get(f"{base}/api/export/laps-csv").text))
        )
        team_laps = [r for r in laps if r["Racer"] == "Rocket Co"]
        assert team_laps and {(r["RacedBy"], r["Proxy"]) for r in team_laps} == {
            ("Pat Proxy", "true")
        }
        drem = staff.session.get(f"{base}/api/export/drem-laps-csv").text
        drem_rows = [r for r in csv.DictReader(io.StringIO(drem)) if r["Username"] == "Rocket Co"]
        assert drem_rows and {r["Raced By Proxy"] for r in drem_rows} == {"true"}
        document = json.loads(staff.session.get(f"{base}/api/export/json").text)
        assert [t["name"] for t in document["teams"]] == ["Rocket Co"]
        result = next(r for r in document["results"] if r["alias"] == "Rocket Co")
        assert result["extra"]["Team members"] == "Ann, Ben, Cat, Dan, Eve"
        assert result["extra"]["Raced by"] == "Pat Proxy (proxy)"

        printed = staff.session.get(
            f"{base}/api/export/html", params={"kind": "certificates"}, timeout=60
        ).text
        assert '<div class="alias">Rocket Co</div>' in printed
        assert '<div class="members">Ann, Ben, Cat, Dan, Eve</div>' in printed
        pdf = staff.session.get(f"{base}/api/export/pdf", params={"kind": "certificates"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        (tmp_path / "certificates.pdf").write_bytes(pdf.content)

        standings = staff.get("/api/standings?season=2019&scheme=aws")
        first = standings["rows"][0]
        assert (first["alias"], first["points"]) == ("Rocket Co", 10)
        assert first["team_members"] == "Ann, Ben, Cat, Dan, Eve"

    shown = lapgate(tmp_path, "standings", "--season", "2019")
    lines = [line for line in shown.splitlines() if not line.startswith("#")]
    assert "Rocket Co  (team: Ann, Ben, Cat, Dan, Eve)" in lines[0]
    assert lines[0].split()[:2] == ["1", "10"]
    rows_json = json.loads(lapgate(tmp_path, "standings", "--season", "2019", "--json"))
    assert rows_json[0]["team_members"] == "Ann, Ben, Cat, Dan, Eve"
