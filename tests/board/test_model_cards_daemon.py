"""Model cards through a real `lapgate run`: submitted from the CLI with the DeepRacer
community's own sample files, raced with, shown beside the run and in the export."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from daemon_support import PASSWORD, ROOT, Staff, free_port, lapgate_run, venue_sections, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
SAMPLES = Path(__file__).parent / "data" / "model_cards"
VENUE = (
    '[event]\nname = "Model night"\nseason = "2026"\n'
    '[round]\nformat = "fastest_lap"\ntime_limit_s = 120\nlockout_s = 1.0\n'
    '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 7\nmean_lap_s = 9.0\n'
    "sigma_lap_s = 0.5\nspeed_factor = 50\n"
    '[[track]]\nid = "track-1"\nname = "Track 1"\ngate = "finish"\n'
)


def lapgate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAPGATE_STAFF_PASSWORD": PASSWORD}
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def sample(*names: str) -> list[str]:
    return [str(SAMPLES / name) for name in names]


def test_a_card_from_the_cli_shows_beside_the_run_and_in_the_export(
    tmp_path: Path, browser: Any
) -> None:
    port = free_port()
    with lapgate_run(tmp_path, VENUE + venue_sections(tmp_path, port), port) as base:
        staff = Staff(base)
        submitted = lapgate(
            "model", "submit", "--url", base, "--racer", "Ada <i>Lovelap</i>",
            "--name", "Fast-V3",
            *sample(
                "model_metadata.json",
                "hyperparameters.json",
                "training_params.yaml",
                "evaluation_metrics.json",
            ),
        )  # fmt: skip
        assert submitted.returncode == 0, submitted.stderr
        card_id = json.loads(submitted.stdout.splitlines()[-2])["card_id"]
        assert f"card: {base}/models/{card_id}" in submitted.stdout

        staff.act(
            "queue_add", alias="ada <i>lovelap</i>", same_racer=True, model="fast-v3", car="Blue"
        )
        run_id = staff.act("stage")["run_id"]
        wait_for(lambda: len(staff.get(f"/api/runs/{run_id}")["laps"]) >= 2, "two laps")
        staff.act("end", run_id=run_id)

        run = staff.get(f"/api/runs/{run_id}")
        assert (run["model"], run["model_card"]) == ("fast-v3", card_id)
        row = staff.get("/api/tracks/track-1")["leaderboard"][0]
        assert (row["name"], row["model"], row["model_card"]) == (
            "Ada <i>Lovelap</i>",
            "fast-v3",
            card_id,
        )
        card = staff.get(f"/api/models/{card_id}")
        assert card["summary"] == "5 actions up to 0.6 m/s, clipped_ppo, trained on Vegas_track"
        assert card["best_evaluation_ms"] == 16054
        assert len(card["physical_laps"]) == len(run["laps"])
        assert card["best_physical_ms"] == run["best_lap_ms"]

        laps = list(
            csv.DictReader(io.StringIO(staff.session.get(f"{base}/api/export/laps-csv").text))
        )
        assert laps and {(r["Model"], r["ModelCard"]) for r in laps} == {
            ("fast-v3", f"/models/{card_id}")
        }
        exported = staff.session.get(f"{base}/api/export/json").json()
        (raced,) = [r for rnd in exported["rounds"] for r in rnd["runs"]]
        assert raced["model_meta"]["card_id"] == card_id
        assert raced["model_meta"]["card"]["hyperparameters"]["lr"] == 0.0003

        page = staff.session.get(f"{base}/models/{card_id}").text
        assert "Ada &lt;i&gt;Lovelap&lt;/i&gt;" in page and "<i>Lovelap" not in page
        assert "16.054" in page and "Vegas_track" in page

        phone = browser.new_page(viewport={"width": 390, "height": 844})
        try:
            phone.goto(f"{base}/m")
            phone.locator("#leaderboard td.name .model", has_text="fast-v3").wait_for()
            phone.locator("#leaderboard td.name", has_text="Ada <i>Lovelap</i>").click()
            link = phone.locator("#detail-runs .model-line a", has_text="fast-v3")
            link.wait_for()
            link.click()
            phone.wait_for_url(f"{base}/models/{card_id}")
            assert phone.locator("#mc-racer").text_content() == "Ada <i>Lovelap</i>"
            assert phone.locator("#mc-best-virtual").text_content() == "16.054"
            phone.screenshot(path=str(ROOT / "docs/img/model-card-phone.png"))
        finally:
            phone.close()


def test_a_malformed_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "model_metadata.json"
    meta = json.loads((SAMPLES / "model_metadata.json").read_text())
    meta["action_space"][2]["speed"] = "fast"
    bad.write_text(json.dumps(meta))
    port = free_port()
    with lapgate_run(tmp_path, VENUE + venue_sections(tmp_path, port), port) as base:
        refused = lapgate(
            "model", "submit", "--url", base, "--racer", "Ada", "--name", "m", str(bad)
        )
        assert refused.returncode == 2
        assert "model_metadata.json: action_space.2.speed: got 'fast'" in refused.stderr
        staff = Staff(base)
        answer = staff.post(
            "model_submit",
            alias="Ada",
            name="m",
            files={"hp.json": json.dumps({"lr": "fast"}), **{"m.json": bad.read_text()}},
        )
        assert answer.status_code == 400
        assert "action_space.2.speed: got 'fast'" in answer.json()["error"] or (
            "hp.json: lr: got 'fast'" in answer.json()["error"]
        )
        assert staff.get("/api/models") == []
