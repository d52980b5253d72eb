"""Fan-out through Redis: the owner's /live updates reach phones connected to a spectator
process, in order and with the owner's snapshot; a spectator refuses staff."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.service import BoardServer
from lapgate.board.store import MemoryStore
from lapgate.board.sync.fanout import create_spectator_app
from lapgate.board.web import create_app
from lapgate.config import settings_from_dict
from lapgate.timer.events import Crossing
from lapgate.timer.units import NS_PER_S

pytestmark = [pytest.mark.redis, pytest.mark.timeout(60)]


class Owner:
    def __init__(self, redis_url: str) -> None:
        settings = settings_from_dict(
            {"event": {"name": "Fan-out", "season": "2026"}, "board": {"message_queue": redis_url}}
        )
        self.now_ns = 1_000 * NS_PER_S
        self.host = EngineHost(Race(MemoryStore(), settings, {"finish": lambda: self.now_ns}))
        self.server = BoardServer(create_app(settings, self.host, testing=True), "127.0.0.1", 0)

    def cross(self, after_s: float) -> None:
        self.now_ns += int(after_s * NS_PER_S)
        self.host.on_crossing(Crossing("finish", self.now_ns, "test"))
        self.host.sync()


@pytest.fixture
def owner(redis_url: str) -> Iterator[Owner]:
    running = Owner(redis_url)
    running.host.start()
    running.server.start()
    yield running
    running.server.stop()
    running.host.stop()


def listen(
    make: Callable[..., socketio.Client], url: str
) -> tuple[socketio.Client, queue.Queue[tuple[str, Any]]]:
    received: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = make(reconnection=False)
    client.on("snapshot", lambda data: received.put(("snapshot", data)), namespace="/live")
    client.on("update", lambda data: received.put(("update", data)), namespace="/live")
    client.connect(url, namespaces=["/live"], wait_timeout=10)
    return client, received


def test_updates_reach_phones_on_a_spectator(
    owner: Owner, redis_url: str, sio_client: Callable[..., socketio.Client]
) -> None:
    owner_url = f"http://127.0.0.1:{owner.server.port}"
    app, _sio = create_spectator_app(redis_url, owner_url)
    spectator = BoardServer(app, "127.0.0.1", 0)
    spectator.start()
    clients = []
    try:
        phone, on_phone = listen(sio_client, f"http://127.0.0.1:{spectator.port}")
        screen, on_screen = listen(sio_client, owner_url)
        clients += [phone, screen]
        kind, snapshot = on_phone.get(timeout=10)
        assert kind == "snapshot" and "seq" in snapshot
        assert on_screen.get(timeout=10)[0] == "snapshot"
        alias = f"Fan {uuid.uuid4().hex[:6]}"
        owner.host.call(lambda race: race.queue_add(None, race.add_racer(alias)))
        owner.host.call(lambda race: race.stage(None))
        for _ in range(4):
            owner.cross(10.0)
        phone_seqs, screen_seqs = [], []
        last_seq = owner.host.call(lambda race: owner.host.snapshot_now()["seq"])
        while not phone_seqs or phone_seqs[-1] < last_seq:
            kind, message = on_phone.get(timeout=10)
            assert kind == "update"
            phone_seqs.append(message["seq"])
        while not screen_seqs or screen_seqs[-1] < last_seq:
            screen_seqs.append(on_screen.get(timeout=10)[1]["seq"])
        assert phone_seqs == screen_seqs  # same messages, same order, none missing
        assert phone_seqs == list(range(snapshot["seq"] + 1, last_seq + 1))
        staff = sio_client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            staff.connect(
                f"http://127.0.0.1:{spectator.port}", namespaces=["/control"], wait_timeout=5
            )
    finally:
        for client in clients:
            client.disconnect()
        spectator.stop()
