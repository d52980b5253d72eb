"""A phone on a `lapgate spectate` process (gevent) gets a real `lapgate run` owner's
snapshot and every update in order, through Redis; the spectator refuses staff."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import socketio
from daemon_support import ROOT, Staff, free_port, lapgate_run, venue_sections, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.timeout(120)]


def owner_config(tmp_path: Path, port: int, redis_url: str) -> str:
    return (
        '[event]\nname = "Fan-out"\nseason = "2026"\n[round]\nlockout_s = 0\n'
        '[[gate]]\nid = "finish"\nkind = "gpio"\npin_factory = "mock"\n'
        '[[track]]\nid = "track-1"\ngate = "finish"\n'
        + venue_sections(tmp_path, port).replace(
            "[store]", f'message_queue = "{redis_url}"\n[store]', 1
        )
    )


def test_a_phone_on_a_gevent_spectator_follows_the_owner(
    tmp_path: Path, redis_url: str, sio_client: Callable[..., socketio.Client]
) -> None:
    port, spectator_port = free_port(), free_port()
    config = owner_config(tmp_path, port, redis_url)
    with lapgate_run(tmp_path, config, port) as base:
        log = (tmp_path / "spectator.log").open("wb")
        command = [sys.executable, "-c", "from lapgate.board.cli import main; main()"]
        command += ["spectate", "--message-queue", redis_url, "--owner", base]
        spectator = subprocess.Popen(
            [*command, "--port", str(spectator_port)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=log,
        )
        try:
            _follow(base, f"http://127.0.0.1:{spectator_port}", sio_client)
        finally:
            spectator.terminate()
            assert spectator.wait(timeout=30) is not None
            log.close()
    text = (tmp_path / "spectator.log").read_text()
    assert "spectator (gevent)" in text and "Traceback" not in text, text


def _follow(base: str, spectator_url: str, sio_client: Callable[..., socketio.Client]) -> None:
    import requests

    wait_for(lambda: _answers(requests, spectator_url), "the spectator answers", 60)
    staff = Staff(base)
    staff.act("queue_add", alias="Ada")
    staff.act("stage")
    received: queue.Queue[tuple[str, Any]] = queue.Queue()
    phone = sio_client(reconnection=False)
    phone.on("snapshot", lambda data: received.put(("snapshot", data)), namespace="/live")
    phone.on("update", lambda data: received.put(("update", data)), namespace="/live")
    phone.connect(spectator_url, namespaces=["/live"], wait_timeout=10)
    try:
        kind, snapshot = received.get(timeout=20)
        assert kind == "snapshot" and snapshot["tracks"][0]["run"]["racer"] == "Ada"
        for _ in range(4):
            staff.act("manual_lap")
        last = staff.get("/api/snapshot")["seq"]
        seqs: list[int] = []
        while not seqs or seqs[-1] < last:
            kind, message = received.get(timeout=20)
            assert kind == "update"
            seqs.append(message["seq"])
        assert seqs == list(range(snapshot["seq"] + 1, last + 1))  # none missing, in order
        staff_phone = sio_client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            staff_phone.connect(spectator_url, namespaces=["/control"], wait_timeout=5)
    finally:
        phone.disconnect()


def _answers(requests: Any, url: str) -> bool:
    try:
        return bool(requests.get(f"{url}/healthz", timeout=2).ok)
    except requests.ConnectionError:
        return False
