"""Track updates as patches in a real browser: the big screen, the phone and the overlay
stay right through laps and corrections, after a missed update, and after a patch that
does not fit what the page holds (both end in a resync)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from web_support import Board

from lapgate.board.live.delta import apply_patch, diff

pytestmark = pytest.mark.browser
PAGES = ("/", "/m", "/overlay")

# Stop handing updates to live.js for the next `n` of them (a message lost on the way).
DROP_NEXT = """(n) => {
  const socket = window.__lapgate.socket;
  if (!window.__handlers) {
    window.__handlers = socket.listeners("update");
    socket.off("update");
    window.__dropped = [];
    window.__drop = 0;
    socket.on("update", (message) => {
      if (window.__drop > 0) { window.__drop -= 1; window.__dropped.push(message.seq); return; }
      window.__handlers.forEach((handler) => handler(message));
    });
  }
  window.__drop = n;
}"""


def _wait_live(page: Any) -> None:
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
    )


def _open(page: Any, served: str) -> list[Any]:
    pages = [page] + [page.context.new_page() for _ in PAGES[1:]]
    for opened, path in zip(pages, PAGES, strict=True):
        opened.goto(served + path)
        _wait_live(opened)
    return pages


def _tracks(tracks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in t.items() if k != "now_at_ms"} for t in tracks]


def _in_step(board: Board, pages: list[Any]) -> None:
    """Every page is at the host's last seq and holds the host's tracks (but the time)."""
    snapshot = board.host.snapshot()
    for opened in pages:
        opened.wait_for_function(
            f"window.__lapgate.seq === {snapshot['seq']} && !window.__lapgate.awaiting"
        )
        held = json.loads(opened.evaluate("JSON.stringify(window.__lapgate.state.tracks)"))
        assert _tracks(held) == _tracks(snapshot["tracks"]), opened.url


def _shown(pages: list[Any]) -> dict[str, Any]:
    screen, phone, overlay = pages
    return {
        "screen_laps": screen.inner_text("#laps").split(),
        "screen_best": screen.text_content("#best-lap"),
        "screen_board": screen.locator("#leaderboard li .name").all_text_contents(),
        "phone": (phone.text_content("#last-lap"), phone.text_content("#best-lap")),
        "phone_board": phone.locator("#leaderboard td.name").all_text_contents(),
        "overlay": (overlay.text_content("#last-lap"), overlay.text_content("#best-lap")),
        "overlay_board": overlay.locator("#leaderboard .name").all_text_contents(),
    }


def _race_two(board: Board) -> None:
    """Alice sets 9.5 in a finished run; Bob is on track, his run started."""
    board.queue("Alice", "Bob")
    board.stage()
    board.cross(1)
    board.cross(9.5)
    board.clock.advance(80)
    board.host.sync()  # time up
    board.stage()
    board.cross(1)


def test_pages_follow_patched_laps_and_corrections(board: Board, served: str, page: Any) -> None:
    _race_two(board)
    pages = _open(page, served)
    seen: list[dict[str, Any]] = []
    board.host.subscribe(seen.append)
    board.cross(9.25)  # Bob leads
    board.cross(9.75)
    _in_step(board, pages)
    assert [("track" in m, "patch" in m) for m in seen] == [(False, True)] * 2
    shown = _shown(pages)
    assert shown["screen_laps"] == ["1", "9.250", "2", "9.750"]
    assert shown["screen_best"] == "9.250"
    assert shown["phone"] == shown["overlay"] == ("9.750", "9.250")
    assert (
        shown["screen_board"] == shown["phone_board"] == shown["overlay_board"] == ["Bob", "Alice"]
    )
    board.host.execute("invalidate", {"lap": 1, "reason": "cut"})  # Alice leads again
    _in_step(board, pages)
    shown = _shown(pages)
    assert shown["phone"] == shown["overlay"] == ("9.750", "9.750")
    assert shown["phone_board"] == shown["overlay_board"] == ["Alice", "Bob"]
    event_id = board.host.snapshot()["tracks"][0]["run"]["undoable"][0]["event_id"]
    board.host.execute("undo", {"event_id": event_id})  # the invalidation undone
    board.host.execute("reset", {"delta": 1})
    _in_step(board, pages)
    shown = _shown(pages)
    assert shown["phone"] == ("9.750", "9.250")
    assert shown["screen_board"] == ["Bob", "Alice"]
    assert all(opened.evaluate("window.__lapgate.resyncs") == 0 for opened in pages)


def test_a_missed_update_resyncs_every_page(board: Board, served: str, page: Any) -> None:
    _race_two(board)
    pages = _open(page, served)
    for opened in pages:
        opened.evaluate(DROP_NEXT, 1)
    board.cross(9.25)  # lost by every page: its lap, its leaderboard change
    for opened in pages:
        opened.wait_for_function("window.__dropped.length === 1")
        assert opened.evaluate("window.__lapgate.resyncs") == 0
    board.cross(9.75)  # a patch after a gap: each page asks for a snapshot instead
    _in_step(board, pages)
    assert all(opened.evaluate("window.__lapgate.resyncs") == 1 for opened in pages)
    shown = _shown(pages)
    assert shown["screen_laps"] == ["1", "9.250", "2", "9.750"]
    assert shown["phone"] == shown["overlay"] == ("9.750", "9.250")
    assert (
        shown["screen_board"] == shown["phone_board"] == shown["overlay_board"] == ["Bob", "Alice"]
    )
    board.cross(9.0)  # and patches apply again after the resync
    _in_step(board, pages)
    assert _shown(pages)["phone"] == ("9.000", "9.000")
    assert all(opened.evaluate("window.__lapgate.resyncs") == 1 for opened in pages)


def test_a_patch_that_does_not_fit_resyncs(board: Board, served: str, page: Any) -> None:
    _race_two(board)
    [screen, phone, overlay] = _open(page, served)
    # the phone's copy of the leaderboard is not what the host last sent
    phone.evaluate("window.__lapgate.state.tracks[0].leaderboard = 'lost'")
    board.cross(9.25)
    _in_step(board, [screen, phone, overlay])
    assert phone.evaluate("window.__lapgate.resyncs") == 1
    assert screen.evaluate("window.__lapgate.resyncs") == 0
    assert phone.text_content("#last-lap") == "9.250"


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(6 if depth < 3 else 3)
    if kind == 0:
        return rng.choice([None, True, False, "", "x", 0.5, -1.25])
    if kind in (1, 2):
        return rng.randrange(-3, 4)
    if kind == 3:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(5))]
    if kind == 4:  # a row with an id, as in the views' lists
        return {
            "racer_id": rng.choice("abcdef"),
            "rank": rng.randrange(5),
            "gap": rng.randrange(5),
            "laps": [_random_json(rng, depth + 1) for _ in range(rng.randrange(3))],
        }
    return {rng.choice("abcd"): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _changed(rng: random.Random, value: Any, depth: int = 0) -> Any:
    if rng.random() < 0.15 or depth > 3:
        return _random_json(rng, depth)
    if isinstance(value, dict):
        out = {
            k: _changed(rng, v, depth + 1) if rng.random() < 0.4 else v for k, v in value.items()
        }
        if rng.random() < 0.3:
            out[rng.choice("abcd")] = _random_json(rng, depth + 1)
        if out and rng.random() < 0.2:
            out.pop(rng.choice(list(out)))
        return out
    if isinstance(value, list):
        out = [_changed(rng, v, depth + 1) if rng.random() < 0.4 else v for v in value]
        if rng.random() < 0.3:
            rng.shuffle(out)
        if rng.random() < 0.3:
            out.insert(rng.randrange(len(out) + 1), _random_json(rng, depth + 1))
        if out and rng.random() < 0.3:
            del out[rng.randrange(len(out))]
        return out
    if isinstance(value, int) and not isinstance(value, bool):
        return value + rng.randrange(-2, 3)
    return value


def test_live_js_applies_patches_as_python_does(served: str, page: Any) -> None:
    """live.js's `applyPatch` is the twin of delta.apply_patch: 600 random changes."""
    rng = random.Random(16)
    cases = []
    for _ in range(600):
        old = [_random_json(rng) for _ in range(rng.randrange(1, 6))]
        board_like = rng.random() < 0.5
        if board_like:  # leaderboard-like: rows that move and shift
            racers = [r for r in "abcdef" if rng.random() < 0.8]
            old = [{"racer_id": r, "rank": i, "gap": i * 3} for i, r in enumerate(racers)]
        new = _changed(rng, old)
        if board_like and len(old) > 2 and rng.random() < 0.5:  # a racer moves up
            mover = rng.randrange(1, len(old))
            passed = [{**row, "rank": row["rank"] + 1} for row in old[:mover]]
            new = [{**old[mover], "rank": 0}, *passed, *old[mover + 1 :]]
        cases.append({"old": old, "patch": diff(old, new), "new": new})
    page.goto(served + "/overlay")
    _wait_live(page)
    results = page.evaluate(
        "(cases) => cases.map((c) => JSON.stringify(Lapgate.applyPatch(c.old, c.patch)))", cases
    )
    for case, result in zip(cases, results, strict=True):
        assert apply_patch(case["old"], case["patch"]) == case["new"]
        assert json.loads(result) == case["new"], case
    ops = {
        op[0]
        for case in cases
        if isinstance(case["patch"], dict)
        for op in case["patch"].get("[", [])
    }
    assert ops == {"c", "n", "p", "s"}  # every kind of op was tried
