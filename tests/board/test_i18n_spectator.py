"""The spectator pages in the racers' language: the big screen, the standings, the league,
the charts they show, the standings' refusals; in a real browser the big screen in German
(words, lap times, spoken lap times) and the bracket page in Spanish (round titles, where a
racer comes from, decimal commas).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from brackets_support import Staff, open_bracket, play_staged, qualify
from standings_support import LeagueBoard, league
from web_support import Board

from lapgate.board.charts.figures import lap_text, points_label, seconds_label
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync.league_app import create_league_app
from lapgate.board.sync.settings import LeagueSettings

__all__ = ["league"]
NS = "{http://www.w3.org/2000/svg}"


def _race_a_run(board: Board, alias: str, laps_s: list[float]) -> str:
    board.queue(alias)
    run_id = board.stage()
    board.cross(1.0)  # rolling start: the first crossing starts lap 1
    for lap_s in laps_s:
        board.cross(lap_s)
    return run_id


def _catalog(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="lapgate-i18n" type="application/json">(.*?)</script>', html)
    assert found, "no browser catalog on the page"
    catalog: dict[str, Any] = json.loads(found.group(1))
    return catalog


def test_the_big_screen_in_german(board: Board) -> None:
    html = board.app.test_client().get("/?lang=de").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert 'id="board-title">Rangliste<' in html
    assert ">Letzte Runde<" in html and ">Beste Runde<" in html
    assert ">Live-Ergebnisse auf Ihrem Handy<" in html
    # the words the scripts write come with the page, in German
    assert _catalog(html)["New leader"] == "Neue Führung"


def test_the_standings_in_japanese(board: Board) -> None:
    response = board.app.test_client().get("/standings?lang=ja")
    html = response.get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "シーズン順位表" in html and "ポイント" in html
    assert ">総合順位</a>" in html  # the navigation, translated where it is shown
    assert _catalog(html)["No racer matches."] == "該当するレーサーはいません。"
    assert "lapgate_lang=ja" in response.headers["Set-Cookie"]  # the choice is kept


def test_a_run_chart_in_german_has_german_lap_times(board: Board) -> None:
    run_id = _race_a_run(board, "Ada", [8.2, 7.9, 8.4])
    client = board.app.test_client()
    german = client.get(f"/charts/runs/{run_id}.svg?lang=de").get_data(as_text=True)
    shown = [e.text for e in ET.fromstring(german).iter(NS + "text")]
    assert "Ada · Lauf 1" in shown
    assert "7,900" in shown and "7.900" not in shown
    assert any(text and text.startswith("beste 7,900") for text in shown)
    english = client.get(f"/charts/runs/{run_id}.svg?lang=en").get_data(as_text=True)
    assert "7.900" in english and "best 7.900" in english


def test_a_season_chart_in_japanese_and_german(league: LeagueBoard) -> None:
    client = league.app.test_client()
    ben = f"/standings/racers/{league.racer_id('u-ben')}/chart.svg?season=2021"
    japanese = ET.fromstring(client.get(ben + "&lang=ja").get_data(as_text=True))
    assert "2レースで 19 AWSポイント" in [e.text for e in japanese.iter(NS + "text")]
    ann = f"/standings/racers/{league.racer_id('u-ann')}/chart.svg?season=2021"
    german = ET.fromstring(client.get(ann + "&scheme=community&lang=de").get_data(as_text=True))
    assert "-10k Community-Punkte in 1 Rennen" in [e.text for e in german.iter(NS + "text")]


def test_chart_numbers_take_the_requests_decimal_symbol(board: Board) -> None:
    with board.app.test_request_context("/?lang=de"):
        assert (points_label(-12_500), seconds_label(7_500, 500), lap_text(62_345)) == (
            "-12,5k",
            "7,5",
            "1:02,345",
        )
    with board.app.test_request_context("/?lang=ja"):
        assert (points_label(-12_500), seconds_label(7_500, 500)) == ("-12.5k", "7.5")
    assert lap_text(62_345) == "1:02.345"  # outside a request (printouts): English


def test_the_league_page_speaks_the_visitors_language(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'league.db'}")
    app, _socketio = create_league_app(LeagueSettings(database_url=store.url), store)
    client = app.test_client()
    html = client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True)
    store.close()
    assert '<html lang="es">' in html
    assert "Mejor vuelta" in html and "Rondas" in html
    assert "Best lap" not in html


def test_the_big_screen_in_a_browser_in_german(board: Board, served: str, page: Any) -> None:
    board.queue("Hana")
    board.stage()
    page.goto(served + "/?lang=de")
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
    )
    board.cross(1)
    board.cross(9.25)
    page.wait_for_function("document.querySelectorAll('#laps li').length === 1")
    assert page.text_content("#laps li .t") == "9,250"
    assert page.text_content("#best-lap") == "9,250"
    assert page.text_content("#run-label") == "Laufzeit"
    assert page.text_content("#window-label") == "Bester Ø 3"


def test_the_bracket_page_in_a_browser_in_spanish(board: Board, served: str, browser: Any) -> None:
    qualify(board, ["Ann", "Ben", "Cat", "Dan"])
    staff = Staff(board.app.test_client())
    bracket_id = open_bracket(staff, kind="single", name="Final 4")
    staff.post(f"/api/brackets/{bracket_id}/stage")
    play_staged(board, [10.4], [9.9])  # W1-1: the bottom racer wins
    assert staff.post(f"/api/brackets/{bracket_id}/decide").status_code == 200
    errors: list[str] = []
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served}/brackets?lang=es")
    page.wait_for_selector('.bk-match[data-match="W1-1"] .bk-slot.win')
    assert page.locator(".bk-bracket-title").first.inner_text().lower() == "cuadro de invictos"
    titles = page.locator(".bk-round-title").all_inner_texts()
    assert [t.lower() for t in titles] == ["semifinales", "final"]
    final = page.locator('.bk-match[data-match="W2-1"] .bk-racer').all_inner_texts()
    assert "ganador de W1-2" in final  # where the racer still to come comes from
    note = page.locator('.bk-match[data-match="W1-1"] .bk-note').inner_text()
    assert note == "10,400 v 9,900"  # top v bottom, with a decimal comma
    assert "eliminación directa" in page.text_content("#bk-rules")
    page.context.close()
    assert errors == []


def test_a_bad_standings_request_answers_in_the_pages_language(league: LeagueBoard) -> None:
    client = league.app.test_client()
    german = client.get("/api/standings?season=1999&lang=de").json
    assert german["error"].startswith("season: '1999' erhalten, erwartet wird eines von")
    assert "season: got '1999'" in client.get("/api/standings?season=1999&lang=en").json["error"]


def test_spoken_lap_times_in_the_pages_language(board: Board, served: str, page: Any) -> None:
    page.add_init_script(
        "window.__spoken = [];"
        "window.SpeechSynthesisUtterance = function (text) { this.text = text; };"
        "Object.defineProperty(window, 'speechSynthesis',"
        " {value: {speak: (u) => window.__spoken.push([u.lang, u.text])}});"
    )
    board.host.call(lambda race: race.set_speak(True))
    board.queue("Hana")
    board.stage()
    page.goto(served + "/?lang=de")
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
    )
    board.cross(1)
    board.cross(9.25)
    page.wait_for_function("window.__spoken.length === 1")
    assert page.evaluate("window.__spoken") == [["de", "Runde 1, 9,25"]]
