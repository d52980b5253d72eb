"""The central side's idempotent apply, without a network: duplicates, conflicts, gaps,
tokens; and the outbox watermarks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_support import EVENT, add_runs, all_logs, racers, seed_site

from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync import wire
from lapgate.board.sync.ingest import Applier, token_ok
from lapgate.board.sync.pusher import Pusher


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[SqlStore, SqlStore]]:
    onsite = SqlStore(f"sqlite:///{tmp_path / 'site.sqlite3'}")
    central = SqlStore(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    yield onsite, central
    onsite.close()
    central.close()


def deliveries(onsite: SqlStore) -> list[dict[str, object]]:
    """Everything the pusher would send, records first, as one list of items."""
    records = [item for item, _ in Pusher(onsite, "x", "t", "k")._pending_records({})]
    events = [
        {"kind": wire.EVENT_KIND, "data": e._asdict()}
        for e in Outbox(onsite).backlog_events(100_000)
    ]
    return records + events


def test_apply_twice_is_applying_once(stores: tuple[SqlStore, SqlStore]) -> None:
    onsite, central = stores
    info = seed_site(onsite, "track-a", racers(3))
    written = add_runs(onsite, info, racers(3), runs=4, laps=3, seed=1)
    items = deliveries(onsite)
    applier = Applier(central)
    first = applier.apply("track-a", items)  # type: ignore[arg-type]
    assert first.error == "" and first.applied == len(items) and first.duplicates == 0
    assert first.event_ids == (EVENT.event_id,)
    again = applier.apply("track-a", items)  # type: ignore[arg-type]
    assert again.error == "" and again.applied == len(items)
    assert again.duplicates == written + 4  # every event and every run registration
    assert all_logs(central) == all_logs(onsite)


def test_a_conflicting_payload_is_refused_loudly(
    stores: tuple[SqlStore, SqlStore], caplog: pytest.LogCaptureFixture
) -> None:
    onsite, central = stores
    info = seed_site(onsite, "track-a", racers(2))
    add_runs(onsite, info, racers(2), runs=1, laps=3, seed=2)
    items = deliveries(onsite)
    applier = Applier(central)
    assert applier.apply("track-a", items).error == ""  # type: ignore[arg-type]
    forged = [dict(i) for i in items if i["kind"] == wire.EVENT_KIND]
    data = dict(forged[1]["data"])  # type: ignore[call-overload]
    data["payload"] = {**data["payload"], "t_ns": data["payload"]["t_ns"] + 1}
    forged[1] = {"kind": wire.EVENT_KIND, "data": data}
    result = applier.apply("track-a", forged)  # type: ignore[arg-type]
    assert result.applied == 1
    assert "expected the stored" in result.error
    assert "refused" in caplog.text
    assert all_logs(central) == all_logs(onsite)  # nothing changed


def test_a_gap_in_event_ids_is_refused(stores: tuple[SqlStore, SqlStore]) -> None:
    onsite, central = stores
    info = seed_site(onsite, "track-a", racers(1))
    add_runs(onsite, info, racers(1), runs=1, laps=3, seed=3)
    items = deliveries(onsite)
    records = [i for i in items if i["kind"] != wire.EVENT_KIND]
    events = [i for i in items if i["kind"] == wire.EVENT_KIND]
    applier = Applier(central)
    result = applier.apply("track-a", records + events[:1] + events[2:])  # type: ignore[arg-type]
    assert result.applied == len(records) + 1
    assert "got 3, expected 2" in result.error


def test_watermarks_advance_only_and_count_the_backlog(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    onsite, _ = stores
    info = seed_site(onsite, "track-a", racers(2))
    written = add_runs(onsite, info, racers(2), runs=2, laps=2, seed=4)
    outbox = Outbox(onsite)
    assert outbox.backlog_count() == written
    first = outbox.backlog_events(3)
    assert [e.event_id for e in first] == [1, 2, 3] and len({e.run_id for e in first}) == 1
    outbox.ack_events({first[0].run_id: 3})
    outbox.ack_events({first[0].run_id: 1})  # a late, older ack never lowers the mark
    assert outbox.acked_event_id(first[0].run_id) == 3
    assert outbox.backlog_count() == written - 3


def test_tokens_compare_per_timer() -> None:
    tokens = {"track-a": "secret-a" * 3}
    assert token_ok(tokens, "track-a", "secret-a" * 3)
    assert not token_ok(tokens, "track-a", "secret-b" * 3)
    assert not token_ok(tokens, "track-b", "secret-a" * 3)
    assert not token_ok(tokens, "", "")


def test_one_person_registered_on_two_tracks_does_not_block_the_sync(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    from lapgate.board.domain import Racer

    _, central = stores
    applier = Applier(central)
    first = {"kind": "racer", "data": wire.racer_to_wire(Racer("id-a", "Ada", "u-1"))}
    second = {"kind": "racer", "data": wire.racer_to_wire(Racer("id-b", "Ada", "u-1"))}
    assert applier.apply("track-a", [first, second]).error == ""  # type: ignore[list-item]
    stored = {r.racer_id: r.user_id for r in central.list_racers()}
    assert stored == {"id-a": "u-1", "id-b": None}
