"""Printed results at the end of a real event: the demo director plays a small program on a
real service (simulated gate, SQLite), staff download the PDF from /api/export/pdf, and
pdftoppm (poppler-utils) turns every page into a picture; Chromium prints the same pages
from the print page (/api/export/html)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_demo import SMALL_RACERS, play, small_settings
from web_support import STAFF_PASSWORD, login

from lapgate.board.demo import DemoDirector, Pauses
from lapgate.board.demo_show import fresh_sqlite
from lapgate.board.service import BoardServer, Service, build_gates
from lapgate.board.store.sql import SqlStore
from tests.conftest import require

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def finished_event(tmp_path: Path) -> Iterator[Service]:
    """A service whose small program (qualifying, bracket of 4, shootout) was played."""
    settings = small_settings("Print Summit", speed_factor=100)
    store = SqlStore(fresh_sqlite(tmp_path / "print.sqlite3"))
    service = Service(settings, store, gates=build_gates(settings), port=0)
    service.start(serve=False)
    try:
        director = DemoDirector(
            service.host, pauses=Pauses.none(), poll_s=0.02, racers=SMALL_RACERS
        )
        play(director, timeout_s=90)
        yield service
    finally:
        service.stop()
        store.close()


def page_texts(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_staff_print_the_finished_event(finished_event: Service, tmp_path: Path) -> None:
    client = finished_event.app.test_client()
    assert client.get("/api/export/pdf").status_code == 401
    login(client)
    final = client.get("/api/export/final-csv").get_data(as_text=True).splitlines()
    winner = final[1].split(",")[1]

    response = client.get("/api/export/pdf?kind=all")
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('-all-pdf-all.pdf"')
    texts = page_texts(response.data)
    rounds = ("Qualifying", "Final 4", "Final shootout")
    results = [t for t in texts if "Place" in t and "Placed by" in t]
    assert "Final classification" in results[0]
    assert [any(name in t for t in results) for name in rounds] == [True] * 3
    podiums = [t for t in texts if "Podium ·" in t]
    assert len(podiums) == 1 + len(rounds)  # the event's, then each round's
    assert winner in podiums[0] and "1st" in podiums[0]
    certificates = [t for t in texts if "Certificate of Achievement" in t]
    assert len(certificates) == len(SMALL_RACERS)
    assert winner in certificates[0] and "1st place at Print Summit" in certificates[0]
    summary = texts[-1]
    for label in ("Organiser summary", "Racers", "Valid laps", "Completion ratio"):
        assert label in summary
    assert "Fastest lap" in summary and "Best average" in summary

    only = page_texts(client.get("/api/export/pdf?kind=certificates&round=Final shootout").data)
    assert len(only) == 2 and all("Final shootout" in t for t in only)  # Final 4 stops at 2
    assert client.get("/api/export/pdf?kind=poster").status_code == 400

    pdftoppm = shutil.which("pdftoppm")
    require(pdftoppm is not None, "pdftoppm (Debian package poppler-utils)")
    assert pdftoppm is not None
    (tmp_path / "event.pdf").write_bytes(response.data)
    if keep := os.environ.get("LAPGATE_KEEP_PDF"):  # docs/img pictures are made from this
        Path(keep).write_bytes(response.data)
    subprocess.run(
        [pdftoppm, "-png", "-r", "40", str(tmp_path / "event.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pictures = sorted(tmp_path.glob("page-*.png"))
    assert len(pictures) == len(texts)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pictures)


@pytest.mark.browser
def test_the_print_page_prints_the_same_pages_from_a_browser(
    finished_event: Service, browser: Any, tmp_path: Path
) -> None:
    server = BoardServer(finished_event.app, "127.0.0.1", 0)
    server.start()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        base = f"http://127.0.0.1:{server.port}"
        page.goto(base + "/control")
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/control")
        link = page.locator("a", has_text="print page")
        assert link.get_attribute("href") == "/api/export/html?kind=all"
        page.goto(base + "/api/export/html?kind=all")
        sheets = page.locator("section.sheet")
        assert sheets.count() == 4 + 4 + len(SMALL_RACERS) + 1  # as in the PDF
        certificate = page.locator(".certificate").first.inner_text()
        assert "Certificate of Achievement" in certificate and "1st place" in certificate
        assert page.evaluate("document.fonts.check('12px \"LG Sans\"')")
        page.screenshot(path=str(tmp_path / "print-page.png"))
        page.emulate_media(media="print")
        printed = page.pdf(prefer_css_page_size=True)
        (tmp_path / "print-page.pdf").write_bytes(printed)
        assert len(PdfReader(io.BytesIO(printed)).pages) == sheets.count()
    finally:
        context.close()
        server.stop()
