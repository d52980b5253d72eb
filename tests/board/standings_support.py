"""A board on a SQLite store with a small imported season, for the standings tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from brackets_support import XSS_NAME
from flask import Flask
from web_support import FakeClock, make_settings

from lapgate.board.league.model import ImportRow, RaceMeta
from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store.sql import SqlStore
from lapgate.board.web import create_app

SEASON = "2021"
# (race name, launch ms, [(alias, user id, country, rank, ranking time ms)])
RACES = [
    (
        "March Qualifier",
        1_000,
        [
            ("Ann", "u-ann", "DE", 1, 10_000.0),
            ("Ben", "u-ben", "US", 2, 11_000.0),
            (XSS_NAME, "u-xss", "JP", 3, 12_000.0),
        ],
    ),
    (
        "April Qualifier",
        2_000,
        [
            ("Ben", "u-ben", "US", 1, 9_000.0),
            ("Cat", "u-cat", "FR", 2, 9_500.0),
        ],
    ),
]


@dataclass
class LeagueBoard:
    store: SqlStore
    host: EngineHost
    app: Flask

    def racer_id(self, user_id: str) -> str:
        return next(r.racer_id for r in self.store.list_racers() if r.user_id == user_id)


def _row(line: int, alias: str, user_id: str, country: str, rank: int, ms: float) -> ImportRow:
    return ImportRow(line, alias, user_id, rank, ms, ms, ms, ms, 3, 0, 1, country)


@pytest.fixture
def league(tmp_path: Path) -> Iterator[LeagueBoard]:
    store = SqlStore(f"sqlite:///{tmp_path / 'league.db'}")
    for name, launch_ms, results in RACES:
        meta = RaceMeta(SEASON, name, name.lower().replace(" ", "-"), launch_time_ms=launch_ms)
        rows = [_row(i + 2, *result) for i, result in enumerate(results)]
        summary = store.import_race(meta, rows)
        assert not summary.problems
    settings = make_settings()
    race = Race(store, settings, {"finish": FakeClock()})
    host = EngineHost(race, tick_s=0.01)
    app = create_app(settings, host, testing=True)
    host.start()
    yield LeagueBoard(store, host, app)
    host.stop()
    store.close()
