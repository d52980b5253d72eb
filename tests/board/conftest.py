"""Fixtures of the board's web tests: the board (from web_support) and a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_support import Board, board

from lapgate.board.service import BoardServer

__all__ = ["board", "page", "served"]


@pytest.fixture
def served(board: Board) -> Iterator[str]:
    """The test board served over HTTP on a free port of 127.0.0.1."""
    server = BoardServer(board.app, "127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A 1080p page of the session's Chromium; a page error or an unexpected dialog fails."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss())
    )
    yield opened
    context.close()
    assert errors == []
