"""One set of text limits (`config.limits`) for the venue's validation, `check-config`,
the store's columns and the central ingest: what a venue accepts, the league accepts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lapgate.board.domain import EventInfo, RunInfo
from lapgate.board.live.commands import QueueAdd
from lapgate.board.store.models import EventRow, QueueRow, RacerRow, RunRow
from lapgate.board.sync import wire
from lapgate.config import limits, settings_from_dict
from lapgate.config.loader import ConfigError
from lapgate.timer.run import RunConfig


def test_the_columns_are_the_limits() -> None:
    columns = {
        (EventRow, "name"): limits.EVENT_NAME_MAX,
        (EventRow, "venue"): limits.VENUE_MAX,
        (EventRow, "region"): limits.REGION_MAX,
        (RacerRow, "alias"): limits.ALIAS_MAX,
        (RacerRow, "region"): limits.REGION_MAX,
        (RunRow, "car"): limits.CAR_MAX,
        (RunRow, "model_name"): limits.MODEL_NAME_MAX,
        (QueueRow, "car"): limits.CAR_MAX,
        (QueueRow, "model_name"): limits.MODEL_NAME_MAX,
    }
    for (table, column), length in columns.items():
        assert table.__table__.c[column].type.length == length, (table, column)


def test_the_venue_refuses_what_the_league_would_not_store() -> None:
    QueueAdd(alias="Ada", car="c" * limits.CAR_MAX, model="m" * limits.MODEL_NAME_MAX)
    with pytest.raises(ValidationError, match="at most 200 characters"):
        QueueAdd(alias="Ada", car="c" * (limits.CAR_MAX + 1))
    settings_from_dict({"event": {"region": "r" * limits.REGION_MAX}})
    with pytest.raises(ConfigError, match=r"event\.region: got 'rrr.*at most 100 characters"):
        settings_from_dict({"event": {"region": "r" * (limits.REGION_MAX + 1)}})


def test_the_league_reads_the_longest_values_a_venue_accepts() -> None:
    event = EventInfo("ev", "2026", "n" * limits.EVENT_NAME_MAX, region="r" * limits.REGION_MAX)
    assert wire.event_from_wire(wire.event_to_wire(event)) == event
    run = RunInfo("run", "round", "racer", 1, RunConfig(), car="c" * limits.CAR_MAX)
    assert wire.run_from_wire(wire.run_to_wire(run)) == run
    too_long = {**wire.run_to_wire(run), "car": "c" * (limits.CAR_MAX + 1)}
    with pytest.raises(wire.WireError, match="run 'run': car: got a 201-character string"):
        wire.run_from_wire(too_long)
