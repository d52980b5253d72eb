"""What the phone page costs on the wire at first visit (a size, not a time: a test).

Chromium loads /m in a fresh context (empty cache) from a board with a round of 20
racers; every HTTP response (headers and body as sent: gzipped text, WOFF2 fonts) and every
WebSocket frame received counts. bench/page_weight.py prints the same figures.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from web_support import Board

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import page_weight  # bench/page_weight.py: the same measurement

pytestmark = pytest.mark.browser
PHONE_FIRST_LOAD_MAX_BYTES = 150_000
RACERS = [f"Racer {n:02d}" for n in range(1, 21)]


def _event(board: Board, names: list[str]) -> None:
    for index, alias in enumerate(names):
        board.queue(alias)
        board.stage()
        board.cross(1)
        for lap in range(3):
            board.cross(9 + (index * 7 + lap * 3) % 10 / 10)
        board.clock.advance(80)
        board.host.sync()  # time up


def _first_visit(browser: Any, url: str) -> dict[str, int]:
    """Bytes received per URL path (and ``websocket``) loading `url` with an empty cache:
    the measurement bench/page_weight.py prints."""
    return page_weight.first_visit(browser, url, {})


def test_phone_first_load_is_under_150_kb(board: Board, served: str, browser: Any) -> None:
    _event(board, RACERS)
    received = _first_visit(browser, served + "/m")
    total = sum(received.values())
    assert total < PHONE_FIRST_LOAD_MAX_BYTES, received
    fonts = [path for path in received if path.startswith("/static/fonts/")]
    assert fonts and all(path.endswith("-subset.woff2") for path in fonts), fonts
    japanese = [path for path in fonts if "/NotoSansJP-" in path]
    assert all("-languages-" in path for path in japanese), fonts  # "日本語" of the switch
    assert received["/static/vendor/socket.io.min.js"] < 20_000  # gzipped (47 KB raw)


def test_a_name_in_another_script_fetches_the_full_font(
    board: Board, served: str, browser: Any
) -> None:
    _event(board, ["Жанна", "Alice"])
    received = _first_visit(browser, served + "/m")
    full = [path for path in received if path.endswith(".ttf")]
    assert full == ["/static/fonts/DejaVuSansCondensed-Bold.ttf"]  # the names' face, for Ж
    assert "/static/fonts/DejaVuSansCondensed-Bold-subset.woff2" in received


def test_a_japanese_page_fetches_the_ui_faces_and_a_slice_only_for_its_names(
    board: Board, served: str, browser: Any
) -> None:
    _event(board, ["Alice", "Bob"])
    received = _first_visit(browser, served + "/m?lang=ja")
    japanese = sorted(path.rsplit("/", 1)[1] for path in received if "/NotoSansJP-" in path)
    assert any("-ui-" in name for name in japanese), japanese
    assert not any("-cjk" in name for name in japanese), japanese
    assert not [path for path in received if path.endswith(".ttf")], received.keys()

    _event(board, ["鑫"])  # an ideograph of no translation: its slice, on demand
    received = _first_visit(browser, served + "/m?lang=ja")
    slices = [path.rsplit("/", 1)[1] for path in received if "-cjk" in path]
    assert len(slices) == 1 and slices[0].startswith("NotoSansJP-Bold-cjk"), slices
