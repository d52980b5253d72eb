"""Bad input from staff or strangers: a clear error naming the value, never a 500 or a traceback.

Lone UTF-16 surrogates are refused at input (and an export of one stored earlier still
works); deeply nested JSON is a 400; unreadable Socket.IO frames on /live and /control are
answered with an error, and nothing is logged as a traceback.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import requests
from web_support import Board, login

from lapgate.board.league.event_export import export_file
from lapgate.board.live.race import Race
from lapgate.board.store.sql import SqlStore
from lapgate.board.web.jsonbody import CheckedPacket
from lapgate.config import settings_from_dict
from lapgate.timer.events import Crossing, InvalidateLap

DEEP = "[" * 50_000 + "]" * 50_000


def _post(board: Board, command: str, body: bytes | str) -> Any:
    client = board.app.test_client()
    token = login(client)
    return client.post(
        f"/api/control/{command}",
        data=body,
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )


def test_a_lone_surrogate_in_a_reason_is_refused_naming_it(board: Board) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(9)
    response = _post(board, "invalidate", '{"lap": 1, "reason": "wet \\ud800 track"}')
    assert response.status_code == 400
    error = response.json["error"]
    assert "reason: got a lone UTF-16 surrogate U+D800" in error
    assert "'wet \\ud800 track'" in error
    response = _post(board, "queue_add", '{"alias": "Bob", "\\udc00": 1}')
    assert response.status_code == 400  # in a key too


@pytest.mark.parametrize("body", [DEEP, '{"seeds": ' + "[" * 20 + "]" * 20 + "}"])
def test_deeply_nested_json_is_a_400_with_a_message(board: Board, body: str) -> None:
    response = _post(board, "queue_add", body)
    assert response.status_code == 400
    assert "nested" in response.json["error"]


def test_deeply_nested_json_on_the_bracket_endpoints_is_a_400(board: Board) -> None:
    client = board.app.test_client()
    token = login(client)
    response = client.post(
        "/api/brackets",
        data=DEEP,
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "nested" in response.json["error"]


def test_the_json_export_survives_a_surrogate_stored_earlier(tmp_path: Path) -> None:
    """A reason with a lone surrogate, stored before input refused them (in the JSON column
    of the run's log, where SQLite keeps it escaped): the export replaces it, no 500."""
    store = SqlStore(f"sqlite:///{tmp_path / 'lapgate.sqlite3'}")
    settings = settings_from_dict({"event": {"name": "Summit", "season": "2026"}})
    start_ns = 10**12
    race = Race(store, settings, {"finish": lambda: start_ns})
    race.load()
    race.queue_add(None, race.add_racer("Alice"))
    run_id = race.stage(None)
    for lap in range(3):
        race.crossing(Crossing("finish", start_ns + lap * 9 * 10**9, "test"))
    race.record(run_id, InvalidateLap(start_ns + 10**9, "wet \ud800 track"))
    assert race.event is not None
    body = export_file(store, race.event.event_id, "json")
    assert "wet \ufffd track" in body.decode("utf-8")
    assert export_file(store, race.event.event_id, "laps-csv")
    store.close()


FRAMES = {
    "not JSON": "42/live,[bad json",
    "not a list": "42/live,{}",
    "a number as the event": "42/live,[1,2]",
    "nested too deep": '42/live,["resync",' + "[" * 5000 + "]" * 5000 + "]",
    "an unknown packet type": "48/live,",
}


@pytest.mark.parametrize("frame", FRAMES.values(), ids=FRAMES.keys())
def test_a_malformed_frame_is_answered_with_an_error(frame: str) -> None:
    packet = CheckedPacket(encoded_packet=frame[1:])  # engine.io's "4" (message) taken off
    assert packet.data[0] == "malformed_frame"
    assert packet.namespace == "/live"


def test_malformed_frames_over_a_real_socket_get_errors_and_no_traceback(
    board: Board, served: str, caplog: pytest.LogCaptureFixture
) -> None:
    base = f"{served}/socket.io/?EIO=4&transport=polling"
    with requests.Session() as session:
        sid = json.loads(session.get(base, timeout=5).text[1:])["sid"]
        url = f"{base}&sid={sid}"
        session.post(url, data="40/live,", timeout=5)
        # the connect answer and the snapshot come in one poll or in two (delivery thread)
        polled = session.get(url, timeout=5).text
        if "snapshot" not in polled:
            polled = session.get(url, timeout=5).text
        assert "snapshot" in polled, polled
        with caplog.at_level(logging.INFO):
            for frame in [*FRAMES.values(), "4\x00\xff", "421/live,[7]"]:
                assert session.post(url, data=frame.encode(), timeout=5).text == "OK"
                if frame.startswith("42"):
                    answer = session.get(url, timeout=5).text
                    assert '"refused",{"ok":false,"status":400,"error":' in answer, answer
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


def test_a_malformed_action_on_the_control_socket_is_answered(board: Board) -> None:
    client = board.app.test_client()
    token = login(client)
    sio = board.socketio.test_client(
        board.app, namespace="/control", flask_test_client=client, auth={"csrf": token}
    )
    assert sio.is_connected("/control")
    answer = sio.emit(5, {"name": "stage"}, namespace="/control", callback=True)
    assert answer["ok"] is False and answer["status"] == 400
    assert "expected a list starting with the event's name" in answer["error"]
    answer = sio.emit(
        "action",
        {"name": "invalidate", "payload": {"lap": 1, "reason": "\ud800"}},
        namespace="/control",
        callback=True,
    )
    assert answer["status"] == 400 and "lone UTF-16 surrogate" in answer["error"]
    sio.disconnect(namespace="/control")
