"""Result downloads from the control page: staff only, same formats as `lapgate export`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_support import Board, FakeClock, login, make_settings

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store.sql import SqlStore
from lapgate.board.web.app import create_app


@pytest.fixture
def sql_board(tmp_path: Path) -> Iterator[Board]:
    settings = make_settings()
    clock = FakeClock()
    store = SqlStore(f"sqlite:///{tmp_path / 'summit.db'}")
    host = EngineHost(Race(store, settings, {"finish": clock}), tick_s=0.01)
    app = create_app(settings, host, testing=True)
    host.start()
    yield Board(settings, clock, store, host, app)  # type: ignore[arg-type]
    host.stop()
    store.close()


def race_a_run(board: Board, alias: str) -> None:
    board.queue(alias)
    board.stage()
    for lap_s in (0.0, 10.5, 9.75, 11.0):
        board.cross(lap_s if lap_s else 1.0)
    board.host.call(lambda race: race.apply(race.track().current_run_id or "", _end(board)))


def _end(board: Board) -> object:
    from lapgate.timer.events import EndRun

    return EndRun(board.clock.advance(1))


def test_staff_download_the_summit_as_final_csv_laps_csv_and_json(sql_board: Board) -> None:
    race_a_run(sql_board, '=HYPERLINK("x")')
    client = sql_board.app.test_client()
    assert client.get("/api/export/final-csv").status_code == 401
    login(client)
    final = client.get("/api/export/final-csv")
    assert final.status_code == 200
    assert final.headers["Content-Disposition"].startswith('attachment; filename="Test-Summit-')
    rows = list(csv.DictReader(io.StringIO(final.get_data(as_text=True))))
    assert rows[0]["BestLapTime"] == "9750"
    assert rows[0]["Alias"].startswith("'=")  # formula injection neutralised
    laps = list(csv.reader(io.StringIO(client.get("/api/export/laps-csv").get_data(as_text=True))))
    assert len(laps) == 1 + 3
    document = json.loads(client.get("/api/export/json").get_data(as_text=True))
    assert document["event"]["name"] == "Test Summit"


def test_bad_format_and_round_name_the_value(sql_board: Board) -> None:
    client = sql_board.app.test_client()
    login(client)
    bad = client.get("/api/export/xlsx")
    assert bad.status_code == 400 and b"'xlsx'" in bad.data
    missing = client.get("/api/export/json?round=Final")
    assert missing.status_code == 404 and b"'Final'" in missing.data


def test_the_control_page_links_the_downloads(sql_board: Board) -> None:
    client = sql_board.app.test_client()
    login(client)
    page = client.get("/control").get_data(as_text=True)
    for fmt in ("final-csv", "laps-csv", "json"):
        assert f'href="/api/export/{fmt}"' in page


def test_drem_csvs_and_printable_pdf_downloads(sql_board: Board) -> None:
    race_a_run(sql_board, "Ada Lovelap")
    client = sql_board.app.test_client()
    login(client)
    page = client.get("/control").get_data(as_text=True)
    for fmt in ("drem-laps-csv", "drem-summary-csv"):
        assert f'href="/api/export/{fmt}"' in page
    for kind in ("all", "results", "podium", "certificates", "summary"):
        assert f'href="/api/export/pdf?kind={kind}"' in page
    laps = client.get("/api/export/drem-laps-csv").get_data(as_text=True)
    assert laps.startswith("Race ID,Username,User ID,Track,Raced By Proxy,Race Date,Lap #,")
    assert len(laps.splitlines()) == 1 + 3
    summary = client.get("/api/export/drem-summary-csv").get_data(as_text=True)
    assert summary.splitlines()[1].startswith("Ada Lovelap,,")
    pdf = client.get("/api/export/pdf?kind=podium")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"].endswith('-all-pdf-podium.pdf"')
    page = client.get("/api/export/html?kind=results")
    assert page.mimetype == "text/html" and b"Final classification" in page.data
    assert page.headers["Content-Disposition"].startswith("inline;")
    assert 'href="/api/export/html?kind=all"' in client.get("/control").get_data(as_text=True)
    bad = client.get("/api/export/pdf?kind=poster")
    assert bad.status_code == 400 and b"'poster'" in bad.data
