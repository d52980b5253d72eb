"""Staff logins against a real `lapgate run`: a copied cookie dies with its login (logout,
log out everywhere, lifetime, password change), the control socket of an ended login is
closed, cookies are Secure behind HTTPS, and a spectator hammering the login behind nginx
does not lock staff out."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from daemon_support import PASSWORD, Staff, free_port, lapgate_run, wait_for
from werkzeug.security import generate_password_hash

pytestmark = pytest.mark.timeout(180)
EVENT = '[event]\nname = "Sessions"\nseason = "2026"\n'


def _config(tmp_path: Path, port: int, password: str = PASSWORD, **board: str) -> str:
    extra = "".join(f"{key} = {value}\n" for key, value in board.items())
    return (
        f"{EVENT}[board]\nport = {port}\n"
        f'staff_password_hash = "{generate_password_hash(password)}"\n'
        f'{extra}[store]\ndata_dir = "{tmp_path / "data"}"\n'
    )


def _copy(staff: Staff) -> requests.Session:
    """Someone else's session holding a copy of the staff cookie."""
    thief = requests.Session()
    thief.cookies.update(staff.session.cookies)
    return thief


def _act(session: requests.Session, staff: Staff, alias: str) -> int:
    response = session.post(
        f"{staff.base}/api/control/queue_add",
        json={"alias": alias},
        headers={"X-CSRF-Token": staff.token},
        timeout=10,
    )
    return response.status_code


def _form_token(session: requests.Session, base: str) -> str:
    page = session.get(f"{base}/control", timeout=5).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def _login(base: str, password: str, forwarded_for: str) -> int:
    with requests.Session() as session:
        token = _form_token(session, base)
        response = session.post(
            f"{base}/control/login",
            data={"password": password, "csrf_token": token},
            headers={"X-Forwarded-For": forwarded_for},
            allow_redirects=False,
            timeout=10,
        )
        return response.status_code


def test_copied_cookies_die_with_logout_and_a_password_change_not_a_restart(
    tmp_path: Path, sio_client: Any
) -> None:
    port = free_port()
    config = _config(tmp_path, port)
    with lapgate_run(tmp_path, config, port) as base:
        staff = Staff(base)
        thief = _copy(staff)
        assert _act(thief, staff, "Ada") == 200
        sio = sio_client()
        cookie = "; ".join(f"{c.name}={c.value}" for c in staff.session.cookies)
        sio.connect(
            base, namespaces=["/control"], auth={"csrf": staff.token}, headers={"Cookie": cookie}
        )
        assert sio.connected
        staff.session.post(f"{base}/control/logout", data={"csrf_token": staff.token}, timeout=5)
        assert _act(thief, staff, "Bob") == 401
        wait_for(lambda: not sio.connected, "the control socket closed after logout", 10)
        kept = Staff(base)
        kept_copy = _copy(kept)
        thief.close()
    with lapgate_run(tmp_path, config, port) as base:  # a restart keeps logins that hold
        assert _act(kept_copy, kept, "Cy") == 200
        assert _act(thief, staff, "Dee") == 401  # … but never revives an ended one
    changed = _config(tmp_path, port, password="a new staff password")
    with lapgate_run(tmp_path, changed, port) as base:
        assert _act(kept_copy, kept, "Eve") == 401
    kept_copy.close()


def test_log_out_everywhere_lifetime_secure_cookies_and_throttling_behind_a_proxy(
    tmp_path: Path,
) -> None:
    port = free_port()
    config = _config(
        tmp_path, port, trusted_proxies='["127.0.0.1"]', staff_session_hours="0.001"
    )  # 3.6 s
    with lapgate_run(tmp_path, config, port) as base:
        first, second = Staff(base), Staff(base)
        response = first.session.post(
            f"{base}/control/logout-everywhere",
            data={"csrf_token": first.token},
            allow_redirects=False,
            timeout=5,
        )
        assert response.status_code == 302
        assert _act(second.session, second, "Ada") == 401
        assert _act(first.session, first, "Ada") == 401

        https = requests.get(f"{base}/control", headers={"X-Forwarded-Proto": "https"}, timeout=5)
        assert "Secure" in https.headers["Set-Cookie"]
        plain = requests.get(f"{base}/control", timeout=5)
        assert "Secure" not in plain.headers["Set-Cookie"]

        for _ in range(5):
            assert _login(base, "guess", "192.168.5.66") == 401
        assert _login(base, PASSWORD, "192.168.5.66") == 429  # that address is slowed
        start = time.monotonic()
        assert _login(base, PASSWORD, "192.168.5.7") == 302  # staff on another tablet
        assert time.monotonic() - start < 2

        third = Staff(base)
        assert _act(third.session, third, "Bob") == 200
        time.sleep(4)  # the configured lifetime (3.6 s) is over
        assert _act(third.session, third, "Cy") == 401
