"""A staff action is applied and acknowledged, or refused: never applied behind a 503.

Each action carries an idempotency key (``Idempotency-Key`` on HTTP, ``key`` on the control
socket); a retry with the key applies nothing new and gets the first answer. An action the
engine did not start in time is cancelled; one it started is reported on retry.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from web_support import Board, login

from lapgate.board.live import commands
from lapgate.board.live.host import EngineHost

KEY = "retry-key-0001"
RESET = {"delta": 1}


@pytest.fixture
def staff(board: Board, served: str) -> Iterator[tuple[requests.Session, str]]:
    """A staff HTTP session on the served board, and its CSRF token."""
    client = board.app.test_client()
    token = login(client)
    with client.session_transaction() as session:
        cookie = board.app.session_interface.get_signing_serializer(board.app).dumps(dict(session))
    http = requests.Session()
    http.cookies.set("session", cookie)
    http.headers["X-CSRF-Token"] = token
    yield http, served
    http.close()


def _racing(board: Board) -> str:
    """A run on track with one lap started; its id."""
    board.queue("Ada")
    board.stage()
    board.cross(0.0)
    board.cross(10.0)
    run_id: str = board.host.snapshot()["tracks"][0]["run"]["run_id"]
    return run_id


def _resets(board: Board, run_id: str) -> int:
    events = board.host.call(lambda race: [e.event for e in race.run(run_id).log.entries])
    return sum(type(e).__name__ == "AdjustResets" for e in events)


def _block(host: EngineHost) -> threading.Event:
    """Keep the engine host busy until the returned event is set."""
    release = threading.Event()
    host.submit(lambda race: release.wait(30))
    return release


def test_a_retried_key_applies_once_and_returns_the_first_answer(
    board: Board, staff: tuple[requests.Session, str]
) -> None:
    http, base = staff
    run_id = _racing(board)
    answers = [
        http.post(
            f"{base}/api/control/reset", json=RESET, headers={"Idempotency-Key": KEY}, timeout=10
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert _resets(board, run_id) == 1
    fresh = http.post(
        f"{base}/api/control/reset", json=RESET, headers={"Idempotency-Key": KEY + "b"}, timeout=10
    )
    assert fresh.status_code == 200 and fresh.json() != answers[0].json()
    assert _resets(board, run_id) == 2


def test_an_action_that_timed_out_is_cancelled_never_applied_later(
    board: Board, staff: tuple[requests.Session, str]
) -> None:
    """The issue's case: engine busy, 3 tries of `reset` answered 503 recorded 3 resets."""
    http, base = staff
    run_id = _racing(board)
    board.host.action_timeout_s = 0.3
    release = _block(board.host)
    try:
        for _ in range(3):  # as control.js does: the same key on every retry
            answer = http.post(
                f"{base}/api/control/reset",
                json=RESET,
                headers={"Idempotency-Key": KEY},
                timeout=10,
            )
            assert answer.status_code == 503, answer.text
            assert "cancelled: nothing was changed" in answer.json()["error"]
        plain = http.post(f"{base}/api/control/reset", json=RESET, timeout=10)  # no key at all
        assert plain.status_code == 503 and "nothing was changed" in plain.json()["error"]
    finally:
        release.set()
    board.host.sync()
    assert _resets(board, run_id) == 0
    board.host.action_timeout_s = 10
    done = http.post(
        f"{base}/api/control/reset", json=RESET, headers={"Idempotency-Key": KEY}, timeout=10
    )
    assert done.status_code == 200  # the key was never applied: the retry applies it now
    assert _resets(board, run_id) == 1


def test_an_action_still_running_is_reported_as_applied_on_retry(
    board: Board, staff: tuple[requests.Session, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    http, base = staff
    run_id = _racing(board)
    started, release = threading.Event(), threading.Event()
    spec = commands.COMMANDS["reset"]

    def slow_reset(race: Any, command: Any) -> dict[str, Any]:
        started.set()
        release.wait(30)
        return spec.handler(race, command)

    monkeypatch.setitem(commands.COMMANDS, "reset", dataclasses.replace(spec, handler=slow_reset))
    board.host.action_timeout_s = 0.5
    try:
        first = http.post(
            f"{base}/api/control/reset", json=RESET, headers={"Idempotency-Key": KEY}, timeout=10
        )
        assert started.is_set()
        assert first.status_code == 503, first.text
        assert "same Idempotency-Key" in first.json()["error"]
    finally:
        release.set()
    board.host.action_timeout_s = 10
    retry = http.post(
        f"{base}/api/control/reset", json=RESET, headers={"Idempotency-Key": KEY}, timeout=10
    )
    assert retry.status_code == 200, retry.text
    assert retry.json()["event_id"]
    assert _resets(board, run_id) == 1


def test_a_key_reused_for_another_action_is_refused(
    board: Board, staff: tuple[requests.Session, str]
) -> None:
    http, base = staff
    _racing(board)
    assert http.post(
        f"{base}/api/control/reset", json=RESET, headers={"Idempotency-Key": KEY}, timeout=10
    ).ok
    other = http.post(
        f"{base}/api/control/queue_add",
        json={"alias": "Bob"},
        headers={"Idempotency-Key": KEY},
        timeout=10,
    )
    assert other.status_code == 400
    assert "expected a new key for each action" in other.json()["error"]
    bad = http.post(
        f"{base}/api/control/reset", json=RESET, headers={"Idempotency-Key": "x"}, timeout=10
    )
    assert bad.status_code == 400 and "Idempotency-Key: got 'x'" in bad.json()["error"]


def test_the_control_socket_applies_a_retried_key_once(board: Board) -> None:
    client = board.app.test_client()
    token = login(client)
    run_id = _racing(board)
    sio = board.socketio.test_client(
        board.app, namespace="/control", flask_test_client=client, auth={"csrf": token}
    )
    message = {"name": "reset", "payload": RESET, "key": KEY}
    answers = [sio.emit("action", message, namespace="/control", callback=True) for _ in range(2)]
    assert answers[0]["ok"] and answers[0] == answers[1]
    assert _resets(board, run_id) == 1
    sio.disconnect(namespace="/control")


def test_a_slow_retry_waits_for_the_first_attempts_answer(board: Board) -> None:
    """Two tries of one key at once (a client that gave up and retried): one action."""
    run_id = _racing(board)
    release = _block(board.host)
    answers: list[dict[str, Any]] = []
    threads = [
        threading.Thread(target=lambda: answers.append(board.host.execute("reset", RESET, key=KEY)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.1)  # both wait on the one queued action
    release.set()
    for thread in threads:
        thread.join()
    assert len(answers) == 2 and answers[0] == answers[1]
    assert _resets(board, run_id) == 1
