"""Fixtures of the sync tests: a fresh PostgreSQL schema, a real `lapgate league` process
on it, on-site SQLite stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sync_support import LeagueProcess, pg_schema

from lapgate.board.store.sql import SqlStore


@pytest.fixture
def central_url(postgres_url: str) -> Iterator[str]:
    with pg_schema(postgres_url) as url:
        SqlStore(url).close()  # migrate before the service and the checks open it
        yield url


@pytest.fixture
def league(tmp_path: Path, central_url: str) -> Iterator[LeagueProcess]:
    process = LeagueProcess(tmp_path, central_url)
    process.start()
    yield process
    process.kill()


@pytest.fixture
def opened() -> Iterator[list[SqlStore]]:
    """Stores opened by a test, closed at its end."""
    stores: list[SqlStore] = []
    yield stores
    for store in stores:
        store.close()


@pytest.fixture
def site(tmp_path: Path, opened: list[SqlStore]) -> Callable[[str], SqlStore]:
    def open_site(name: str) -> SqlStore:
        opened.append(SqlStore(f"sqlite:///{tmp_path / name / 'lapgate.sqlite3'}"))
        return opened[-1]

    return open_site


@pytest.fixture
def central(central_url: str, opened: list[SqlStore]) -> Callable[[], SqlStore]:
    def open_central() -> SqlStore:
        opened.append(SqlStore(central_url, migrate=False))
        return opened[-1]

    return open_central
