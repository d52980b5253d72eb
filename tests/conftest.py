"""Shared test fixtures.

Prerequisites outside Python (Chromium, PostgreSQL, Redis): with CI=true a missing one is a
failure; on a laptop the test skips and says what is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
RACE_DATA = SHARED_DATA / "deepracer-race-data"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
POSTGRES_URL = os.environ.get(
    "LAPGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LAPGATE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once when `lapgate` is not this checkout's, rather than test other code.

    The folders are imported as `lapgate.timer` etc. through the editable install in .venv
    (`make install`); a venv of another checkout or worktree would map them elsewhere.
    """
    import lapgate.timer

    found = Path(lapgate.timer.__file__).resolve().parent
    if found != ROOT / "timer":
        raise pytest.UsageError(
            f"lapgate.timer is imported from {found}, not from {ROOT / 'timer'}: "
            "install this checkout with `make install` (pip install -e .) and run its .venv"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups for `pytest -n N --dist loadgroup` (pytest-xdist, `make pytest`): each test
    file runs on one worker (its module fixtures are set up once), and every test that
    uses Redis on one worker, since their boards share Flask-SocketIO's Redis channel."""
    for item in items:
        group = "redis" if item.get_closest_marker("redis") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Fail in CI, skip elsewhere, when a prerequisite is missing."""
    if available:
        return
    if in_ci():
        pytest.fail(f"prerequisite missing in CI: {what}")
    pytest.skip(f"prerequisite missing: {what}")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def race_data() -> Path:
    require((RACE_DATA / "leaderboards.csv").exists(), f"league data in {RACE_DATA}")
    return RACE_DATA


@pytest.fixture(scope="session")
def chromium_path() -> str:
    require(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")), f"Debian chromium at {CHROMIUM}"
    )
    return CHROMIUM


@pytest.fixture(scope="session")
def postgres_url() -> str:
    require(port_open("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432 (database test)")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    require(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture
def sio_client() -> Iterator[Callable[..., Any]]:
    """Make Socket.IO clients whose HTTP sessions are closed at the end of the test.

    engine.io drops (never closes) the HTTP session of its polling handshake when a client
    disconnects or reconnects; its pooled socket would then be reported as unclosed at some
    later garbage collection, in whichever test runs then. Our own session is ours to close.
    """
    import requests
    import socketio

    made: list[tuple[Any, requests.Session]] = []

    def make(**options: Any) -> Any:
        http = requests.Session()
        client = socketio.Client(http_session=http, **options)
        made.append((client, http))
        return client

    yield make
    for client, http in made:
        client.disconnect()
        http.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, launched once for every browser test of the
    session (a second Playwright instance in the same process is refused)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
