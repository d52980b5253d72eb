"""Chart images served by the board: /charts/runs/<id>.svg and /charts/rounds/<id>/laps.svg."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from web_support import Board

NS = "{http://www.w3.org/2000/svg}"


def _race_a_run(board: Board, alias: str, laps_s: list[float]) -> str:
    board.queue(alias)
    run_id = board.stage()
    board.cross(1.0)  # rolling start: the first crossing starts lap 1
    for lap_s in laps_s:
        board.cross(lap_s)
    return run_id


def test_a_run_chart_is_an_inert_svg_of_its_laps(board: Board) -> None:
    run_id = _race_a_run(board, "Ada <b>", [8.2, 7.9, 8.4])
    client = board.app.test_client()
    response = client.get(f"/charts/runs/{run_id}.svg?size=tablet&theme=dark")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    root = ET.fromstring(response.get_data(as_text=True))
    shown = [e.text for e in root.iter(NS + "text")]
    assert "Ada <b> · run 1" in shown
    assert "7.900" in shown  # the best lap's time beside its dot
    assert len([c for c in root.iter(NS + "circle") if "lap" in (c.get("class") or "")]) == 3


def test_a_round_chart_counts_every_lap_of_the_round(board: Board) -> None:
    _race_a_run(board, "Ada", [8.2, 7.9])
    board.host.execute("end", {})
    _race_a_run(board, "Bob", [8.6, 8.8, 9.1])
    round_id = board.host.snapshot()["tracks"][0]["round"]["round_id"]
    response = board.app.test_client().get(f"/charts/rounds/{round_id}/laps.svg")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "5 valid laps" in body and "best 7.900" in body
    by_number = board.app.test_client().get("/charts/rounds/1/laps.svg")  # round number works
    assert by_number.status_code == 200


def test_bad_chart_requests_name_the_value(board: Board) -> None:
    client = board.app.test_client()
    missing = client.get("/charts/runs/nope.svg")
    assert missing.status_code == 404 and b"run: got &#39;nope&#39;" in missing.data
    assert client.get("/charts/rounds/nope/laps.svg").status_code == 404
    run_id = _race_a_run(board, "Ada", [8.0])
    bad = client.get(f"/charts/runs/{run_id}.svg?size=huge")
    assert bad.status_code == 400 and b"size: got &#39;huge&#39;, expected one of" in bad.data
    assert client.get(f"/charts/runs/{run_id}.svg?theme=pink").status_code == 400
