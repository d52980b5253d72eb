"""Lengths of the text fields that travel from a venue to the central league, in one place.

The venue's validation (staff commands, `check-config`), the store's columns (SQLAlchemy
models and their migrations) and the central ingest (`board.sync.wire`) all read these, so
a value a venue accepts is always accepted centrally: there is no second, shorter limit.
Lengths count characters (PostgreSQL VARCHAR(n) and Python `len`).
"""

from __future__ import annotations

from typing import Final

RECORD_ID_MAX: Final = 32  # events, racers, rounds, runs: uuid hex
TRACK_ID_MAX: Final = 100
SEASON_MAX: Final = 100
EVENT_NAME_MAX: Final = 200
EVENT_KIND_MAX: Final = 20
EVENT_DATE_MAX: Final = 30
VENUE_MAX: Final = 200
REGION_MAX: Final = 100  # an event's and a racer's region
ALIAS_MAX: Final = 200
USER_ID_MAX: Final = 100
COUNTRY_MAX: Final = 10
ROUND_NAME_MAX: Final = 200
ROUND_KIND_MAX: Final = 20
CAR_MAX: Final = 200
MODEL_NAME_MAX: Final = 200
TRANSPONDER_MAX: Final = 40
CLOCK_ID_MAX: Final = 80
