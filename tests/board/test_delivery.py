"""Delivery off the host thread, bounded queues and limited resyncs, without sockets or time.

The parts are driven directly: a `Delivery` whose emit the test holds, `SnapshotRequests`
on a fake clock and a fake scheduler, a `SendQueue` filled past its bound.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from lapgate.board.web.delivery import Delivery
from lapgate.board.web.live import SnapshotRequests
from lapgate.board.web.sockets import SendQueue


class HeldEmit:
    """An emit that records its calls and blocks until released (the delivery thread is
    then busy, so what the host queues meanwhile waits in the queue)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, str | None]] = []
        self.release = threading.Event()
        self.entered = threading.Event()

    def __call__(self, event: str, data: Any, to: str | None = None, namespace: str = "") -> None:
        self.entered.set()
        self.release.wait(timeout=30)
        self.calls.append((event, data["seq"], to))


def test_updates_and_snapshots_go_out_in_the_order_the_host_queued_them() -> None:
    emit = HeldEmit()
    emit.release.set()
    delivery = Delivery(emit)
    sent: list[str] = []
    delivery.update({"seq": 1})
    delivery.snapshot("a", {"seq": 1}, lambda: sent.append("a"))
    delivery.update({"seq": 2})
    assert delivery.drain(30)
    assert emit.calls == [("update", 1, None), ("snapshot", 1, "a"), ("update", 2, None)]
    assert sent == ["a"]
    delivery.stop()


def test_a_screens_superseded_snapshot_is_not_sent() -> None:
    emit = HeldEmit()
    delivery = Delivery(emit)
    delivery.update({"seq": 1})
    assert emit.entered.wait(30)  # the delivery thread holds update 1
    delivery.snapshot("a", {"seq": 1})
    delivery.snapshot("b", {"seq": 1})
    delivery.update({"seq": 2})
    delivery.snapshot("a", {"seq": 2})
    emit.release.set()
    assert delivery.drain(30)
    assert emit.calls == [
        ("update", 1, None),
        ("snapshot", 1, "b"),
        ("update", 2, None),
        ("snapshot", 2, "a"),
    ]
    delivery.stop()


def test_past_the_bound_the_oldest_updates_are_dropped_and_screens_see_a_gap() -> None:
    emit = HeldEmit()
    delivery = Delivery(emit, max_updates=3)
    delivery.update({"seq": 1})
    assert emit.entered.wait(30)
    for seq in range(2, 8):
        delivery.update({"seq": seq})
    assert delivery.pending == 3
    emit.release.set()
    assert delivery.drain(30)
    assert [seq for _, seq, _ in emit.calls] == [1, 5, 6, 7]  # 2-4 dropped: a gap, a resync
    assert delivery.dropped == 3
    delivery.stop()


def test_stop_delivers_what_is_queued() -> None:
    emit = HeldEmit()
    delivery = Delivery(emit)
    delivery.update({"seq": 1})
    assert emit.entered.wait(30)
    delivery.update({"seq": 2})
    emit.release.set()
    delivery.stop()
    assert [seq for _, seq, _ in emit.calls] == [1, 2]


class FakeTime:
    def __init__(self) -> None:
        self.now_s = 100.0
        self.scheduled: list[tuple[float, Callable[[], None]]] = []

    def clock(self) -> float:
        return self.now_s

    def schedule(self, delay_s: float, action: Callable[[], None]) -> None:
        self.scheduled.append((self.now_s + delay_s, action))

    def run_due(self) -> None:
        due = [item for item in self.scheduled if item[0] <= self.now_s]
        self.scheduled = [item for item in self.scheduled if item[0] > self.now_s]
        for _, action in due:
            action()


def make_requests(fake: FakeTime) -> tuple[SnapshotRequests, list[str]]:
    asked: list[str] = []
    requests = SnapshotRequests(
        asked.append, interval_s=0.5, burst=3, clock=fake.clock, schedule=fake.schedule
    )
    return requests, asked


def test_a_resync_while_a_snapshot_is_on_its_way_is_answered_by_it() -> None:
    fake = FakeTime()
    requests, asked = make_requests(fake)
    requests.request("a")
    for _ in range(50):
        requests.request("a")
    assert asked == ["a"]
    assert requests.coalesced == 50
    requests.sent("a")
    requests.request("a")
    assert asked == ["a", "a"]


def test_a_flood_of_resyncs_costs_one_snapshot_per_interval_and_none_after_it() -> None:
    fake = FakeTime()
    requests, asked = make_requests(fake)
    for _ in range(1000):  # 1,000 requests over 2 s, each snapshot delivered at once
        fake.now_s += 0.002
        fake.run_due()
        requests.request("a")
        if asked and asked[-1] == "a":
            requests.sent("a")
    assert 3 <= len(asked) <= 3 + 2 / 0.5 + 1  # the burst, then one per 0.5 s
    fake.now_s += 10
    fake.run_due()
    settled = len(asked)
    fake.now_s += 60
    fake.run_due()
    assert len(asked) == settled  # nothing left over once the flood stopped


def test_a_deferred_request_is_answered_once_the_interval_is_over() -> None:
    fake = FakeTime()
    requests, asked = make_requests(fake)
    for _ in range(3):
        requests.request("a")
        requests.sent("a")
    requests.request("a")  # past the burst: it waits, the screen is not forgotten
    assert len(asked) == 3
    fake.now_s += 0.5
    fake.run_due()
    assert len(asked) == 4
    requests.request("b")  # another screen has its own tokens
    assert asked[-1] == "b"


def test_a_screen_that_disconnects_while_deferred_is_not_sent_a_snapshot() -> None:
    fake = FakeTime()
    requests, asked = make_requests(fake)
    for _ in range(3):
        requests.request("a")
        requests.sent("a")
    requests.request("a")
    requests.forget("a")
    fake.now_s += 1
    fake.run_due()
    assert len(asked) == 3


def test_a_send_queue_past_its_bound_is_emptied_stops_its_writer_and_calls_overflow() -> None:
    overflows: list[int] = []
    packets = SendQueue(max_packets=4)
    packets.on_overflow = lambda: overflows.append(1)
    for n in range(4):
        packets.put(n)
    assert packets.qsize() == 4 and not packets.overflowed
    packets.put(4)
    for n in range(100):
        packets.put(n)
    assert packets.overflowed
    assert overflows == [1]
    assert packets.get(block=False) is None  # the writer's "stop"
    packets.task_done()
    assert packets.qsize() == 0
    packets.join()  # engine.io's close(wait=True) does not hang on dropped packets
