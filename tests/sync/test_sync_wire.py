"""The wire format of rounds and runs: the program's fields round-trip, and payloads from
timers older than them (no kind, status, state or run track) still read and apply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lapgate.board.domain import ALL_TRACKS, EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync import wire
from lapgate.board.sync.ingest import Applier
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig
from lapgate.timer.units import NS_PER_S

CONFIG = RunConfig(time_limit_ns=90 * NS_PER_S, max_resets_per_lap=2)
FINAL = RoundInfo(
    "final", "ev1", ALL_TRACKS, "Final", 3, Format.average(2), CONFIG, 1, {"top": 4},
    kind="shootout", status="pending",
    state={"tracks": ["track-a", "track-b"], "entrants": ["racer1"], "log": [{"why": "DNS"}]},
)  # fmt: skip
RUN = RunInfo("run1", "final", "racer1", 1, CONFIG, car="c1", clock_id="boot-1", track_id="track-b")
EVENT = EventInfo("ev1", "2026", "Summit")


def older(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """`data` as a timer from before `keys` existed sends it."""
    return {k: v for k, v in data.items() if k not in keys}


@pytest.fixture
def central(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    yield store
    store.close()


def test_round_and_run_round_trip() -> None:
    assert wire.round_from_wire(wire.round_to_wire(FINAL)) == FINAL
    assert wire.run_from_wire(wire.run_to_wire(RUN)) == RUN
    data = wire.round_to_wire(FINAL)
    assert (data["kind"], data["status"], data["track_id"]) == ("shootout", "pending", "")
    assert wire.run_to_wire(RUN)["track_id"] == "track-b"


def test_payloads_of_older_timers_read_with_defaults() -> None:
    round_data = older(wire.round_to_wire(FINAL), "kind", "status", "state")
    loaded = wire.round_from_wire(round_data)
    assert (loaded.kind, loaded.status, loaded.state) == ("timed", "open", {})
    assert wire.run_from_wire(older(wire.run_to_wire(RUN), "track_id")).track_id == ""


def test_the_central_store_applies_new_and_older_payloads(central: SqlStore) -> None:
    heat = RoundInfo("heat", "ev1", "track-a", "Heat", 1, Format(), CONFIG)
    old_run = RunInfo("run0", "heat", "racer1", 1, CONFIG)
    items = [
        {"kind": "event", "data": wire.event_to_wire(EVENT)},
        {"kind": "racer", "data": wire.racer_to_wire(Racer("racer1", "Ada"))},
        {"kind": "round", "data": older(wire.round_to_wire(heat), "kind", "status", "state")},
        {"kind": "run", "data": older(wire.run_to_wire(old_run), "track_id")},
        {"kind": "round", "data": wire.round_to_wire(FINAL)},
        {"kind": "run", "data": wire.run_to_wire(RUN)},
    ]
    result = Applier(central).apply("track-a", items)
    assert result.error == "" and result.applied == len(items)
    assert central.list_rounds("ev1") == [heat, FINAL]
    # an older timer's run is on its round's track, as the migration fills stored runs
    assert central.list_runs("heat") == [
        RunInfo("run0", "heat", "racer1", 1, CONFIG, track_id="track-a")
    ]
    assert central.list_runs("final") == [RUN]


def test_an_older_run_applied_by_a_fresh_applier_finds_its_round(central: SqlStore) -> None:
    heat = RoundInfo("heat", "ev1", "track-a", "Heat", 1, Format(), CONFIG)
    records = [
        {"kind": "event", "data": wire.event_to_wire(EVENT)},
        {"kind": "racer", "data": wire.racer_to_wire(Racer("racer1", "Ada"))},
        {"kind": "round", "data": wire.round_to_wire(heat)},
    ]
    assert Applier(central).apply("track-a", records).error == ""
    run_data = older(wire.run_to_wire(RunInfo("run0", "heat", "racer1", 1, CONFIG)), "track_id")
    assert Applier(central).apply("track-a", [{"kind": "run", "data": run_data}]).error == ""
    assert central.list_runs("heat")[0].track_id == "track-a"


def test_a_run_with_the_largest_model_card_crosses_the_wire() -> None:
    """A card the venue accepts (`read_card`) always fits the central league's document
    limit, so it never stops a venue's sync."""
    import json

    from lapgate.board.domain import RunInfo
    from lapgate.board.model_cards import CARD_MAX_CHARS, read_card
    from lapgate.board.sync.wire import MAX_DOCUMENT_CHARS, run_from_wire, run_to_wire
    from lapgate.timer.run import RunConfig

    trials = [
        {
            "completion_percentage": 100,
            "elapsed_time_in_milliseconds": 10_000 + n,
            "episode_status": "Lap complete",
            "trial": n + 1,
            "reset_count": 0,
        }
        for n in range(1000)
    ]
    meta = {"action_space": [{"steering_angle": 0, "speed": 1}]}
    files = {
        "model_metadata.json": json.dumps(meta).encode(),
        "evaluation.json": json.dumps({"metrics": trials}).encode(),
    }
    card = read_card("m", files)
    model_meta = {"card_id": "c" * 32, "card": card.document()}
    assert len(json.dumps(model_meta)) < MAX_DOCUMENT_CHARS
    assert CARD_MAX_CHARS + 100 < MAX_DOCUMENT_CHARS
    run = RunInfo(
        "r" * 32, "o" * 32, "a" * 32, 1, RunConfig(), model_name="m", model_meta=model_meta
    )
    assert run_from_wire(run_to_wire(run)).model_meta == model_meta
    noted = {**meta, "notes": "x" * 95_000}  # unknown fields are kept: they count too
    too_big = {**files, "model_metadata.json": json.dumps(noted).encode()}
    with pytest.raises(Exception, match="expected at most 90000"):
        read_card("m", too_big)
