"""The Socket.IO push: snapshot on connect, numbered updates, gaps, resync."""

from __future__ import annotations

from typing import Any

from web_support import Board, screen_state

from lapgate.timer.events import Crossing
from lapgate.timer.units import NS_PER_S


def _received(client: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(m["name"], m["args"][0]) for m in client.get_received("/live")]


def test_connect_gets_a_full_snapshot(board: Board) -> None:
    board.queue("Alice")
    client = board.socketio.test_client(board.app, namespace="/live")
    board.host.sync()
    [(name, snapshot)] = _received(client)
    assert name == "snapshot"
    assert snapshot["seq"] == 1  # the queue change
    assert snapshot["event"]["name"] == "Test Summit"
    [track] = snapshot["tracks"]
    assert [entry["name"] for entry in track["queue"]] == ["Alice"]
    assert track["run"] is None
    assert snapshot["gates"]["finish"]["level"] == "unknown"


def test_crossings_arrive_as_numbered_updates_with_laps_and_leaderboard(board: Board) -> None:
    board.queue("Alice")
    board.stage()
    client = board.socketio.test_client(board.app, namespace="/live")
    board.host.sync()
    received = client.get_received("/live")
    snapshot_seq = received[0]["args"][0]["seq"]
    board.cross(1.0)  # rolling start
    board.cross(9.5)
    board.cross(9.25)
    packets = client.get_received("/live")
    updates = [(m["name"], m["args"][0]) for m in packets]
    assert [name for name, _ in updates] == ["update"] * 3
    assert [u["seq"] for _, u in updates] == [snapshot_seq + 1, snapshot_seq + 2, snapshot_seq + 3]
    last = updates[-1][1]
    assert last["event"]["kind"] == "crossing"
    assert "patch" in last and "track" not in last  # what changed, not the whole run
    [track] = screen_state(received + packets)["tracks"]
    run = track["run"]
    assert [lap["duration_ms"] for lap in run["laps"]] == [9500, 9250]
    assert run["best_lap_ms"] == 9250
    [standing] = track["leaderboard"]
    assert (standing["name"], standing["rank"], standing["value_ms"]) == ("Alice", 1, 9250)
    assert "personal_best" in last["highlights"]


def test_new_leader_is_highlighted(board: Board) -> None:
    board.queue("Alice", "Bob")
    board.stage()
    board.cross(1)
    board.cross(10)
    board.clock.advance(61)
    board.host.sync()  # time runs out (deadline + grace)
    board.stage()
    client = board.socketio.test_client(board.app, namespace="/live")
    board.host.sync()
    received = client.get_received("/live")
    board.cross(1)
    board.cross(9)
    packets = client.get_received("/live")
    (_, start), (_, update) = [(m["name"], m["args"][0]) for m in packets]
    assert start["highlights"] == []
    assert update["highlights"] == ["new_leader"]
    [track] = screen_state(received + packets)["tracks"]
    assert [s["name"] for s in track["leaderboard"]] == ["Bob", "Alice"]
    assert track["leaderboard"][1]["gap_to_leader_ms"] == 1000


def test_time_up_is_appended_by_the_host_clock(board: Board) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.clock.advance(60 + 10 + 0.001)  # past the deadline and the 10 s grace
    board.host.sync()
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["status"] == "finished"
    assert run["undoable"][0]["label"].endswith("time_up")


def test_resync_after_a_gap_sends_a_fresh_snapshot(board: Board) -> None:
    board.queue("Alice")
    client = board.socketio.test_client(board.app, namespace="/live")
    board.host.sync()
    client.get_received("/live")
    board.queue("Bob", "Carol")  # seq 2 and 3; a client that lost seq 2 asks again
    client.emit("resync", namespace="/live")
    board.host.sync()
    messages = _received(client)
    assert messages[-1][0] == "snapshot"
    assert messages[-1][1]["seq"] == 3
    names = [e["name"] for e in messages[-1][1]["tracks"][0]["queue"]]
    assert names == ["Alice", "Bob", "Carol"]


def test_every_update_is_stored_before_it_is_shown(board: Board) -> None:
    board.queue("Alice")
    run_id = board.stage()
    seen: list[int] = []

    def check(message: dict[str, Any]) -> None:
        if message.get("event"):
            stored = board.store.load_log(run_id).entries
            seen.append(len(stored))
            assert stored[-1].event_id == message["event"]["event_id"]

    board.host.subscribe(check)
    board.cross(1)
    board.cross(9)
    assert seen == [1, 2]


def test_host_rebuilds_runs_from_the_store(board: Board) -> None:
    from lapgate.board.live.host import EngineHost
    from lapgate.board.live.race import Race

    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(9.5)
    board.host.stop()
    race = Race(board.store, board.settings, {"finish": board.clock})
    host = EngineHost(race)
    host.start()
    try:
        track = host.snapshot()["tracks"][0]
        assert [lap["duration_ms"] for lap in track["run"]["laps"]] == [9500]
        assert track["leaderboard"][0]["name"] == "Alice"
    finally:
        host.stop()


def test_crossing_without_a_run_is_a_notice_not_a_crash(board: Board) -> None:
    client = board.socketio.test_client(board.app, namespace="/live")
    board.host.sync()
    client.get_received("/live")
    board.cross(1)
    [(_, update)] = _received(client)
    assert update["type"] == "notice"
    assert "no run staged" in update["text"]
    assert update["code"] == {"code": "unassigned", "gate": "finish"}  # pages word it


def test_a_run_whose_clock_went_back_is_timed_out(board: Board) -> None:
    """After a reboot the monotonic clock restarts: a run left running cannot go on."""
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(9)
    board.clock.now_ns = 5  # a fresh boot
    board.host.sync()
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["status"] == "finished"
    assert [lap["duration_ms"] for lap in run["laps"]] == [9000]


def test_gate_notices_set_the_health_lights(board: Board) -> None:
    from lapgate.board.live.race import Race

    def notice(race: Race, kind: str) -> None:
        race.gate_notice("finish", kind, f"{kind} detail", board.clock())

    board.host.call(lambda race: notice(race, "stuck"))
    assert board.host.snapshot()["gates"]["finish"]["level"] == "error"
    # the light's kind is its code: pages word "stuck" and keep the adapter's detail
    assert board.host.snapshot()["gates"]["finish"]["kind"] == "stuck"
    board.host.call(lambda race: notice(race, "started"))  # does not hide a real report
    assert board.host.snapshot()["gates"]["finish"]["level"] == "error"
    board.host.call(lambda race: notice(race, "released"))
    assert board.host.snapshot()["gates"]["finish"] == {
        "level": "ok",
        "kind": "released",
        "detail": "released detail",
    }


def test_run_view_shows_the_best_average_window_rounded_like_results(board: Board) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    for lap_s in (9.0, 9.0, 9.002, 12.0):
        board.cross(lap_s)
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["window_laps"] == 3
    assert run["window_ms"] == 9001  # 9000.667 ms, rounded half up as results are shown
    assert run["window_lap_numbers"] == [1, 2, 3]


def test_a_run_timed_on_another_boot_is_timed_out_on_start_up(board: Board) -> None:
    """A run records its clock id; after a reboot (new id) it cannot go on."""
    from lapgate.board.live.host import EngineHost
    from lapgate.board.live.race import Race

    board.host.stop()
    race = Race(board.store, board.settings, {"finish": board.clock}, {"finish": "boot-1"})
    host = EngineHost(race)
    host.start()
    host.call(lambda race: race.queue_add(None, race.add_racer("Alice")))
    run_id = host.call(lambda race: race.stage(None))
    host.call(lambda race: race.crossing(Crossing("finish", board.clock.advance(1), "t")))
    host.call(lambda race: race.crossing(Crossing("finish", board.clock.advance(9), "t")))
    assert host.snapshot()["tracks"][0]["run"]["status"] == "running"
    host.stop()
    assert board.store.list_runs(race.track().round_id)[0].clock_id == "boot-1"
    rebooted = Race(board.store, board.settings, {"finish": board.clock}, {"finish": "boot-2"})
    host = EngineHost(rebooted)
    host.start()
    try:
        host.sync()
        run = host.snapshot()["tracks"][0]["run"]
        assert run["run_id"] == run_id and run["status"] == "finished"
        assert [lap["duration_ms"] for lap in run["laps"]] == [9000]
        # The new boot's monotonic clock starts near zero: its crossings must not be
        # timed against the old run's instants.
        board.clock.now_ns = 20 * NS_PER_S
        assert host.call(lambda race: race.crossing(Crossing("finish", board.clock(), "t"))) is None
        run = host.snapshot()["tracks"][0]["run"]
        assert [lap["duration_ms"] for lap in run["laps"]] == [9000]
        assert len(board.store.load_log(run_id).entries) == 3  # two crossings and TimeUp
    finally:
        host.stop()


def test_a_run_staged_before_a_reboot_moves_to_the_new_clock(board: Board) -> None:
    from lapgate.board.live.host import EngineHost
    from lapgate.board.live.race import Race

    board.host.stop()
    race = Race(board.store, board.settings, {"finish": board.clock}, {"finish": "boot-1"})
    host = EngineHost(race)
    host.start()
    host.call(lambda race: race.queue_add(None, race.add_racer("Bea")))
    run_id = host.call(lambda race: race.stage(None))
    host.stop()
    board.clock.now_ns = 20 * NS_PER_S
    rebooted = Race(board.store, board.settings, {"finish": board.clock}, {"finish": "boot-2"})
    host = EngineHost(rebooted)
    host.start()
    try:
        host.sync()
        assert board.store.list_runs(rebooted.track().round_id)[0].clock_id == "boot-2"
        host.call(lambda race: race.crossing(Crossing("finish", board.clock.advance(1), "t")))
        host.call(lambda race: race.crossing(Crossing("finish", board.clock.advance(9), "t")))
        run = host.snapshot()["tracks"][0]["run"]
        assert run["run_id"] == run_id and run["status"] == "running"
        assert [lap["duration_ms"] for lap in run["laps"]] == [9000]
    finally:
        host.stop()
