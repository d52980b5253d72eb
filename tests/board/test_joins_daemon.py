"""A racer joins the queue from a phone of a real `lapgate run`; staff accept the join on
/control; the phone follows its place and alerts when its racer is staged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from daemon_support import PASSWORD, ROOT, Staff, free_port, lapgate_run, venue_sections

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
VENUE = (
    '[event]\nname = "Walk-up night"\nseason = "2026"\n'
    '[round]\nformat = "fastest_lap"\ntime_limit_s = 120\n'
    '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 3\nmean_lap_s = 9.0\n'
    "sigma_lap_s = 0.5\nspeed_factor = 1\n"
    '[[track]]\nid = "track-1"\nname = "Main track"\ngate = "finish"\njoin = "approve"\n'
)
IMG = ROOT / "docs" / "img"
SAMPLES = Path(__file__).parent / "data" / "model_cards"


def test_a_phone_joins_staff_accept_and_the_phone_says_you_are_up(
    tmp_path: Path, browser: Any
) -> None:
    port = free_port()
    with lapgate_run(tmp_path, VENUE + venue_sections(tmp_path, port), port) as base:
        staff_api = Staff(base)
        staff_api.act("queue_add", alias="Bob on track")
        staff_api.act("queue_add", alias="Carol")
        staff_api.act("stage")
        screen = browser.new_page(viewport={"width": 1920, "height": 1080})
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        control = browser.new_page(viewport={"width": 1600, "height": 1000})
        try:
            screen.goto(f"{base}/")
            screen.locator("#join-qr").wait_for(state="visible")
            assert screen.locator("#join-url").text_content() == (
                f"http://127.0.0.1:{port}/join?track=track-1"
            )
            screen.screenshot(path=str(IMG / "screen-join-qr.png"))

            phone.goto(f"{base}/join?track=track-1")
            phone.locator("#jn-mode", has_text="The staff accept each join.").wait_for()
            phone.fill("#jn-alias", "Eve <b>Speed</b>")
            phone.fill("#jn-model", "fast-v3")
            phone.click("#jn-submit")
            phone.locator("#jn-state", has_text="Waiting for the staff").wait_for()

            control.goto(f"{base}/control")
            control.fill("input[name=password]", PASSWORD)
            control.click("button[type=submit]")
            pending = control.locator("#join-pending li", has_text="Eve <b>Speed</b>")
            pending.wait_for()
            control.screenshot(path=str(IMG / "control-joins.png"))
            pending.locator("button.join-accept").click()
            control.locator("#queue", has_text="Eve <b>Speed</b>").wait_for()

            phone.locator("#jn-state", has_text="In the queue").wait_for()
            assert phone.locator("#jn-position").text_content() == "2"
            phone.locator("#jn-alert", has_text="Get ready").wait_for()
            phone.click("#jn-alert-ok")
            assert phone.locator("#jn-card-name").input_value() == "fast-v3"
            phone.set_input_files(
                "#jn-card-files",
                [str(SAMPLES / "model_metadata.json"), str(SAMPLES / "hyperparameters.json")],
            )
            phone.click("#jn-card-submit")
            phone.locator("#jn-card-result", has_text="Card stored: 5 actions").wait_for()
            phone.screenshot(path=str(IMG / "join-phone.png"))

            staff_api.post("end")
            staff_api.act("stage")  # Carol
            phone.wait_for_function("document.getElementById('jn-position').textContent === '1'")
            staff_api.post("end")
            staff_api.act("stage")  # Eve
            phone.locator("#jn-alert", has_text="You're up!").wait_for()
            phone.screenshot(path=str(IMG / "join-phone-up.png"))
            alerts = phone.evaluate("window.lapgateJoinAlerts")
            assert alerts == ["next", "staged"]

            phone.reload()  # a phone that slept comes back to its current state
            phone.locator("#jn-state", has_text="You're up!").wait_for()
            assert phone.locator("#jn-name").text_content() == "Eve <b>Speed</b>"
            run = staff_api.get("/api/tracks/track-1")["run"]
            assert (run["racer"], run["model"]) == ("Eve <b>Speed</b>", "fast-v3")
            assert run["model_card"] is not None
        finally:
            for page in (screen, phone, control):
                page.close()
