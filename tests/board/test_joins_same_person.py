"""A phone never decides who its racer is: a join or a card under a known racer's name waits
for staff's "same person?" answer, as a name typed into queue_add does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from web_support import Board, login

SAMPLES = Path(__file__).parent / "data" / "model_cards"
FILES = {"model_metadata.json": (SAMPLES / "model_metadata.json").read_text()}


def join(client: Any, alias: str, **more: str) -> Any:
    return client.post("/api/join", json={"track_id": "track-1", "alias": alias, **more})


def act(client: Any, token: str, command: str, **payload: Any) -> Any:
    return client.post(f"/api/control/{command}", json=payload, headers={"X-CSRF-Token": token})


def raced(board: Board, staff: Any, token: str, alias: str) -> str:
    """`alias` races once and leaves the queue: a known racer with a run; their id."""
    board.queue(alias)
    run_id = board.stage()
    board.cross(1.0)
    assert act(staff, token, "end").status_code == 200
    run = board.app.test_client().get(f"/api/runs/{run_id}").get_json()
    racer_id: str = run["racer_id"]
    return racer_id


def staff_of(board: Board) -> tuple[Any, str]:
    client = board.app.test_client()
    return client, login(client)


def queue_of(board: Board) -> list[tuple[str, str]]:
    queue = board.app.test_client().get("/api/tracks/track-1").get_json()["queue"]
    return [(e["name"], e["racer_id"]) for e in queue]


def test_open_track_holds_a_known_name_for_staff_who_say_same_person(board: Board) -> None:
    staff, token = staff_of(board)
    ada = raced(board, staff, token, "Ada")
    act(staff, token, "join_mode", mode="open")
    phone = board.app.test_client()
    taken = join(phone, "ada").get_json()
    assert (taken["state"], taken["racer_id"]) == ("pending", None)  # not Ada's, not queued
    assert queue_of(board) == []
    early = phone.post("/api/join/model", json={"name": "m", "files": FILES})
    assert early.status_code == 404  # no racer yet: no card for Ada's results from a phone

    (pending,) = staff.get("/api/joins").get_json()["pending"]
    assert [(m["racer_id"], m["alias"], len(m["runs"])) for m in pending["matches"]] == [
        (ada, "Ada", 1)
    ]
    asked = act(staff, token, "join_approve", join_id=pending["join_id"])
    assert asked.status_code == 409
    assert asked.get_json()["question"] == "same_racer"
    assert "Same person?" in asked.get_json()["error"]
    assert [m["racer_id"] for m in asked.get_json()["matches"]] == [ada]

    same = act(staff, token, "join_approve", join_id=pending["join_id"], racer_id=ada)
    assert same.get_json()["racer_id"] == ada
    assert queue_of(board) == [("Ada", ada)]
    assert phone.get("/api/join/me").get_json()["state"] == "queued"
    stored = phone.post("/api/join/model", json={"name": "m", "files": FILES})
    assert stored.status_code == 200
    assert staff.get(f"/api/models/{stored.get_json()['card_id']}").get_json()["racer_id"] == ada


def test_approve_mode_staff_say_another_person_and_results_stay_apart(board: Board) -> None:
    staff, token = staff_of(board)
    ada = raced(board, staff, token, "Ada")
    act(staff, token, "join_mode", mode="approve")
    phone = board.app.test_client()
    join(phone, "Ada")
    (pending,) = staff.get("/api/joins").get_json()["pending"]
    assert pending["returning"] and pending["matches"][0]["racer_id"] == ada
    other = act(staff, token, "join_approve", join_id=pending["join_id"], new_racer=True)
    walk_up = other.get_json()["racer_id"]
    assert walk_up != ada
    assert queue_of(board) == [("Ada", walk_up)]
    assert phone.post("/api/join/model", json={"name": "m", "files": FILES}).status_code == 200
    cards = staff.get("/api/models").get_json()
    assert [c["racer_id"] for c in cards] == [walk_up]  # the card is the walk-up's, not Ada's


def test_a_new_name_is_still_queued_at_once_on_an_open_track(board: Board) -> None:
    staff, token = staff_of(board)
    raced(board, staff, token, "Ada")
    act(staff, token, "join_mode", mode="open")
    taken = join(board.app.test_client(), "Grace").get_json()
    assert taken["state"] == "queued"
    assert staff.get("/api/joins").get_json()["pending"] == []


def test_a_card_by_a_known_name_needs_an_answer(board: Board) -> None:
    staff, token = staff_of(board)
    ada = raced(board, staff, token, "Ada")
    files = {"model_metadata.json": FILES["model_metadata.json"]}
    asked = act(staff, token, "model_submit", alias="ADA", name="m", files=files)
    assert asked.status_code == 409
    reply = asked.get_json()
    assert reply["question"] == "same_racer" and [m["racer_id"] for m in reply["matches"]] == [ada]
    assert "same_racer: true" in reply["error"] and "new_racer: true" in reply["error"]
    assert staff.get("/api/models").get_json() == []

    same = act(staff, token, "model_submit", alias="ADA", name="m", files=files, same_racer=True)
    assert same.get_json()["racer_id"] == ada
    other = act(staff, token, "model_submit", alias="Ada", name="n", files=files, new_racer=True)
    assert other.get_json()["racer_id"] != ada
    by_id = act(staff, token, "model_submit", racer_id=ada, name="o", files=files)
    assert by_id.get_json()["racer_id"] == ada
    two = act(staff, token, "model_submit", alias="Ada", name="p", files=files, same_racer=True)
    assert two.status_code == 409 and "expected racer_id" in two.get_json()["error"]


def test_a_bad_card_by_a_new_name_makes_no_racer(board: Board) -> None:
    staff, token = staff_of(board)
    bad = {"model_metadata.json": json.dumps({"action_space": "fast"})}
    refused = act(staff, token, "model_submit", alias="Nobody Yet", name="m", files=bad)
    assert refused.status_code == 400
    answer = act(staff, token, "queue_add", alias="Nobody Yet")
    assert answer.status_code == 200  # no "same person?": the bad card made no racer
