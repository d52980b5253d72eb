"""Bounded work for anyone: request bodies capped before they are read; few password checks."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from web_support import STAFF_PASSWORD, Board, login

from lapgate.board.web import auth
from lapgate.board.web.app import MAX_BODY_BYTES


def test_a_body_over_the_cap_is_refused_before_it_is_read(board: Board) -> None:
    client = board.app.test_client()
    token = login(client)
    big = b'{"alias": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = client.post(
        "/api/control/queue_add",
        data=big,
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json["status"] == 413


def test_a_chunked_body_over_the_cap_is_refused_too(board: Board, served: str) -> None:
    """Over a real socket: no Content-Length, 2.5 MB in chunks; the board stops at the cap."""
    client = board.app.test_client()
    token = login(client)
    with client.session_transaction() as session:
        cookie = board.app.session_interface.get_signing_serializer(board.app).dumps(dict(session))
    host, port = served.removeprefix("http://").split(":")
    head = (
        "POST /api/control/queue_add HTTP/1.1\r\n"
        f"Host: {host}\r\nContent-Type: application/json\r\nX-CSRF-Token: {token}\r\n"
        f"Cookie: session={cookie}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    chunk = b"x" * 65536
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + b"b\r\n" + b'{"alias": "' + b"\r\n")
        try:
            for _ in range(40):
                sock.sendall(b"10000\r\n" + chunk + b"\r\n")
            sock.sendall(b"2\r\n" + b'"}' + b"\r\n0\r\n\r\n")
        except OSError:
            pass  # the board may close the connection as soon as it has answered
        sock.settimeout(3)
        try:
            while data := sock.recv(65536):
                answer += data
        except TimeoutError:
            pass  # answered, but the server waits for the rest of the body before closing
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert board.host.snapshot()["tracks"][0]["queue"] == []


def test_a_huge_login_form_is_refused(board: Board) -> None:
    client = board.app.test_client()
    client.get("/control")
    response = client.post("/control/login", data={"password": "x" * (2 * MAX_BODY_BYTES)})
    assert response.status_code == 413


def test_password_checks_run_a_few_at_a_time(board: Board, monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = 0, 0
    lock = threading.Lock()
    real = auth.check_password_hash

    def slow_check(password_hash: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return real(password_hash, password)

    monkeypatch.setattr(auth, "check_password_hash", slow_check)
    results: list[int] = []

    def attempt(password: str, address: str) -> int:
        client = board.app.test_client()
        client.get("/control")
        with client.session_transaction() as session:
            token = session["csrf"]
        response = client.post(
            "/control/login",
            data={"password": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )
        return response.status_code

    def wrong(n: int) -> None:
        results.append(attempt("wrong", f"10.0.0.{n}"))

    threads = [threading.Thread(target=wrong, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    staff = [attempt(STAFF_PASSWORD, "10.0.1.1") for _ in range(3)]  # retried if told "busy"
    for thread in threads:
        thread.join()
    assert most <= auth.PASSWORD_CHECKS
    assert 302 in staff  # staff got in while wrong logins were checked
    assert set(staff) <= {302, 429}
    assert len(results) == 12 and set(results) <= {401, 429}  # refused, or told to wait
