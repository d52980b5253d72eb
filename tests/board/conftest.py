"""Fixtures of the board's web tests: the board (from web_support) and a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_support import Board, board

from lapgate.board.service import BoardServer
from tests.conftest import CHROMIUM_ARGS

__all__ = ["board", "browser", "served"]


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, launched once for every browser test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(board: Board) -> Iterator[str]:
    """The test board served over HTTP on a free port of 127.0.0.1."""
    server = BoardServer(board.app, "127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()
