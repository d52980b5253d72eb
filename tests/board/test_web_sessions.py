"""Staff logins held server-side, Secure cookies behind HTTPS, proxies trusted by address,
and login throttling that slows the failing address without locking staff out."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from web_support import STAFF_PASSWORD, Board, login, make_settings, started_board

from lapgate.board.web import auth, throttle
from lapgate.board.web.proxy import forwarded_client
from lapgate.board.web.sessions import StaffSessions
from lapgate.config import settings_from_dict
from lapgate.timer.errors import ConfigError


def _cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def _copy(board: Board, cookie: str) -> FlaskClient:
    """A second client holding a copy of a cookie (as someone who copied it would)."""
    thief = board.app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _act(client: FlaskClient, token: str) -> int:
    response = client.post(
        "/api/control/queue_add", json={"alias": "Ada"}, headers={"X-CSRF-Token": token}
    )
    return response.status_code


def test_a_cookie_copied_before_logout_is_refused_after(board: Board) -> None:
    staff = board.app.test_client()
    token = login(staff)
    thief = _copy(board, _cookie(staff))
    assert _act(thief, token) == 200
    staff.post("/control/logout", data={"csrf_token": token})
    assert _act(thief, token) == 401
    assert _act(staff, token) == 401


def test_logout_ends_only_that_login(board: Board) -> None:
    first, second = board.app.test_client(), board.app.test_client()
    first_token, second_token = login(first), login(second)
    first.post("/control/logout", data={"csrf_token": first_token})
    assert _act(second, second_token) == 200


def test_log_out_everywhere_ends_every_login(board: Board) -> None:
    first, second = board.app.test_client(), board.app.test_client()
    first_token, second_token = login(first), login(second)
    thief = _copy(board, _cookie(second))
    spectator = board.app.test_client()
    spectator.get("/control")
    with spectator.session_transaction() as session:
        assert (
            spectator.post(
                "/control/logout-everywhere", data={"csrf_token": session["csrf"]}
            ).status_code
            == 401
        )
    page = first.get("/control").get_data(as_text=True)
    assert 'action="/control/logout-everywhere"' in page
    response = first.post("/control/logout-everywhere", data={"csrf_token": first_token})
    assert response.status_code == 302
    assert _act(first, first_token) == 401
    assert _act(second, second_token) == 401
    assert _act(thief, second_token) == 401
    assert 'name="password"' in second.get("/control").get_data(as_text=True)


def test_a_login_ends_after_its_lifetime(board: Board) -> None:
    sessions: StaffSessions = board.app.extensions["lapgate.staff_sessions"]
    now = [1_000_000.0]
    sessions.clock = lambda: now[0]
    staff = board.app.test_client()
    token = login(staff)
    assert sessions.lifetime_s == 16 * 3600  # the default: one event day
    now[0] += 16 * 3600 - 1
    assert _act(staff, token) == 200
    now[0] += 2
    assert _act(staff, token) == 401


def test_the_lifetime_is_configurable_and_checked() -> None:
    settings = settings_from_dict({"board": {"staff_session_hours": 2.5}})
    assert settings.board.staff_session_hours == 2.5
    with pytest.raises(ConfigError, match="staff_session_hours: got 0"):
        settings_from_dict({"board": {"staff_session_hours": 0}}, source="venue.toml")


def test_the_cookie_lasts_as_long_as_the_login(board: Board) -> None:
    staff = board.app.test_client()
    staff.get("/control")
    with staff.session_transaction() as session:
        token = session["csrf"]
    response = staff.post("/control/login", data={"password": STAFF_PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back


def test_logins_survive_a_restart_but_not_a_password_change(tmp_path: Path) -> None:
    path = tmp_path / "staff_sessions.json"
    sessions = StaffSessions(3600, "scrypt:old", path)
    kept, ended = sessions.open(), sessions.open()
    sessions.close(ended)
    again = StaffSessions(3600, "scrypt:old", path)
    assert again.holds(kept) and not again.holds(ended)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert kept not in path.read_text()  # the file names logins by hash only
    changed = StaffSessions(3600, "scrypt:new", path)
    assert not changed.holds(kept)
    path.write_text("{not json")
    assert not StaffSessions(3600, "scrypt:old", path).holds(kept)


def test_the_control_socket_of_an_ended_login_is_closed(board: Board) -> None:
    staff = board.app.test_client()
    token = login(staff)
    other = board.app.test_client()
    other_token = login(other)
    mine = board.socketio.test_client(
        board.app, namespace="/control", flask_test_client=staff, auth={"csrf": token}
    )
    theirs = board.socketio.test_client(
        board.app, namespace="/control", flask_test_client=other, auth={"csrf": other_token}
    )
    assert mine.is_connected("/control") and theirs.is_connected("/control")
    staff.post("/control/logout", data={"csrf_token": token})
    assert not mine.is_connected("/control")
    assert theirs.is_connected("/control")
    answer = theirs.emit(
        "action",
        {"name": "queue_add", "payload": {"alias": "Ada"}},
        namespace="/control",
        callback=True,
    )
    assert answer["ok"]
    other.post("/control/logout-everywhere", data={"csrf_token": other_token})
    assert not theirs.is_connected("/control")


def test_an_action_on_a_socket_of_an_ended_login_is_refused(board: Board) -> None:
    """Even if the disconnect were missed, the socket's login is checked on every action."""
    staff = board.app.test_client()
    token = login(staff)
    sio = board.socketio.test_client(
        board.app, namespace="/control", flask_test_client=staff, auth={"csrf": token}
    )
    sessions: StaffSessions = board.app.extensions["lapgate.staff_sessions"]
    sessions._listeners.clear()  # no disconnect: only the check on each action is left
    sessions.close_all()
    answer = sio.emit(
        "action",
        {"name": "queue_add", "payload": {"alias": "Ada"}},
        namespace="/control",
        callback=True,
    )
    assert answer["status"] == 403
    assert board.host.snapshot()["tracks"][0]["queue"] == []


# ---- proxies ---------------------------------------------------------------------------


@pytest.fixture
def proxied() -> Iterator[Board]:
    settings = make_settings()
    board = settings.board.model_copy(update={"trusted_proxies": ["127.0.0.1", "10.9.0.0/16"]})
    started = started_board(settings.model_copy(update={"board": board}))
    yield started
    started.host.stop()


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    networks = settings_from_dict({"board": {"trusted_proxies": ["10.9.0.0/16"]}}).board
    trusted = networks.trusted_networks()
    assert forwarded_client("10.9.0.1", "192.168.1.5", trusted) == "192.168.1.5"
    assert forwarded_client("192.168.1.7", "192.168.1.5", trusted) == "192.168.1.7"
    # a client's own fake first hop is skipped: the nearest untrusted hop is the client
    assert forwarded_client("10.9.0.1", "6.6.6.6, 192.168.1.5", trusted) == "192.168.1.5"
    assert forwarded_client("10.9.0.1", "192.168.1.5, 10.9.0.2", trusted) == "192.168.1.5"
    assert forwarded_client("10.9.0.1", "garbage", trusted) == "10.9.0.1"
    assert forwarded_client("10.9.0.1", "", ()) == "10.9.0.1"
    with pytest.raises(ConfigError, match=r"'nope' is neither"):
        settings_from_dict({"board": {"trusted_proxies": ["nope"]}}, source="venue.toml")


def _login_from(board: Board, password: str, forwarded_for: str, peer: str = "127.0.0.1") -> int:
    client = board.app.test_client()
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post(
        "/control/login",
        data={"password": password, "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": peer},
    )
    return response.status_code


def test_behind_a_trusted_proxy_a_hammering_spectator_does_not_lock_staff_out(
    proxied: Board,
) -> None:
    for _ in range(throttle.FREE_FAILURES):
        assert _login_from(proxied, "guess", "192.168.1.66") == 401
    assert _login_from(proxied, STAFF_PASSWORD, "192.168.1.66") == 429  # slowed, not checked
    assert _login_from(proxied, STAFF_PASSWORD, "192.168.1.7") == 302  # staff's tablet


def test_forwarded_for_from_an_untrusted_peer_is_ignored(proxied: Board) -> None:
    """A spectator cannot dodge its throttle by inventing X-Forwarded-For."""
    for n in range(throttle.FREE_FAILURES):
        assert _login_from(proxied, "guess", f"192.168.1.{n}", peer="192.168.1.66") == 401
    assert _login_from(proxied, STAFF_PASSWORD, "192.168.1.99", peer="192.168.1.66") == 429


def test_https_at_a_trusted_proxy_makes_the_cookie_secure(proxied: Board, board: Board) -> None:
    for app, peer, secure in ((proxied.app, "127.0.0.1", True), (board.app, "127.0.0.1", False)):
        client = app.test_client()
        response = client.get(
            "/control", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": peer}
        )
        assert ("Secure" in response.headers["Set-Cookie"]) is secure
    untrusted = proxied.app.test_client().get(
        "/control", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "8.8.8.8"}
    )
    assert "Secure" not in untrusted.headers["Set-Cookie"]


# ---- throttling ------------------------------------------------------------------------


def test_a_slowed_address_waits_longer_after_each_failure_then_gets_in() -> None:
    now = [0.0]
    limiter = throttle.LoginThrottle(clock=lambda: now[0])
    for _ in range(throttle.FREE_FAILURES):
        assert limiter.wait_s("a") == 0
        limiter.failed("a")
    assert limiter.wait_s("a") == 1.0
    assert limiter.wait_s("b") == 0  # another address is not slowed
    now[0] += 1.0
    assert limiter.wait_s("a") == 0  # its waiting is over: a right password works
    limiter.failed("a")
    assert limiter.wait_s("a") == 2.0
    for _ in range(20):
        limiter.failed("a")
    assert limiter.wait_s("a") == throttle.MAX_WAIT_S
    now[0] += throttle.FORGET_S
    assert limiter.wait_s("a") == 0
    limiter.failed("a")
    limiter.succeeded("a")
    assert limiter.wait_s("a") == 0


def test_many_failing_addresses_pace_the_checks_overall() -> None:
    now = [0.0]
    limiter = throttle.LoginThrottle(clock=lambda: now[0])
    assert limiter.turn(0.0)
    for n in range(throttle.OVERALL_FREE_FAILURES + 1):
        limiter.failed(f"10.0.0.{n}")
    assert limiter.turn(0.0)  # the first paced check goes at once …
    assert not limiter.turn(0.0)  # … the next must wait OVERALL_SPACING_S
    assert limiter.turn(throttle.OVERALL_SPACING_S * 2)
    now[0] += throttle.OVERALL_WINDOW_S + 1
    assert limiter.turn(0.0)


def test_the_throttle_forgets_the_oldest_addresses_beyond_its_bound() -> None:
    limiter = throttle.LoginThrottle()
    for n in range(throttle.MAX_ADDRESSES + 10):
        limiter.failed(f"a{n}")
    assert len(limiter._failures) == throttle.MAX_ADDRESSES


def test_the_login_page_says_how_long_to_wait(board: Board) -> None:
    for _ in range(throttle.FREE_FAILURES):
        _login_from(board, "guess", "")
    client = board.app.test_client()
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post("/control/login", data={"password": "guess", "csrf_token": token})
    assert response.status_code == 429
    assert re.search(rb"Too many wrong passwords from 127\.0\.0\.1; wait \d+ s", response.data)


def test_one_address_gets_one_password_check_at_a_time(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    """60 concurrent wrong logins from one address are not all checked."""
    checking, most, checked = 0, 0, 0
    lock = threading.Lock()
    real = auth.check_password_hash

    def slow_check(password_hash: str, password: str) -> bool:
        nonlocal checking, most, checked
        with lock:
            checking += 1
            checked += 1
            most = max(most, checking)
        time.sleep(0.2)
        with lock:
            checking -= 1
        return real(password_hash, password)

    monkeypatch.setattr(auth, "check_password_hash", slow_check)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(_login_from(board, "guess", "")))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1
    assert checked <= throttle.FREE_FAILURES + 1
    assert statuses.count(401) == checked and statuses.count(429) == 20 - checked
