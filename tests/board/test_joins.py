"""Racers join a queue from their phones: modes, positions, bounds, and who may see what."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import Board, login

from lapgate.board.web.join import JOINS_PER_WINDOW, RateLimit


def join(client: Any, alias: str, **more: str) -> Any:
    return client.post("/api/join", json={"track_id": "track-1", "alias": alias, **more})


def staff_client(board: Board) -> tuple[Any, str]:
    client = board.app.test_client()
    return client, login(client)


def act(client: Any, token: str, name: str, **payload: Any) -> Any:
    return client.post(f"/api/control/{name}", json=payload, headers={"X-CSRF-Token": token})


def test_a_closed_track_refuses_and_an_open_one_queues_at_once(board: Board) -> None:
    phone = board.app.test_client()
    closed = join(phone, "Ada")
    assert closed.status_code == 409
    assert "takes no joins from phones now" in closed.get_json()["error"]
    staff, token = staff_client(board)
    assert act(staff, token, "join_mode", mode="open").status_code == 200
    board.queue("Bob")
    taken = join(phone, "Ada", car="Blue", model="fast-v3").get_json()
    assert (taken["state"], taken["position"], taken["ahead"]) == ("queued", 2, 1)
    queue = board.app.test_client().get("/api/tracks/track-1").get_json()["queue"]
    assert [(e["name"], e["car"], e["model"]) for e in queue] == [
        ("Bob", "", ""),
        ("Ada", "Blue", "fast-v3"),
    ]
    assert phone.get("/api/join/me").get_json()["position"] == 2


def test_approve_mode_waits_for_staff_then_follows_the_queue_to_the_track(board: Board) -> None:
    staff, token = staff_client(board)
    act(staff, token, "join_mode", mode="approve")
    phone = board.app.test_client()
    assert join(phone, "Ada").get_json()["state"] == "pending"
    pending = staff.get("/api/joins").get_json()["pending"]
    assert [p["alias"] for p in pending] == ["Ada"]
    assert board.app.test_client().get("/api/joins").status_code == 401
    accepted = act(staff, token, "join_approve", join_id=pending[0]["join_id"])
    assert accepted.status_code == 200
    me = phone.get("/api/join/me").get_json()
    assert (me["state"], me["position"], me["wait_s"]) == ("queued", 1, 0)  # nobody on track
    assert me["slot_s"] == 90  # no run has ended here yet: the 60 s limit + 30 s changeover
    board.stage()
    assert phone.get("/api/join/me").get_json()["state"] == "staged"
    board.cross(1.0)
    assert phone.get("/api/join/me").get_json()["state"] == "racing"
    act(staff, token, "end")
    assert phone.get("/api/join/me").get_json()["state"] == "done"


def test_rejected_with_a_reason_and_leaving_the_queue(board: Board) -> None:
    staff, token = staff_client(board)
    act(staff, token, "join_mode", mode="approve")
    phone = board.app.test_client()
    join_id = join(phone, "Spam Spam").get_json()["join_id"]
    act(staff, token, "join_reject", join_id=join_id, reason="not a racer")
    me = phone.get("/api/join/me").get_json()
    assert (me["state"], me["reason"]) == ("rejected", "not a racer")
    assert act(staff, token, "join_approve", join_id=join_id).status_code == 409
    act(staff, token, "join_mode", mode="open")
    assert join(phone, "Ada").get_json()["state"] == "queued"
    left = phone.delete("/api/join/me").get_json()
    assert left["state"] == "cancelled"
    assert board.app.test_client().get("/api/tracks/track-1").get_json()["queue"] == []


def test_one_active_join_per_phone_and_per_name(board: Board) -> None:
    staff, token = staff_client(board)
    act(staff, token, "join_mode", mode="open")
    phone, other = board.app.test_client(), board.app.test_client()
    assert join(phone, "Ada").status_code == 200
    again = join(phone, "Someone Else")
    assert again.status_code == 409 and "already joined as 'Ada'" in again.get_json()["error"]
    same_name = join(other, "ADA")
    assert (
        same_name.status_code == 409
        and "'Ada' is already in a queue" in (same_name.get_json()["error"])
    )
    assert other.get("/api/join/me").get_json() == {"state": "none"}  # never sees Ada's join
    assert other.delete("/api/join/me").status_code == 404  # cannot leave Ada's entry


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"track_id": "track-1", "alias": "x" * 201}, "alias: got 'xxxx"),
        ({"track_id": "track-1", "alias": "Ada", "car": 5}, "car: got 5, expected text"),
        ({"track_id": "track-1", "alias": "Ada", "admin": True}, "admin: got True, expected no"),
        ({"track_id": "nowhere", "alias": "Ada"}, "track"),
    ],
)
def test_bad_joins_are_refused_naming_the_value(
    board: Board, body: dict[str, Any], message: str
) -> None:
    staff, token = staff_client(board)
    act(staff, token, "join_mode", mode="open")
    answer = board.app.test_client().post("/api/join", json=body)
    assert answer.status_code in (400, 404)
    assert message in answer.get_json()["error"]


def test_join_tries_are_limited_per_phone(board: Board) -> None:
    phone = board.app.test_client()
    answers = [join(phone, f"Racer {n}").status_code for n in range(JOINS_PER_WINDOW + 2)]
    assert answers[:JOINS_PER_WINDOW] == [409] * JOINS_PER_WINDOW  # closed, but counted
    assert answers[JOINS_PER_WINDOW:] == [429, 429]


def test_the_rate_limit_slides_and_forgets() -> None:
    limit = RateLimit(2, 10.0)
    assert [limit.allow("a", t) for t in (0.0, 1.0, 2.0)] == [True, True, False]
    assert limit.allow("b", 2.0)
    assert limit.allow("a", 10.5)  # the hit at 0.0 left the window


def test_names_are_escaped_on_the_join_page_and_card(board: Board) -> None:
    staff, token = staff_client(board)
    act(staff, token, "join_mode", mode="open")
    phone = board.app.test_client()
    join(phone, "<script>alert(1)</script>")
    page = phone.get("/join?track=track-1").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    card = phone.get("/join/card?track=track-1").get_data(as_text=True)
    assert "/join/qr.svg?track=track-1" in card and "Race on Track 1" in card
    svg = phone.get("/join/qr.svg?track=track-1")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


SAMPLES = __import__("pathlib").Path(__file__).parent / "data" / "model_cards"


def test_a_joined_phone_hands_in_its_own_model_card(board: Board) -> None:
    staff, token = staff_client(board)
    act(staff, token, "join_mode", mode="open")
    phone, stranger = board.app.test_client(), board.app.test_client()
    files = {"model_metadata.json": (SAMPLES / "model_metadata.json").read_text()}
    early = stranger.post("/api/join/model", json={"name": "m", "files": files})
    assert early.status_code == 404 and "join a queue first" in early.get_json()["error"]
    join(phone, "Ada", model="fast-v3")
    stored = phone.post("/api/join/model", json={"name": "fast-v3", "files": files})
    assert stored.status_code == 200, stored.get_json()
    assert stored.get_json()["summary"].startswith("5 actions up to 0.6 m/s")
    cards = board.app.test_client().get("/api/models").get_json()
    assert [(c["racer"], c["name"]) for c in cards] == [("Ada", "fast-v3")]
    again = phone.post("/api/join/model", json={"name": "FAST-V3", "files": files})
    assert again.status_code == 409 and "ask the staff to replace it" in again.get_json()["error"]
    bad = phone.post(
        "/api/join/model", json={"name": "other", "files": {"m.json": '{"action_space": 5}'}}
    )
    assert bad.status_code == 400 and "m.json: action_space" in bad.get_json()["error"]
    board.stage()
    run = board.app.test_client().get("/api/tracks/track-1").get_json()["run"]
    assert run["model_card"] == cards[0]["card_id"]
