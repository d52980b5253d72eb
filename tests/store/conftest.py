"""Store fixtures: every store test runs against SQLite and against the real PostgreSQL.

PostgreSQL isolation: each store gets its own schema (`search_path` set through the URL's
libpq `options`), dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_backends import BACKENDS, make_store_url

from lapgate.board.store.sql import SqlStore


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_store_url(request.param, tmp_path, request)


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    opened = SqlStore(store_url)
    try:
        yield opened
    finally:
        opened.close()
