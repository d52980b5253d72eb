"""Database backends for store tests: SQLite and the real PostgreSQL (own schema each)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_schema_url(base_url: str) -> tuple[str, str]:
    schema = f"lg_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}", schema


def _drop_schema(base_url: str, schema: str) -> None:
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def make_store_url(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'lapgate.sqlite3'}"
        return
    base_url: str = request.getfixturevalue("postgres_url")
    url, schema = _pg_schema_url(base_url)
    try:
        yield url
    finally:
        _drop_schema(base_url, schema)
