"""Static files on the wire (board/web/assets.py): versioned URLs, a year's cache, gzip."""

from __future__ import annotations

import gzip
import re

from web_support import Board

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _assets(board: Board) -> list[str]:
    html = board.app.test_client().get("/m").get_data(as_text=True).replace("&amp;", "&")
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_name_static_files_by_version_and_those_keep_a_year(board: Board) -> None:
    urls = _assets(board)
    assert "/static/js/live.js" in {url.split("?")[0] for url in urls}
    client = board.app.test_client()
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000", url
    with client.get("/static/js/live.js?v=000000000000") as stale:  # an old version
        assert stale.headers["Cache-Control"] == "public, max-age=3600"  # revalidated


def test_text_goes_gzipped_to_who_accepts_it_and_revalidates(board: Board) -> None:
    client = board.app.test_client()
    with client.get("/static/vendor/socket.io.min.js") as plain:
        assert "Content-Encoding" not in plain.headers
        raw = plain.data
    with client.get("/static/vendor/socket.io.min.js", headers=GZIP) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == raw
        assert len(packed.data) < len(raw) / 2
        etag = packed.headers["ETag"]
    with client.get(
        "/static/vendor/socket.io.min.js", headers={**GZIP, "If-None-Match": etag}
    ) as again:
        assert again.status_code == 304
    with client.get("/static/fonts/DejaVuSansCondensed-subset.woff2", headers=GZIP) as font:
        assert "Content-Encoding" not in font.headers  # WOFF2 is compressed already
    chart = client.get("/qr.svg", headers=GZIP)  # an SVG the board draws
    assert chart.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(chart.data).startswith(b"<?xml")
