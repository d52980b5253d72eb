"""Brackets on the board through the Flask test client: pages, JSON, staff actions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from brackets_support import Staff, open_bracket, play_staged, qualify, race_run
from web_support import Board, FakeClock, make_settings

from lapgate.board.live import brackets as live_brackets
from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store.sql import SqlStore
from lapgate.board.web import create_app
from lapgate.config import settings_from_dict
from lapgate.config.settings import Settings
from lapgate.timer.units import NS_PER_S


@pytest.fixture
def staff(board: Board) -> Staff:
    return Staff(board.app.test_client())


def _view(board: Board, bracket_id: str = "latest") -> dict[str, Any]:
    response = board.app.test_client().get(f"/api/brackets/{bracket_id}")
    assert response.status_code == 200, response.json
    view: dict[str, Any] = response.json
    return view


def _match(view: dict[str, Any], match_id: str) -> dict[str, Any]:
    for bracket in view["brackets"]:
        for round_ in bracket["rounds"]:
            for match in round_["matches"]:
                if match["id"] == match_id:
                    return match
    raise AssertionError(match_id)


def test_pages_render(board: Board) -> None:
    client = board.app.test_client()
    screen = client.get("/brackets")
    assert screen.status_code == 200
    assert b'id="bk-trees"' in screen.data and b'data-mode="screen"' in screen.data
    assert b"js/brackets.js" in screen.data and b"css/brackets.css" in screen.data
    phone = client.get("/m/brackets?id=%3Cb%3E")
    assert phone.status_code == 200
    assert b'data-mode="phone"' in phone.data
    assert b'data-bracket="&lt;b&gt;"' in phone.data  # the query string is escaped


def test_no_bracket_yet_is_204_and_an_unknown_one_404_json(board: Board) -> None:
    client = board.app.test_client()
    assert client.get("/api/brackets").json == []
    response = client.get("/api/brackets/latest")  # every page load asks: not an error
    assert (response.status_code, response.data) == (204, b"")
    unknown = client.get("/api/brackets/nope")
    assert unknown.status_code == 404 and "bracket" in unknown.json["error"]


def test_open_seeds_from_the_leaderboard_and_opens_a_round(board: Board, staff: Staff) -> None:
    ids = qualify(board, ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay"])
    qualifying_round = board.host.call(lambda race: race.track(None).round_id)
    bracket_id = open_bracket(staff, size=6, kind="double", stop_at=3, name="Final 6")
    view = _view(board, bracket_id)
    assert [b["side"] for b in view["brackets"]] == ["winners", "losers", "grand_final"]
    assert [b["title"] for b in view["brackets"][:2]] == [
        "Undefeated bracket",
        "Last chance bracket",
    ]
    assert (view["kind"], view["size"], view["stop_at"], view["name"]) == (
        "double",
        6,
        3,
        "Final 6",
    )
    w1 = view["brackets"][0]["rounds"][0]["matches"]
    # standard seeding with byes for the top seeds: 1 v bye, 4 v 5, 2 v bye, 3 v 6
    pairs = [
        (
            m["top"]["racer"] and m["top"]["racer"]["name"],
            m["bottom"]["racer"] and m["bottom"]["racer"]["name"],
        )
        for m in w1
    ]
    assert pairs == [("Ann", None), ("Dan", "Eve"), ("Ben", None), ("Cat", "Fay")]
    assert w1[0]["bottom"]["bye"] is True and w1[0]["status"] == "walkover"
    assert view["current_match"] == "W1-2" and _match(view, "W1-2")["current"] is True
    assert _match(view, "W1-2")["top"]["racer"]["id"] == ids["Dan"]
    track_round = board.host.call(lambda race: race.track(None).round_id)
    assert track_round == view["round_id"] != qualifying_round
    listing = board.app.test_client().get("/api/brackets").json
    assert [(b["bracket_id"], b["size"], b["current_match"]) for b in listing] == [
        (bracket_id, 6, "W1-2")
    ]


def test_stage_queues_the_match_in_running_order(board: Board, staff: Staff) -> None:
    ids = qualify(board, ["Ann", "Ben", "Cat", "Dan"])
    bracket_id = open_bracket(staff, kind="single", attempts=2)
    response = staff.post(f"/api/brackets/{bracket_id}/stage")
    assert response.status_code == 200, response.json
    assert response.json["match_id"] == "W1-1"
    queue = board.host.call(
        lambda race: [e.racer_id for e in race.queues[race.track(None).round_id]]
    )
    assert queue == [ids["Ann"], ids["Dan"], ids["Ann"], ids["Dan"]]
    assert _view(board)["staged"] == "W1-1"
    again = staff.post(f"/api/brackets/{bracket_id}/stage", {"match_id": "W1-2"})
    assert again.status_code == 409 and "W1-1 is staged" in again.json["error"]
    replaced = staff.post(
        f"/api/brackets/{bracket_id}/stage", {"match_id": "W1-2", "replace": True}
    )
    assert replaced.status_code == 200
    queue = board.host.call(
        lambda race: [e.racer_id for e in race.queues[race.track(None).round_id]]
    )
    assert queue == [ids["Ben"], ids["Cat"], ids["Ben"], ids["Cat"]]


def test_decide_from_runs_fills_in_the_result_and_broadcasts(board: Board, staff: Staff) -> None:
    ids = qualify(board, ["Ann", "Ben", "Cat", "Dan"])
    bracket_id = open_bracket(staff, kind="double")
    socket = board.socketio.test_client(board.app, namespace="/live")
    socket.get_received("/live")
    staff.post(f"/api/brackets/{bracket_id}/stage")
    play_staged(board, [12.0, 12.5], [11.0, 11.4])  # Dan (seed 4) is faster than Ann
    response = staff.post(f"/api/brackets/{bracket_id}/decide")
    assert response.status_code == 200, response.json
    assert response.json["winner_id"] == ids["Dan"]
    assert response.json["reason"] == "12.000 v 11.000"
    view = _view(board, bracket_id)
    w11 = _match(view, "W1-1")
    assert (w11["status"], w11["winner"]["name"], w11["loser"]["name"]) == ("decided", "Dan", "Ann")
    assert w11["note"] == "12.000 v 11.000" and w11["current"] is False
    assert _match(view, "L1-1")["top"]["racer"]["name"] == "Ann"  # dropped to last chance
    assert view["current_match"] == "W1-2" and view["staged"] is None
    left = board.host.call(lambda race: race.queues[race.track(None).round_id])
    assert left == []  # the second attempts nobody used left the queue
    pushed = [
        m["args"][0]["bracket"]
        for m in socket.get_received("/live")
        if m["name"] == "update" and m["args"][0]["type"] == "bracket"
    ]
    assert pushed and pushed[-1]["rev"] == view["rev"]
    assert _match(pushed[-1], "W1-1")["winner"]["id"] == ids["Dan"]
    socket.disconnect(namespace="/live")


def test_correct_and_undo_recompute_downstream(board: Board, staff: Staff) -> None:
    ids = qualify(board, ["Ann", "Ben", "Cat", "Dan"])
    bracket_id = open_bracket(staff, kind="single")
    for _ in range(2):
        staff.post(f"/api/brackets/{bracket_id}/stage")
        play_staged(board, [10.0], [11.0])  # the top seed wins both semi-finals
        assert staff.post(f"/api/brackets/{bracket_id}/decide").status_code == 200
    assert _match(_view(board), "W2-1")["top"]["racer"]["name"] == "Ann"
    fixed = staff.post(
        f"/api/brackets/{bracket_id}/correct",
        {"match_id": "W1-1", "winner_id": ids["Dan"], "note": "gate fault"},
    )
    assert fixed.status_code == 200, fixed.json
    view = _view(board)
    assert _match(view, "W1-1")["winner"]["name"] == "Dan"
    assert _match(view, "W1-1")["note"] == "gate fault"
    assert _match(view, "W2-1")["top"]["racer"]["name"] == "Dan"
    assert view["events"][0] == {
        "event_id": 3,
        "label": "W1-1: Dan beat Ann (gate fault)",
        "match_id": "W1-1",  # the label's parts, for pages that word it in their language
        "winner": "Dan",
        "loser": "Ann",
        "note": "gate fault",
        "active": True,
    }
    undone = staff.post(f"/api/brackets/{bracket_id}/undo")
    assert undone.json == {"ok": True, "undone": 3}
    view = _view(board)
    assert _match(view, "W2-1")["top"]["racer"]["name"] == "Ann"
    assert view["events"][0]["label"] == "undo of #3"
    assert view["events"][0]["undo_of"] == 3


def test_tie_rerun_and_no_show(board: Board, staff: Staff) -> None:
    ids = qualify(board, ["Ann", "Ben"])
    bracket_id = open_bracket(staff, kind="single", tie="rerun", attempts=1)
    staff.post(f"/api/brackets/{bracket_id}/stage")
    play_staged(board, [10.0], [10.0])
    tie = staff.post(f"/api/brackets/{bracket_id}/decide")
    assert tie.status_code == 409 and "tie, re-run" in tie.json["error"]
    assert staff.post(f"/api/brackets/{bracket_id}/stage", {"replace": True}).status_code == 200
    race_run(board, [9.0])  # Ann runs again; Ben does not show up
    gone = staff.post(f"/api/brackets/{bracket_id}/decide", {"no_show": [ids["Ben"]]})
    assert gone.status_code == 200, gone.json
    assert gone.json["winner_id"] == ids["Ann"] and "no-show" in gone.json["reason"]
    view = _view(board)
    assert view["finished"] is True and view["champion"]["name"] == "Ann"


def test_brackets_rebuilt_on_start_up(board: Board, staff: Staff) -> None:
    qualify(board, ["Ann", "Ben", "Cat", "Dan"])
    bracket_id = open_bracket(staff, kind="double", stop_at=3)
    staff.post(f"/api/brackets/{bracket_id}/stage")
    play_staged(board, [10.0], [11.0])
    staff.post(f"/api/brackets/{bracket_id}/decide")
    staff.post(f"/api/brackets/{bracket_id}/stage")
    before = _view(board, bracket_id)

    def reload(race: Race) -> dict[str, Any]:
        live_brackets.load(race)
        return live_brackets.view(race, live_brackets.get(race, bracket_id))

    rebuilt = board.host.call(reload)
    assert rebuilt == before
    assert rebuilt["staged"] == "W1-2"


UNAUTHENTICATED = [
    ("/api/brackets", {"size": 2}),
    ("/api/brackets/x/stage", {}),
    ("/api/brackets/x/unstage", {}),
    ("/api/brackets/x/decide", {}),
    ("/api/brackets/x/correct", {"match_id": "W1-1", "winner_id": "a"}),
    ("/api/brackets/x/undo", {}),
]


@pytest.mark.parametrize(("path", "payload"), UNAUTHENTICATED)
def test_staff_endpoints_reject_strangers(board: Board, path: str, payload: Any) -> None:
    client = board.app.test_client()
    response = client.post(path, json=payload)
    assert response.status_code == 401
    assert "staff login required" in response.json["error"]
    staff = Staff(board.app.test_client())
    no_csrf = staff.client.post(path, json=payload)
    assert no_csrf.status_code == 403
    assert board.app.test_client().get("/api/brackets").json == []


BAD_OPEN = [
    ({"size": "x"}, 400, "size: got 'x'"),
    ({"size": 1}, 400, "size: got 1"),
    ({"kind": "triple"}, 400, "kind: got 'triple'"),
    ({"attempts": 0}, 400, "attempts: got 0"),
    ({"tie": "coin"}, 400, "tie: got 'coin'"),
    ({"format": "slowest"}, 400, "format: got 'slowest'"),
    ({"grand_final_reset": "yes"}, 400, "grand_final_reset: got 'yes'"),
    ({"seeds": "abc"}, 400, "seeds: got 'abc'"),
    ({"seeds": ["nobody", "else"]}, 404, "racer: got 'nobody'"),
    ({"stop_at": 9}, 400, "stop_at: got 9"),
    ({"size": 9}, 409, "size: got 9"),
    ({"round_name": "Heat"}, 400, "round_name: got 'Heat', expected no such field"),
    ({"source_round_id": "r0"}, 404, "source_round_id: got 'r0'"),
    ({"track_id": "moon"}, 404, "track: got 'moon'"),
]


@pytest.mark.parametrize(("payload", "status", "named"), BAD_OPEN)
def test_bad_open_payloads_name_the_value(
    board: Board, staff: Staff, payload: dict[str, Any], status: int, named: str
) -> None:
    qualify(board, ["Ann", "Ben", "Cat"])
    response = staff.post("/api/brackets", payload)
    assert response.status_code == status, response.json
    assert named in response.json["error"]


def test_bad_action_payloads_name_the_value(board: Board, staff: Staff) -> None:
    ids = qualify(board, ["Ann", "Ben", "Cat", "Dan"])
    bracket_id = open_bracket(staff, kind="single")
    base = f"/api/brackets/{bracket_id}"
    checks = [
        (f"{base}/stage", {"match_id": "W9-9"}, 409, "match id: got 'W9-9'"),
        (f"{base}/stage", {"match_id": "W2-1"}, 409, "W2-1 is waiting"),
        (f"{base}/decide", {}, 409, "no match of Bracket is staged"),
        (f"{base}/correct", {"match_id": "W1-1"}, 400, "winner_id: got nothing"),
        (f"{base}/correct", {"match_id": "W1-1", "winner_id": ids["Ben"]}, 409, "got winner"),
        (f"{base}/undo", {"event_id": "one"}, 400, "event_id: got 'one'"),
        (f"{base}/undo", {}, 409, "no result to undo"),
        (f"{base}/unstage", {}, 409, "no match of Bracket is staged"),
        (f"{base}/fly", {}, 404, "bracket action: got 'fly'"),
        ("/api/brackets/nope/stage", {}, 404, "bracket: got 'nope'"),
    ]
    for path, payload, status, named in checks:
        response = staff.post(path, payload)
        assert response.status_code == status, (path, response.json)
        assert named in response.json["error"], (path, response.json)
    staff.post(f"{base}/stage")
    bad = staff.post(f"{base}/decide", {"no_show": [ids["Ben"]]})
    assert bad.status_code == 400 and f"no_show: got ['{ids['Ben']}']" in bad.json["error"]
    text = staff.client.post(
        f"{base}/stage", data="not json", headers={"X-CSRF-Token": staff.token}
    )
    assert text.status_code == 400 and "JSON object" in text.json["error"]


def test_pages_load_only_local_assets(board: Board) -> None:
    client = board.app.test_client()
    for page in ("/brackets", "/m/brackets", "/standings"):
        html = client.get(page).get_data(as_text=True)
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls
        for url in urls:
            assert url.startswith("/"), f"{page} loads {url}"
            if url.startswith("/static/"):
                response = client.get(url)
                assert response.status_code == 200, url
                response.close()
    control_css = client.get("/static/css/brackets-control.css")  # loaded by its script
    assert control_css.status_code == 200
    control_css.close()
    nav = client.get("/m").get_data(as_text=True)
    assert 'href="/m/brackets"' in nav and 'href="/standings"' in nav


def test_a_bracket_round_of_the_program_opens_its_bracket(tmp_path: Path) -> None:
    settings = make_settings()
    plan = settings_from_dict(
        {
            **settings.model_dump(mode="json", exclude_none=True),
            "rounds": [
                {"name": "Round of 8", "advance": "top", "advance_count": 4},
                {
                    "name": "Final 8",
                    "kind": "bracket",
                    "entry_from": ["Round of 8"],
                    "bracket": "double",
                    "stop_at": 3,
                    "attempts": 3,
                    "tie": "rerun",
                    "time_limit_s": 90,
                },
            ],
        }
    )
    store = SqlStore(f"sqlite:///{tmp_path / 'plan.db'}")
    first = _board_on(plan, store)
    try:
        staff = Staff(first.app.test_client())
        assert staff.post("/api/control/round_open", {"round_id": "Round of 8"}).status_code == 200
        qualify(first, ["Ann", "Ben", "Cat", "Dan", "Eve"])
        closed = staff.post("/api/control/round_close", {"round_id": "Round of 8"})
        assert closed.status_code == 200, closed.json
        opened = staff.post("/api/control/round_open", {"round_id": "Final 8"})
        assert opened.status_code == 200, opened.json
        bracket_id = staff.client.get("/api/brackets/latest").json["bracket_id"]
        view = _view(first, bracket_id)
        assert (view["name"], view["kind"], view["stop_at"]) == ("Final 8", "double", 3)
        assert view["size"] == 4  # the round of 8's top 4: Ann, Ben, Cat, Dan
        assert _match(view, "W1-1")["top"]["racer"]["name"] == "Ann"
        assert view["rules"]["attempts"] == 3 and view["rules"]["tie"] == "rerun"
        config = first.host.call(lambda race: race.rounds[view["round_id"]].run_config)
        assert config.time_limit_ns == 90 * NS_PER_S  # the plan round's time per run
        staff.post(f"/api/brackets/{bracket_id}/stage")
        play_staged(first, [9.0], [9.9])
        assert staff.post(f"/api/brackets/{bracket_id}/decide").status_code == 200
        before = _view(first, bracket_id)
    finally:
        first.host.stop()
    # a restart on the same database: the bracket, its round and its results come back
    second = _board_on(plan, store)
    try:
        after = _view(second)
        assert after == before
        assert _match(after, "W1-1")["winner"]["name"] == "Ann"
        assert second.host.call(lambda race: race.track(None).round_id) == after["round_id"]
    finally:
        second.host.stop()
        store.close()


def _board_on(settings: Settings, store: SqlStore) -> Board:
    clock = FakeClock()
    race = Race(store, settings, {"finish": clock})
    host = EngineHost(race, tick_s=0.01)
    app = create_app(settings, host, testing=True)
    host.start()
    return Board(settings, clock, store, host, app)  # type: ignore[arg-type]


def test_a_store_failure_changes_nothing(
    board: Board, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = qualify(board, ["Ann", "Ben"])
    bracket_id = open_bracket(staff, kind="single", attempts=1)
    staff.post(f"/api/brackets/{bracket_id}/stage")
    play_staged(board, [9.0], [9.5])
    before = _view(board)

    def broken(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(board.store, "save_bracket", broken)
    failed = staff.post(f"/api/brackets/{bracket_id}/decide")
    assert failed.status_code == 503 and "disk full" in failed.json["error"]
    assert _view(board) == before  # still staged, no result
    monkeypatch.undo()
    done = staff.post(f"/api/brackets/{bracket_id}/decide")
    assert done.status_code == 200 and done.json["winner_id"] == ids["Ann"]


def test_a_damaged_document_is_left_out(
    board: Board, staff: Staff, caplog: pytest.LogCaptureFixture
) -> None:
    qualify(board, ["Ann", "Ben"])
    good = open_bracket(staff, kind="single")
    round_id = _view(board, good)["round_id"]
    board.store.save_bracket("broken", round_id, {"match": {"format": "nope"}})

    def reload(race: Race) -> list[str]:
        live_brackets.load(race)
        return list(race.brackets)

    assert board.host.call(reload) == [good]
    assert "bracket broken not loaded" in caplog.text
