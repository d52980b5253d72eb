"""Staff control: login, CSRF, every action over HTTP and the control socket; rejections."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import Board, login, screen_state, started_board

from lapgate.board.live.commands import COMMANDS
from lapgate.config import settings_from_dict

ACTIONS = sorted(COMMANDS)

SAMPLE_PAYLOADS: dict[str, dict[str, Any]] = {
    "queue_add": {"alias": "Mallory"},
    "queue_move": {"entry_id": "x", "position": 0},
    "queue_raced_by": {"entry_id": "x", "raced_by": "Mallory"},
    "team_create": {"name": "Team M", "members": ["Mallory"]},
    "team_add_member": {"team": "Team M", "alias": "Mallory"},
    "team_remove_member": {"team": "Team M", "alias": "Mallory"},
    "queue_remove": {"entry_id": "x"},
    "stage": {},
    "unstage": {},
    "racer_rename": {"racer_id": "x", "alias": "Mallory M"},
    "racer_merge": {"kept_id": "x", "merged_id": "y"},
    "racer_split": {"merge_id": 1},
    "racer_delete": {"racer_id": "x"},
    "model_submit": {"alias": "Mallory", "name": "m", "files": {"m.json": "{}"}},
    "join_mode": {"mode": "open"},
    "join_approve": {"join_id": "x"},
    "join_reject": {"join_id": "x"},
    "start": {},
    "end": {},
    "dnf": {},
    "abort": {},
    "manual_lap": {},
    "reset": {"delta": 1},
    "invalidate": {"lap": 1},
    "restore": {"lap": 1},
    "undo": {"event_id": 1},
    "speak": {"on": True},
    "sounds": {"start": False},
    "round_open": {"round_id": "Round 1"},
    "round_close": {"round_id": "Round 1"},
    "round_reopen": {"round_id": "Round 1"},
    "round_advancers": {"round_id": "Round 1", "names": ["Ada"]},
    "round_advancers_csv": {"round_id": "Round 1", "csv": "Alias\nAda\n"},
    "bracket_open": {"size": 2},
    "bracket_stage": {"bracket_id": "x"},
    "bracket_unstage": {"bracket_id": "x"},
    "bracket_decide": {"bracket_id": "x"},
    "bracket_correct": {"bracket_id": "x", "match_id": "W1-1", "winner_id": "y"},
    "bracket_undo": {"bracket_id": "x"},
}


def test_every_action_has_a_sample_payload() -> None:
    assert set(SAMPLE_PAYLOADS) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_http_actions_reject_anonymous_clients(board: Board, action: str) -> None:
    client = board.app.test_client()
    client.get("/control")
    response = client.post(f"/api/control/{action}", json=SAMPLE_PAYLOADS[action])
    assert response.status_code == 401
    assert "staff login required" in response.json["error"]
    assert board.host.snapshot()["seq"] == 0  # nothing happened


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_http_actions_reject_staff_without_csrf_token(board: Board, action: str) -> None:
    client = board.app.test_client()
    login(client)
    response = client.post(f"/api/control/{action}", json=SAMPLE_PAYLOADS[action])
    assert response.status_code == 403
    response = client.post(
        f"/api/control/{action}", json=SAMPLE_PAYLOADS[action], headers={"X-CSRF-Token": "nope"}
    )
    assert response.status_code == 403
    assert board.host.snapshot()["seq"] == 0


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_spectator_socket_cannot_act(board: Board, action: str) -> None:
    client = board.socketio.test_client(board.app, namespace="/live")
    reply = client.emit(
        "action",
        {"name": action, "payload": SAMPLE_PAYLOADS[action]},
        namespace="/live",
        callback=True,
    )
    assert reply["ok"] is False and reply["status"] == 403
    assert board.host.snapshot()["seq"] == 0


def test_control_socket_refuses_anonymous_and_tokenless_clients(board: Board) -> None:
    anonymous = board.app.test_client()
    client = board.socketio.test_client(
        board.app, namespace="/control", flask_test_client=anonymous, auth={"csrf": "x"}
    )
    assert not client.is_connected("/control")
    staff = board.app.test_client()
    login(staff)
    tokenless = board.socketio.test_client(board.app, namespace="/control", flask_test_client=staff)
    assert not tokenless.is_connected("/control")


def test_wrong_password_is_refused_and_throttled(board: Board) -> None:
    client = board.app.test_client()
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    for _ in range(5):
        response = client.post("/control/login", data={"password": "guess", "csrf_token": token})
        assert response.status_code == 401
        assert b"Wrong password" in response.data
    response = client.post("/control/login", data={"password": "guess", "csrf_token": token})
    assert response.status_code == 429
    assert b"Too many wrong passwords from 127.0.0.1; wait 1 s" in response.data
    with client.session_transaction() as session:
        assert "staff" not in session


def test_login_without_csrf_token_is_refused(board: Board) -> None:
    client = board.app.test_client()
    response = client.post("/control/login", data={"password": "correct horse battery"})
    assert response.status_code == 401
    with client.session_transaction() as session:
        assert "staff" not in session


def test_session_cookie_is_samesite_strict(board: Board) -> None:
    client = board.app.test_client()
    response = client.get("/control")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie


def _staff_socket(board: Board) -> Any:
    staff = board.app.test_client()
    token = login(staff)
    client = board.socketio.test_client(
        board.app, namespace="/control", flask_test_client=staff, auth={"csrf": token}
    )
    assert client.is_connected("/control")
    return client


def _act(client: Any, name: str, **payload: Any) -> dict[str, Any]:
    reply: dict[str, Any] = client.emit(
        "action", {"name": name, "payload": payload}, namespace="/control", callback=True
    )
    return reply


def test_a_whole_run_over_the_control_socket(board: Board) -> None:
    control = _staff_socket(board)
    assert _act(control, "queue_add", alias="Alice", car="Red")["ok"]
    bob = _act(control, "queue_add", alias="Bob")
    assert _act(control, "queue_move", entry_id=bob["entry_id"], position=0)["ok"]
    snapshot = board.host.snapshot()["tracks"][0]
    assert [e["name"] for e in snapshot["queue"]] == ["Bob", "Alice"]
    assert _act(control, "queue_remove", entry_id=bob["entry_id"])["ok"]
    run_id = _act(control, "stage")["run_id"]
    board.cross(1)  # rolling start
    board.cross(9)  # lap 1: 9 s
    board.cross(0.5)  # a false crossing (inside the 3 s lockout: ignored by the rules)
    board.cross(10)  # lap 2
    board.cross(4)  # someone stepped on the strip: lap 3 (4 s)
    board.cross(6)  # lap 4 ends; laps 3+4 are really one 10 s lap
    run = board.host.snapshot()["tracks"][0]["run"]
    assert [lap["duration_ms"] for lap in run["laps"]] == [9000, 10500, 4000, 6000]
    false_crossing = run["laps"][2]["end_event_id"]
    assert _act(control, "undo", event_id=false_crossing)["ok"]
    assert _act(control, "reset", delta=1, lap=2)["ok"]
    board.clock.advance(1)
    assert _act(control, "reset", delta=1)["ok"]  # the lap in progress
    assert _act(control, "invalidate", lap=1, reason="cut the corner")["ok"]
    board.clock.advance(4)
    assert _act(control, "manual_lap")["ok"]
    run = board.host.snapshot()["tracks"][0]["run"]
    assert [lap["duration_ms"] for lap in run["laps"]] == [9000, 10500, 10000, 5000]
    assert [lap["resets"] for lap in run["laps"]] == [0, 1, 0, 1]
    assert [lap["valid"] for lap in run["laps"]] == [False, True, True, True]
    # the reason in English and as a code with its values, for pages in other languages
    assert run["laps"][0]["invalid_reasons"] == ["staff: cut the corner"]
    assert run["laps"][0]["invalid_codes"] == [{"code": "staff_note", "note": "cut the corner"}]
    assert "invalid_codes" not in run["laps"][1]  # a valid lap goes without the empty list
    assert _act(control, "restore", lap=1)["ok"]
    last = board.host.snapshot()["tracks"][0]["run"]["undoable"][0]["event_id"]
    assert _act(control, "undo", event_id=last)["ok"]  # undo the restore
    assert _act(control, "end")["ok"]
    assert _act(control, "dnf", reason="battery")["ok"]
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["run_id"] == run_id and run["status"] == "dnf"
    assert board.host.snapshot()["tracks"][0]["leaderboard"][0]["rank"] is None
    assert _act(control, "speak", on=True)["speak_laps"] is True
    assert board.host.snapshot()["settings"]["speak_laps"] is True


def test_rule_violations_and_bad_values_are_clear_errors(board: Board) -> None:
    control = _staff_socket(board)
    reply = _act(control, "stage")
    assert reply == {
        "ok": False,
        "status": 409,
        "error": "stage: the queue is empty; add a racer first",
        "template": "stage: the queue is empty; add a racer first",  # the same in every language
    }
    reply = _act(control, "queue_add", alias="")
    assert reply["status"] == 400 and "alias: got 0 characters, expected 1–60" in reply["error"]
    reply = _act(control, "reset", delta=1)
    assert reply["status"] == 409  # no run staged yet
    _act(control, "queue_add", alias="Alice")
    _act(control, "stage")
    reply = _act(control, "reset", delta=5)
    assert reply["status"] == 400 and "delta: got 5, expected 1 or -1" in reply["error"]
    reply = _act(control, "invalidate", lap="one")
    assert reply["status"] == 400 and "lap: got 'one', expected a whole number" in reply["error"]
    reply = _act(control, "no_such_action")
    assert reply["status"] == 404 and "expected one of" in reply["error"]
    reply = control.emit("action", "not an object", namespace="/control", callback=True)
    assert reply["status"] == 400
    reply = _act(control, "undo", event_id=99)
    assert reply["status"] == 404 and "undo: got event id 99" in reply["error"]
    assert board.host.running  # the daemon keeps going


def test_manual_lap_and_reset_after_the_run_ended_are_refused(board: Board) -> None:
    control = _staff_socket(board)
    _act(control, "queue_add", alias="Alice")
    _act(control, "stage")
    board.cross(1)
    board.cross(10)
    board.clock.advance(5)
    assert _act(control, "manual_lap")["ok"]
    board.clock.advance(0.02)
    reply = _act(control, "manual_lap")  # a double click: kept, but ignored
    assert reply["ok"] and reply["ignored"] == (
        "0.020 s after the last crossing, inside the 3.000 s lockout"
    )
    assert reply["ignored_code"] == {"code": "lockout", "gap_ms": 20, "lockout_ms": 3000}
    run = board.host.snapshot()["tracks"][0]["run"]
    assert [lap["duration_ms"] for lap in run["laps"]] == [10000, 5000]
    assert run["ignored_crossings"][0]["code"] == "lockout"  # the view carries it too
    assert _act(control, "end")["ok"]
    board.clock.advance(1)
    for name, payload in (("manual_lap", {}), ("reset", {"delta": 1})):
        reply = _act(control, name, **payload)
        assert reply["status"] == 409
        assert "the run is already finished; pick a lap of it to correct" in reply["error"]
    assert _act(control, "reset", delta=1, lap=1)["ok"]  # a lap of the ended run: a correction


def test_a_duplicate_queue_entry_is_queued_with_a_warning(board: Board) -> None:
    control = _staff_socket(board)
    assert "warning" not in _act(control, "queue_add", alias="Ada")
    _act(control, "queue_add", alias="Bob")
    asked = _act(control, "queue_add", alias="ada")  # a known name: same person?
    assert not asked["ok"] and asked["status"] == 409 and asked["question"] == "same_racer"
    reply = _act(control, "queue_add", alias="ada", same_racer=True)
    assert reply["ok"] and reply["warning"] == (
        "Ada was already in the queue (position 1); remove one entry if they race once"
    )
    assert reply["warning_code"] == {"code": "queued_twice", "name": "Ada", "position": 1}
    assert [e["name"] for e in board.host.snapshot()["tracks"][0]["queue"]] == [
        "Ada",
        "Bob",
        "Ada",
    ]


def test_racer_rename_is_live_and_refuses_another_racers_alias(board: Board) -> None:
    control = _staff_socket(board)
    alcie = _act(control, "queue_add", alias="Alcie")["racer_id"]
    _act(control, "queue_add", alias="Bob")
    reply = _act(control, "racer_rename", racer_id=alcie, alias="bob")
    assert reply["status"] == 409 and "'Bob' is another racer's alias" in reply["error"]
    assert _act(control, "racer_rename", racer_id=alcie, alias=" Alice ") == {
        "ok": True,
        "racer_id": alcie,
        "alias": "Alice",
    }
    assert [e["name"] for e in board.host.snapshot()["tracks"][0]["queue"]] == ["Alice", "Bob"]
    assert _act(control, "racer_rename", racer_id="nobody", alias="X")["status"] == 404


def test_http_action_with_token_and_bad_json(board: Board) -> None:
    client = board.app.test_client()
    token = login(client)
    headers = {"X-CSRF-Token": token}
    response = client.post("/api/control/queue_add", json={"alias": "Alice"}, headers=headers)
    assert response.status_code == 200 and response.json["ok"] is True
    response = client.post(
        "/api/control/queue_add", data="{", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "expected a JSON object" in response.json["error"]
    response = client.post("/api/control/queue_add", json=[1, 2], headers=headers)
    assert response.status_code == 400
    assert response.json["error"] == "payload: got list, expected a JSON object"


def test_two_tablets_see_the_same_state(board: Board) -> None:
    first, second = _staff_socket(board), _staff_socket(board)
    screen_a = board.socketio.test_client(board.app, namespace="/live")
    screen_b = board.socketio.test_client(board.app, namespace="/live")
    _act(first, "queue_add", alias="Alice")
    _act(second, "queue_add", alias="Bob")
    _act(first, "stage")
    board.host.sync()
    held_a = screen_state(screen_a.get_received("/live"))
    held_b = screen_state(screen_b.get_received("/live"))
    assert held_a == held_b
    assert held_a["tracks"][0]["run"]["racer"] == "Alice"
    reply = _act(second, "stage")  # the other tablet presses too: refused, not doubled
    assert reply["status"] == 409 and "end it first" in reply["error"]


def test_a_store_failure_is_a_clear_error_and_the_daemon_goes_on(board: Board) -> None:
    control = _staff_socket(board)
    _act(control, "queue_add", alias="Alice")
    _act(control, "stage")
    board.cross(1)
    board.cross(9)

    def broken(run_id: str, event_id: int, event: object, laps: object = None) -> None:
        raise OSError("disk full")

    working = board.store.append_event
    board.store.append_event = broken  # type: ignore[method-assign]
    board.clock.advance(1)
    reply = _act(control, "reset", delta=1)
    assert reply["status"] == 503 and "disk full" in reply["error"]
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["current_lap_resets"] == 0  # not stored, so not shown
    board.store.append_event = working  # type: ignore[method-assign]
    assert _act(control, "reset", delta=1)["ok"]
    assert board.host.snapshot()["tracks"][0]["run"]["current_lap_resets"] == 1


def test_staff_start_mode_needs_the_start_action(board: Board) -> None:
    from lapgate.board.live.race import Race
    from lapgate.timer.events import StartMode
    from lapgate.timer.run import RunConfig

    def staff_start(race: Race) -> None:
        track = race.track(None)
        round_info = race.rounds[track.round_id]
        config = RunConfig(time_limit_ns=60 * 10**9, start_mode=StartMode.STAFF)
        from dataclasses import replace

        race.rounds[track.round_id] = replace(round_info, run_config=config)

    board.host.call(staff_start)
    control = _staff_socket(board)
    _act(control, "queue_add", alias="Alice")
    _act(control, "stage")
    board.cross(1)  # before the start: recorded, ignored
    assert _act(control, "start")["ok"]
    board.cross(9)
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["status"] == "running"
    assert [lap["duration_ms"] for lap in run["laps"]] == [9000]
    reply = _act(control, "start")
    assert reply["status"] == 409 and "expected staged" in reply["error"]


def test_names_the_board_made_up_are_flagged_for_pages_to_word(board: Board) -> None:
    """No program and no track name in the settings: "Round 1" and "Track 1" are the
    board's, so pages in other languages say them in theirs (a name staff wrote is not)."""
    snapshot = board.host.snapshot()
    track = snapshot["tracks"][0]
    assert (track["name"], track["default_name"]) == ("Track 1", True)
    assert (track["round"]["name"], track["round"]["default_name"]) == ("Round 1", True)
    assert snapshot["program"][0]["default_name"] is True
    named = started_board(settings_from_dict({"track": [{"id": "main", "name": "Main"}]}))
    try:
        assert named.host.snapshot()["tracks"][0]["default_name"] is False
    finally:
        named.host.stop()
