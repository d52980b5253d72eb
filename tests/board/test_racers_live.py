"""Racers on the running board (issue 13): "same person?", merge, split and delete.

Every step goes through the command table (`EngineHost.execute`), as /control and the HTTP
API do; the store is a SQLite file (the store `lapgate racer merge` uses), so a restart
shows what was kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import FakeClock, login, make_settings

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import NeedsAnswer, Race
from lapgate.board.store import MemoryStore
from lapgate.board.store.sql import SqlStore
from lapgate.board.web.app import create_app
from lapgate.timer.errors import RuleViolation, UnknownEvent
from lapgate.timer.events import Crossing


class Venue:
    def __init__(self, store: Any) -> None:
        self.settings = make_settings(runs_per_racer=0)
        self.store = store
        self.clock = FakeClock()
        self.host = self._start()

    def _start(self) -> EngineHost:
        host = EngineHost(Race(self.store, self.settings, {"finish": self.clock}), tick_s=0.01)
        host.start()
        return host

    def restart(self) -> None:
        self.host.stop()
        self.host = self._start()

    def do(self, command: str, **payload: Any) -> Any:
        return self.host.execute(command, payload)

    def cross(self, after_s: float) -> None:
        self.host.on_crossing(Crossing("finish", self.clock.advance(after_s), "test"))
        self.host.sync()

    def race_run(self, *laps_s: float) -> str:
        """Stage the queue's head, cross the gate for `laps_s`, end the run; its id."""
        run_id: str = self.do("stage")["run_id"]
        self.cross(1)
        for lap_s in laps_s:
            self.cross(lap_s)
        self.do("end")
        return run_id

    def track(self) -> dict[str, Any]:
        view: dict[str, Any] = self.host.snapshot()["tracks"][0]
        return view

    def names(self) -> list[str]:
        return [row["name"] for row in self.track()["leaderboard"]]


@pytest.fixture(params=["sql", "memory"])
def venue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Venue]:
    store = SqlStore(f"sqlite:///{tmp_path / 'board.db'}") if request.param == "sql" else None
    opened = Venue(store or MemoryStore())
    yield opened
    opened.host.stop()
    if store is not None:
        store.close()


def test_a_known_name_asks_same_person_with_that_racers_runs(venue: Venue) -> None:
    ada_id = venue.do("queue_add", alias="Ada")["racer_id"]
    venue.race_run(9.5)
    with pytest.raises(NeedsAnswer) as asked:
        venue.do("queue_add", alias="  ada ")
    assert "Same person?" in str(asked.value) and "same_racer" in str(asked.value)
    question = asked.value.details
    assert question["question"] == "same_racer"
    [match] = question["matches"]
    assert (match["racer_id"], match["alias"]) == (ada_id, "Ada")
    assert [(r["seq"], r["status"], r["best_lap_ms"]) for r in match["runs"]] == [
        (1, "finished", 9500)
    ]
    assert venue.track()["queue"] == []  # nothing queued until staff answer
    assert venue.do("queue_add", alias="ada", same_racer=True)["racer_id"] == ada_id
    other_id = venue.do("queue_add", alias="Ada", new_racer=True)["racer_id"]
    assert other_id != ada_id  # two people with one name are two racers
    venue.race_run(8.0)  # the first Ada again
    venue.race_run(7.0)  # the other Ada
    assert sorted(r["racer_id"] for r in venue.track()["leaderboard"]) == sorted([ada_id, other_id])
    with pytest.raises(NeedsAnswer, match="expected racer_id to say which one"):
        venue.do("queue_add", alias="ADA", same_racer=True)
    assert venue.do("queue_add", racer_id=other_id)["racer_id"] == other_id
    with pytest.raises(RuleViolation, match="expected one"):
        venue.do("queue_add", alias="Ada", same_racer=True, new_racer=True)


def test_a_live_merge_stores_the_next_run_under_the_kept_racer(venue: Venue) -> None:
    eve = venue.do("queue_add", alias="Eve")["racer_id"]
    venue.race_run(9.0)
    eve_s = venue.do("queue_add", alias="Eve S.")["racer_id"]
    venue.race_run(8.0)
    venue.do("queue_add", racer_id=eve_s)  # she queues again under the second name
    assert sorted(venue.names()) == ["Eve", "Eve S."]
    merged = venue.do("racer_merge", kept_id=eve, merged_id=eve_s)
    assert (merged["racer_id"], merged["runs"]) == (eve, 2)
    assert venue.names() == ["Eve"]  # one racer, her best of both runs
    assert venue.track()["leaderboard"][0]["value_ms"] == 8000
    assert [e["racer_id"] for e in venue.track()["queue"]] == [eve]
    run_id = venue.race_run(7.5)  # the next run: stored under the kept racer
    round_id = venue.track()["round"]["round_id"]
    stored = {r.run_id: r.racer_id for r in venue.store.list_runs(round_id)}
    assert set(stored.values()) == {eve} and stored[run_id] == eve
    venue.restart()
    assert venue.names() == ["Eve"]
    assert venue.track()["leaderboard"][0]["value_ms"] == 7500


def test_a_split_moves_the_runs_back(venue: Venue) -> None:
    eve = venue.do("queue_add", alias="Eve")["racer_id"]
    venue.race_run(9.0)
    other = venue.do("queue_add", alias="Evelyn")["racer_id"]
    venue.race_run(8.0)
    merge_id = venue.do("racer_merge", kept_id=eve, merged_id=other)["merge_id"]
    view = venue.host.call(lambda race: race.racer(eve))
    assert view.alias == "Eve"
    assert venue.do("racer_split", merge_id=merge_id)["racer_id"] == other
    board = {row["name"]: row["value_ms"] for row in venue.track()["leaderboard"]}
    assert board == {"Eve": 9000, "Evelyn": 8000}
    with pytest.raises(UnknownEvent):
        venue.do("racer_split", merge_id=merge_id)  # undone already


def test_merge_is_refused_for_the_same_racer_and_names_why(venue: Venue) -> None:
    eve = venue.do("queue_add", alias="Eve")["racer_id"]
    with pytest.raises(RuleViolation, match="same racer"):
        venue.do("racer_merge", kept_id=eve, merged_id=eve)
    with pytest.raises(LookupError, match="racer"):
        venue.do("racer_merge", kept_id=eve, merged_id="nobody")


def test_delete_takes_only_a_racer_with_nothing_recorded(venue: Venue) -> None:
    typo = venue.do("queue_add", alias="Aad")
    with pytest.raises(RuleViolation, match="0 runs and 1 queue entry;"):
        venue.do("racer_delete", racer_id=typo["racer_id"])
    venue.do("queue_remove", entry_id=typo["entry_id"])
    assert venue.do("racer_delete", racer_id=typo["racer_id"])["alias"] == "Aad"
    ran = venue.do("queue_add", alias="Ada")["racer_id"]
    venue.race_run(9.0)
    with pytest.raises(RuleViolation, match="has 1 run and 0 queue entries"):
        venue.do("racer_delete", racer_id=ran)
    venue.restart()
    known = venue.host.call(lambda race: sorted(r.alias for r in race.racers.values()))
    assert known == ["Ada"]


def test_http_answers_the_question_with_409_and_the_runs(tmp_path: Path) -> None:
    settings = make_settings()
    store = SqlStore(f"sqlite:///{tmp_path / 'board.db'}")
    host = EngineHost(Race(store, settings, {"finish": FakeClock()}), tick_s=0.01)
    app = create_app(settings, host, testing=True)
    host.start()
    try:
        client = app.test_client()
        token = login(client)
        headers = {"X-CSRF-Token": token}
        first = client.post("/api/control/queue_add", json={"alias": "Ada"}, headers=headers)
        assert first.status_code == 200
        asked = client.post("/api/control/queue_add", json={"alias": "ADA"}, headers=headers)
        assert asked.status_code == 409
        body = asked.get_json()
        assert "Same person?" in body["error"]
        assert body["matches"][0]["racer_id"] == first.get_json()["racer_id"]
        again = client.post(
            "/api/control/queue_add", json={"alias": "ADA", "same_racer": True}, headers=headers
        )
        assert again.get_json()["warning"].startswith("Ada was already in the queue")
    finally:
        host.stop()
        store.close()


def test_after_a_live_merge_the_export_lists_one_racer(tmp_path: Path) -> None:
    settings = make_settings()
    store = SqlStore(f"sqlite:///{tmp_path / 'board.db'}")
    venue = Venue(store)
    try:
        eve = venue.do("queue_add", alias="Eve")["racer_id"]
        venue.race_run(9.0)
        eve_s = venue.do("queue_add", alias="Eve S.")["racer_id"]
        venue.race_run(8.0)
        app = create_app(settings, venue.host, testing=True)
        client = app.test_client()
        login(client)

        def names() -> list[str]:
            text = client.get("/api/export/final-csv").get_data(as_text=True)
            return [row["Alias"] for row in csv.DictReader(io.StringIO(text))]

        assert sorted(names()) == ["Eve", "Eve S."]
        venue.do("racer_merge", kept_id=eve, merged_id=eve_s)
        assert names() == ["Eve"]
    finally:
        venue.host.stop()
        store.close()
