"""A racer's season progression chart on /standings (SVG)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from brackets_support import XSS_NAME
from standings_support import LeagueBoard, league

__all__ = ["league"]
NS = "{http://www.w3.org/2000/svg}"


def test_a_racers_season_as_a_chart(league: LeagueBoard) -> None:
    ben = league.racer_id("u-ben")
    response = league.app.test_client().get(f"/standings/racers/{ben}/chart.svg?season=2021")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.get_data(as_text=True))
    shown = [e.text for e in root.iter(NS + "text")]
    assert "Ben · 2021" in shown
    assert "19 AWS points in 2 races" in shown  # 2nd (9) then 1st (10)
    assert "#2" in shown and "#1" in shown
    races = [c for c in root.iter(NS + "circle") if c.get("class") == "race"]
    assert len(races) == 2
    # the total rises: the second dot is higher (smaller y) than the first
    assert float(races[1].get("cy", 0)) < float(races[0].get("cy", 0))


def test_the_chart_escapes_the_alias_and_names_bad_parameters(league: LeagueBoard) -> None:
    client = league.app.test_client()
    xss = league.racer_id("u-xss")
    body = client.get(f"/standings/racers/{xss}/chart.svg?season=2021&scheme=community").get_data(
        as_text=True
    )
    assert XSS_NAME not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "-12k community points in 1 race" in body
    assert client.get("/standings/racers/nope/chart.svg").status_code == 404
    bad = client.get(f"/standings/racers/{xss}/chart.svg?size=wall")
    assert bad.status_code == 400 and b"size: got &#39;wall&#39;" in bad.data
