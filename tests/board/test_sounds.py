"""Race sounds: the `sounds` command, its setting on the wire and its config default."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import Board, login, make_settings, started_board

from lapgate.config import settings_from_dict
from lapgate.config.settings import RACE_SOUNDS
from lapgate.timer.errors import LapgateError

ALL_ON = dict.fromkeys(RACE_SOUNDS, True)


def test_every_sound_is_on_by_default_and_switches_by_name(board: Board) -> None:
    assert board.host.snapshot()["settings"]["sounds"] == ALL_ON
    answer = board.host.execute("sounds", {"start": False, "new_leader": False})
    assert answer["sounds"] == {**ALL_ON, "start": False, "new_leader": False}
    board.host.execute("sounds", {"start": True})  # a field left out stays as it is
    assert board.host.snapshot()["settings"]["sounds"] == {**ALL_ON, "new_leader": False}


def test_a_sound_switched_reaches_every_screen_as_a_settings_update(board: Board) -> None:
    screen = board.socketio.test_client(board.app, namespace="/live")
    screen.get_received("/live")
    staff = board.app.test_client()
    token = login(staff)
    response = staff.post(
        "/api/control/sounds", json={"time_up": False}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200 and response.json["sounds"]["time_up"] is False
    board.host.sync()
    updates = [m["args"][0] for m in screen.get_received("/live") if m["name"] == "update"]
    settings = [u["settings"] for u in updates if u["type"] == "settings"]
    assert settings == [{"speak_laps": False, "sounds": {**ALL_ON, "time_up": False}}]
    screen.disconnect("/live")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "sounds: got no sound, expected one or more of ['start', 'thirty_left'"),
        ({"start": "yes"}, "sounds: start: got 'yes', expected true or false"),
        ({"siren": True}, "sounds: siren: got True, expected no such field"),
    ],
)
def test_bad_sound_switches_are_refused_naming_the_value(
    board: Board, payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(LapgateError) as caught:
        board.host.execute("sounds", payload)
    assert str(caught.value).startswith(message)
    assert board.host.snapshot()["settings"]["sounds"] == ALL_ON


def test_the_config_chooses_which_sounds_start_on() -> None:
    board = make_settings().board.model_copy(update={"sounds": ("start", "time_up")})
    started = started_board(make_settings().model_copy(update={"board": board}))
    try:
        sounds = started.host.snapshot()["settings"]["sounds"]
        assert [name for name, on in sounds.items() if on] == ["start", "time_up"]
    finally:
        started.host.stop()
    with pytest.raises(LapgateError, match="siren"):
        settings_from_dict({"board": {"sounds": ["siren"]}})
