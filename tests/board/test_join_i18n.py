"""The racers' pages in their language: the join page and its card, model card errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from web_support import Board, login

from lapgate.board.model_cards import ModelCardError, read_card

SAMPLES = Path(__file__).parent / "data" / "model_cards"


def open_joins(board: Board) -> None:
    staff = board.app.test_client()
    token = login(staff)
    mode = {"mode": "open"}
    assert (
        staff.post("/api/control/join_mode", json=mode, headers={"X-CSRF-Token": token}).status_code
        == 200
    )


def test_the_join_page_and_its_card_speak_japanese(board: Board) -> None:
    phone = board.app.test_client()
    page = phone.get("/join?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "順番待ちに参加" in page and "レーサー名" in page and "Join the queue" not in page
    catalog = page.split('<script id="lapgate-i18n" type="application/json">')[1]
    catalog = json.loads(catalog.split("</script>")[0])
    assert catalog["You're up!"] == "あなたの番です!"  # join.js's alert goes with the page
    card = phone.get("/join/card?track=track-1").get_data(as_text=True)  # the cookie kept ja
    assert '<html lang="ja">' in card and "Track 1 で走ろう" in card


def test_a_malformed_model_card_is_refused_in_german_naming_file_and_field(
    board: Board,
) -> None:
    open_joins(board)
    phone = board.app.test_client()
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    joined = phone.post("/api/join", json={"track_id": "track-1", "alias": "Ada"}, headers=german)
    assert joined.status_code == 200
    meta = json.loads((SAMPLES / "model_metadata.json").read_text())
    meta["action_space"][2]["speed"] = "fast"
    files: dict[str, Any] = {"my_meta.json": json.dumps(meta)}
    refused = phone.post("/api/join/model", json={"name": "m", "files": files}, headers=german)
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error.startswith("Modellkarte: my_meta.json: action_space.2.speed: 'fast' erhalten")
    english = phone.post("/api/join/model", json={"name": "m", "files": files})
    assert (
        "model card: my_meta.json: action_space.2.speed: got 'fast'" in english.get_json()["error"]
    )
    missing = phone.post("/api/join/model?lang=de", json={"name": "m"})
    assert missing.status_code == 400 and missing.get_json()["error"].startswith("Modellkarte: ")
    good = {"model_metadata.json": (SAMPLES / "model_metadata.json").read_text()}
    stored = phone.post("/api/join/model", json={"name": "m", "files": good}, headers=german)
    assert stored.get_json()["summary"] == "5 Aktionen bis 0,6 m/s, clipped_ppo"
    page = phone.get("/models?lang=ja").get_data(as_text=True)
    assert "5 アクション、最高 0.6 m/s、clipped_ppo" in page and "モデルカード" in page
    card_id = board.app.test_client().get("/api/models").get_json()[0]["card_id"]
    assert board.app.test_client().get(f"/api/models/{card_id}").get_json()["summary"] == (
        "5 actions up to 0.6 m/s, clipped_ppo"  # the stored card keeps English
    )


def test_a_refused_join_is_explained_in_spanish(board: Board) -> None:
    phone = board.app.test_client()
    body = {"track_id": "track-1", "alias": "Ada"}
    closed = phone.post("/api/join?lang=es", json=body)
    assert closed.status_code == 409
    assert closed.get_json()["error"] == (
        "inscripción: Track 1 no acepta inscripciones desde el móvil ahora; pregunta al personal"
    )


def test_model_card_errors_are_templates_with_the_file_and_field() -> None:
    try:
        read_card("m", {"hp.json": b'{"lr": "fast"}', "meta.json": b"{}"})
    except ModelCardError as exc:
        assert exc.template == "{file}: {field}: got {got}, expected {expected}"
        assert (exc.params["file"], exc.params["field"], exc.params["got"]) == (
            "hp.json",
            "lr",
            "'fast'",
        )
        assert str(exc).startswith("hp.json: lr: got 'fast', expected ")
    else:
        raise AssertionError("a bad learning rate was accepted")


@pytest.mark.browser
def test_a_phone_in_japanese_is_told_its_place_and_its_turn(
    board: Board, served: str, page: Any
) -> None:
    open_joins(board)
    board.queue("Bob", "Cy")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{served}/join?lang=ja")
    page.fill("#jn-alias", "Ada")
    page.click("#jn-submit")
    page.locator("#jn-state", has_text="順番待ち中").wait_for()
    assert page.locator("#jn-position").text_content() == "3"
    assert page.locator("#jn-position-label").text_content() == "番目"
    assert page.locator("#jn-wait").text_content().startswith("待ち時間 約")
    board.stage()  # Bob on track: Ada is second in line
    page.locator("#jn-alert", has_text="準備してください").wait_for()
    page.click("#jn-alert-ok")
    board.host.execute("end", {})
    board.stage()  # Cy on track: Ada is next (told once already)
    page.wait_for_function("document.getElementById('jn-position').textContent === '1'")
    assert page.locator("#jn-position-label").text_content() == "次に走行"
    board.host.execute("end", {})
    board.stage()  # Ada
    page.locator("#jn-alert", has_text="今すぐ Track 1 へ").wait_for()
    assert page.locator("#jn-alert-title").text_content() == "あなたの番です!"
    assert page.evaluate("window.lapgateJoinAlerts") == ["next", "staged"]
