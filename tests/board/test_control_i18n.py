"""The staff pages in the staff's language: /control and its login form, with the keys kept."""

from __future__ import annotations

import datetime as dt
import json
import re

from web_support import Board, login

from lapgate.board.wallclock import CHECK_EXTENSION, WallClockCheck


def test_control_page_in_japanese_keeps_the_keys(board: Board) -> None:
    client = board.app.test_client()
    login(client)
    page = client.get("/control?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "待ち行列" in page and "ログアウト" in page  # the page's own words
    assert "次のレーサーをスタンバイ" in page  # a keyboard shortcut's description
    assert "ファイナルラップ" in page  # a big-screen sound
    assert "<kbd>N</kbd>" in page and "<kbd>Shift+Z</kbd>" in page  # keys as printed on them
    assert "Stage next racer" not in page
    catalog = re.search(r'<script id="lapgate-i18n" type="application/json">(.*?)</script>', page)
    assert catalog, "no browser catalog on the page"
    texts = json.loads(catalog.group(1))  # what control.js writes: confirmations, toasts
    assert texts["End {racer}'s run now? The lap in progress is dropped."].startswith("{racer}の")


def test_control_page_stays_english_by_default(board: Board) -> None:
    client = board.app.test_client()
    login(client)
    page = client.get("/control").get_data(as_text=True)
    assert "Stage next racer" in page and "Final lap" in page and "<kbd>Space</kbd>" in page


def test_login_form_and_its_refusals_in_german(board: Board) -> None:
    client = board.app.test_client()
    form = client.get("/control/login?lang=de")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Passwort" in page and "Anmelden" in page and "Großanzeige" in page
    with client.session_transaction() as session:
        token = session["csrf"]
    for _ in range(5):  # the language chosen by ?lang= is kept (cookie) for the form's POST
        wrong = client.post("/control/login", data={"password": "guess", "csrf_token": token})
        assert wrong.status_code == 401 and "Falsches Passwort." in wrong.get_data(as_text=True)
    throttled = client.post("/control/login", data={"password": "guess", "csrf_token": token})
    assert throttled.status_code == 429
    text = throttled.get_data(as_text=True)
    assert "Zu viele falsche Passwörter von 127.0.0.1; warten Sie 1 s." in text


def test_login_form_of_a_logged_in_tablet_leads_to_control(board: Board) -> None:
    client = board.app.test_client()
    login(client)
    response = client.get("/control/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/control")


def test_wall_clock_warning_in_spanish(board: Board) -> None:
    stored_at = dt.datetime(2026, 5, 2, 10, 0)
    board.app.extensions[CHECK_EXTENSION] = WallClockCheck(
        stored_at, lambda: dt.datetime(2020, 1, 1)
    )
    client = board.app.test_client()
    login(client)
    page = client.get("/control?lang=es").get_data(as_text=True)
    assert "El reloj de este ordenador marca 2020-01-01 00:00 UTC" in page
    assert "2026-05-02 10:00 UTC" in page
