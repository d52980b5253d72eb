"""Fixtures of the board's web tests: the board (from web_support) and a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web_support import Board, board

from lapgate.board.service import BoardServer

__all__ = ["board", "served"]


@pytest.fixture
def served(board: Board) -> Iterator[str]:
    """The test board served over HTTP on a free port of 127.0.0.1."""
    server = BoardServer(board.app, "127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()
