"""The league service's pages and JSON on a SQLite store (no network): events, the
combined leaderboard across tracks, each round, season standings, local assets only."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sync_support import EVENT, add_runs, racers, seed_site
from werkzeug.security import generate_password_hash

from lapgate.board.store.sql import SqlStore
from lapgate.board.sync.league_app import create_league_app
from lapgate.board.sync.league_view import event_leaderboard
from lapgate.board.sync.settings import LeagueConfigError, LeagueSettings, load_league_settings


@pytest.fixture
def league(tmp_path: Path) -> Iterator[tuple[SqlStore, FlaskClient]]:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    store = SqlStore(url)
    field = racers(5)
    for n, track in enumerate(("track-a", "track-b")):
        add_runs(store, seed_site(store, track, field), field, runs=6, laps=3, seed=n)
    app, _ = create_league_app(LeagueSettings(database_url=url), store)
    yield store, app.test_client()
    store.close()


def test_events_rounds_and_combined_leaderboard(league: tuple[SqlStore, FlaskClient]) -> None:
    store, client = league
    assert client.get("/api/league/events").json == [
        {"event_id": EVENT.event_id, "season": "2026", "name": EVENT.name, "date": ""}
    ]
    board = client.get(f"/api/league/events/{EVENT.event_id}/leaderboard").json
    assert board == event_leaderboard(store, EVENT.event_id)
    assert board["tracks"] == ["track-a", "track-b"]
    ranked = [row for row in board["rows"] if row["rank"] is not None]
    assert ranked and [r["best_lap_ms"] for r in ranked] == sorted(r["best_lap_ms"] for r in ranked)
    rounds = client.get(f"/api/league/events/{EVENT.event_id}/rounds").json
    assert [r["track_id"] for r in rounds] == ["track-a", "track-b"]
    best_of_rounds = {}
    for rnd in rounds:
        for row in rnd["rows"]:
            if row["result_ms"] is not None:
                old = best_of_rounds.get(row["racer_id"], row["result_ms"])
                best_of_rounds[row["racer_id"]] = min(old, row["result_ms"])
    assert {r["racer_id"]: r["best_lap_ms"] for r in ranked} == best_of_rounds
    assert client.get("/api/league/events/nope/leaderboard").status_code == 404


def test_pages_use_local_assets_only(league: tuple[SqlStore, FlaskClient]) -> None:
    _, client = league
    page = client.get("/").get_data(as_text=True)
    assert "js/league.js" in page and "vendor/socket.io.min.js" in page
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert src.startswith("/"), src
        response = client.get(src)
        response.close()  # static files are streamed
        assert response.status_code == 200, src
    assert client.get("/standings").status_code == 200


def test_league_config_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "league.toml"
    path.write_text('[league]\ndatabase_url = "x"\n[[league.timers]]\nid = "a"\ntoken = "short"\n')
    with pytest.raises(LeagueConfigError, match=r"league\.timers\.0\.token"):
        load_league_settings(path)
    path.write_text('[league]\ndatabase_url = "postgresql+psycopg://h/db"\nport = 5100\n')
    assert load_league_settings(path).port == 5100


def test_staff_page_speaks_the_chosen_language(tmp_path: Path) -> None:
    """?lang=de: the league staff page, its language switch and its script's catalog in
    German; the choice is kept for the next page."""
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    store = SqlStore(url)
    password_hash = generate_password_hash("staff-pass", "pbkdf2:sha256:1000")
    settings = LeagueSettings(database_url=url, staff_password_hash=password_hash)
    app, _ = create_league_app(settings, store)
    client = app.test_client()
    login = {"Authorization": "Basic " + base64.b64encode(b"staff:staff-pass").decode()}
    try:
        page = client.get("/staff?lang=de", headers=login).get_data(as_text=True)
        assert '<html lang="de">' in page
        assert "Liga-Personal: Zeitnahmen und ihre Synchronisierung" in page
        assert "Fahrer zusammenführen" in page and "Merge racers" not in page
        catalog = re.search(
            r'<script id="lapgate-i18n" type="application/json">(.*?)</script>', page
        )
        assert catalog, "no browser catalog for the staff page's script"
        assert json.loads(catalog.group(1))["Merge {id} undone."] == (
            "Zusammenführung {id} rückgängig gemacht."
        )
        assert 'hreflang="en"' in page and "/staff?lang=en" in page
        again = client.get("/staff", headers=login).get_data(as_text=True)
        assert '<html lang="de">' in again  # the cookie keeps the choice
        english = client.get("/staff?lang=en", headers=login).get_data(as_text=True)
        assert "Merge racers" in english and 'id="lapgate-i18n"' not in english
    finally:
        store.close()
