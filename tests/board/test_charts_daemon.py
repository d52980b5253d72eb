"""Charts and race sounds through a real `lapgate run` (simulated gate, SQLite store)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import requests
from daemon_support import Staff, free_port, lapgate_run, venue_sections, wait_for

NS = "{http://www.w3.org/2000/svg}"


def _svg(staff: Staff, path: str) -> ET.Element:
    response = staff.session.get(staff.base + path, timeout=10)
    assert response.status_code == 200, f"{path}: {response.text}"
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    return ET.fromstring(response.text)


def test_charts_and_sound_switches_on_a_running_board(tmp_path: Path) -> None:
    port = free_port()
    config = (
        '[event]\nname = "Chart Summit"\nseason = "2026"\n'
        "[round]\ntime_limit_s = 600\n"
        '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 7\nspeed_factor = 50\n'
        "mean_lap_s = 9.0\nsigma_lap_s = 0.4\n"
        '[[track]]\nid = "track-1"\nname = "Track 1"\ngate = "finish"\n'
    ) + venue_sections(tmp_path, port)
    with lapgate_run(tmp_path, config, port) as base:
        staff = Staff(base)
        runs = []
        for alias in ("Ann <i>", "Ben"):
            staff.act("queue_add", alias=alias)
            run_id = staff.act("stage")["run_id"]
            wait_for(lambda r=run_id: len(staff.get(f"/api/runs/{r}")["laps"]) >= 4, "4 laps")
            staff.act("end", run_id=run_id)
            runs.append(staff.get(f"/api/runs/{run_id}"))
        ann = _svg(staff, f"/charts/runs/{runs[0]['run_id']}.svg?size=phone")
        texts = [e.text for e in ann.iter(NS + "text")]
        assert "Ann <i> · run 1" in texts  # escaped in the file, text in the picture
        dots = [c for c in ann.iter(NS + "circle") if "lap" in (c.get("class") or "")]
        assert len(dots) == len(runs[0]["laps"])
        round_id = runs[0]["round_id"]
        laps = sum(len(run["laps"]) for run in runs)
        dist = _svg(staff, f"/charts/rounds/{round_id}/laps.svg?size=screen&theme=dark")
        assert any(
            t and t.startswith(f"{laps} valid laps")
            for t in (e.text for e in dist.iter(NS + "text"))
        )
        season = _svg(staff, f"/standings/racers/{runs[1]['racer_id']}/chart.svg?season=2026")
        assert season.get("aria-label", "").startswith("Season progression: Ben")

        assert staff.act("sounds", final_lap=False, new_leader=False)["sounds"] == {
            "start": True,
            "thirty_left": True,
            "final_lap": False,
            "time_up": True,
            "new_leader": False,
        }
        assert staff.get("/api/snapshot")["settings"]["sounds"]["final_lap"] is False
        refused = staff.post("sounds", siren=True)
        assert refused.status_code == 400 and "siren" in refused.json()["error"]
        anonymous = requests.post(f"{base}/api/control/sounds", json={"start": False}, timeout=10)
        assert anonymous.status_code in (401, 403)
