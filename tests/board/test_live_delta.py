"""Track updates as patches: applying them to what a screen holds gives what was sent.

`board/live/delta.py` makes the patches; `apply_update` is the Python twin of live.js's
`apply`. The property tests drive a real engine host with random staff commands and
crossings on two tracks that race one round (so a lap on one changes the other's
leaderboard without a message of its own), with one screen in step from the start and one
that joins part-way through.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_support import FakeClock

from lapgate.board.live.delta import (
    ID_KEYS,
    PatchError,
    TrackDeltas,
    apply_patch,
    apply_update,
    diff,
)
from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store import MemoryStore
from lapgate.config import settings_from_dict
from lapgate.timer.errors import LapgateError
from lapgate.timer.events import Crossing

# ---- diff and apply on any JSON -------------------------------------------------------

# No bools: Python's `==` takes True for 1 (see the module's docstring); views never mix them.
scalars = st.none() | st.integers(-5, 5) | st.text(max_size=3) | st.floats(allow_nan=False)
keys = st.sampled_from(["a", "b", "c", *ID_KEYS])
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)


def _mutate(data: st.DataObject, value: Any, depth: int = 0) -> Any:
    """A value like `value`: some items kept, some changed, moved, added or dropped."""
    choice = data.draw(st.integers(0, 4))
    if choice == 0 or depth > 3:
        return data.draw(json_values)
    if isinstance(value, dict) and choice in (1, 2, 3):
        out = {
            k: _mutate(data, v, depth + 1) if data.draw(st.booleans()) else v
            for k, v in value.items()
        }
        if data.draw(st.booleans()):
            out.pop(data.draw(keys), None)
        if data.draw(st.booleans()):
            out[data.draw(keys)] = data.draw(json_values)
        return out
    if isinstance(value, list) and choice in (1, 2, 3):
        out = [_mutate(data, v, depth + 1) if data.draw(st.booleans()) else v for v in value]
        out = data.draw(st.permutations(out)) if choice == 2 else out
        if data.draw(st.booleans()):
            out.insert(data.draw(st.integers(0, len(out))), data.draw(json_values))
        if out and data.draw(st.booleans()):
            del out[data.draw(st.integers(0, len(out) - 1))]
        return out
    return value


@settings(deadline=None)  # no timing here: the machine may be busy
@given(json_values, st.data())
def test_applying_the_diff_gives_the_new_value(old: Any, data: st.DataObject) -> None:
    new = _mutate(data, old)
    before = copy.deepcopy(old)
    patch = diff(old, new)
    wired = json.loads(json.dumps(patch))  # what a client gets: plain JSON
    assert apply_patch(old, wired) == new
    assert old == before  # the old value is left as it was


@settings(deadline=None)
@given(json_values, json_values)
def test_applying_the_diff_of_unrelated_values_gives_the_new_value(old: Any, new: Any) -> None:
    assert apply_patch(old, json.loads(json.dumps(diff(old, new)))) == new


def test_a_lap_appended_costs_only_the_lap() -> None:
    laps = [{"number": n, "duration_ms": 9000 + n, "valid": True} for n in range(1, 61)]
    old = {"run": {"laps": laps, "last_lap_ms": 9060, "event_count": 61}}
    lap = {"number": 61, "duration_ms": 8999, "valid": True}
    new = {"run": {"laps": [*laps, lap], "last_lap_ms": 8999, "event_count": 62}}
    patch = diff(old, new)
    assert patch == {
        "{": {
            "run": {
                "{": {
                    "laps": {"[": [["c", 0, 60], ["n", lap]]},
                    "last_lap_ms": 8999,
                    "event_count": 62,
                }
            }
        }
    }


def test_a_row_moving_up_costs_the_row_and_one_op_for_those_it_passed() -> None:
    rows = [{"racer_id": r, "rank": i + 1, "gap_ms": i} for i, r in enumerate("abcdef")]
    new = [
        {"racer_id": "e", "rank": 1, "gap_ms": 0},
        *({**row, "rank": row["rank"] + 1} for row in rows[:4]),  # each a rank down
        rows[5] | {"gap_ms": 8},
    ]
    ops = [
        ["p", 4, {"{": {"rank": 1, "gap_ms": 0}}],
        ["s", 0, 4, {"{": {"rank": {"+": 1}}}],
        ["p", 5, {"{": {"gap_ms": 8}}],  # a row alone: its new value, not the change
    ]
    assert diff(rows, new) == {"[": ops}
    assert apply_patch(rows, diff(rows, new)) == new


@pytest.mark.parametrize(
    ("old", "patch"),
    [
        ([1], {"{": {"a": 1}}),
        ({"a": 1}, {"[": [["c", 0, 1]]}),
        ([1, 2], {"[": [["c", 1, 2]]}),
        ([1], {"[": [["p", 3, 1]]}),
        ([1], {"[": [["x"]]}),
        ([{}], {"[": [["s", 0, 2, {"{": {}}]]}),
        ("7", {"+": 1}),
        (True, {"+": 1}),
        ({}, {"?": 1}),
    ],
)
def test_a_patch_that_does_not_fit_is_refused(old: Any, patch: Any) -> None:
    with pytest.raises(PatchError):
        apply_patch(old, patch)


def test_a_track_goes_whole_first_and_after_a_snapshot_saw_it_changed() -> None:
    deltas = TrackDeltas()
    view = {"track_id": "a", "now_at_ms": 1.0, "laps": [1]}
    assert deltas.update(view) == {"track_id": "a", "track": view}
    newer = {"track_id": "a", "now_at_ms": 2.0, "laps": [1, 2]}
    assert deltas.update(newer) == {
        "track_id": "a",
        "patch": {"{": {"now_at_ms": 2.0, "laps": [1, 2]}},
    }
    # a snapshot that differs only in the time: the next change may still be a patch
    deltas.snapshot([newer | {"now_at_ms": 3.0}])
    assert "patch" in deltas.update(newer | {"now_at_ms": 4.0})
    # a snapshot holding what no message said: the next change goes whole to everyone
    deltas.snapshot([newer | {"laps": [1, 2, 3]}])
    assert "track" in deltas.update(newer | {"laps": [1, 2, 3, 4]})
    assert "patch" in deltas.update(newer | {"laps": [1, 2, 3, 4, 5]})


def test_after_a_start_the_first_change_is_a_patch_of_what_the_screens_were_sent() -> None:
    deltas = TrackDeltas()
    view = {"track_id": "a", "now_at_ms": 1.0, "laps": [1]}
    deltas.snapshot([view])  # the first screen after a (re)start
    assert deltas.update(view | {"laps": [1, 2]}) == {
        "track_id": "a",
        "patch": {"{": {"laps": [1, 2]}},
    }


# ---- a real engine host: random commands, screens in step and late ----------------------

TWO_TRACKS = {
    "event": {"name": "Delta Summit", "season": "2026"},
    "round": {"time_limit_s": 60, "grace_s": 10, "max_resets_per_lap": 1},
    "gate": [{"id": "north", "kind": "simulated"}, {"id": "south", "kind": "simulated"}],
    "track": [{"id": "a", "gate": "north"}, {"id": "b", "gate": "south"}],
}
STEPS = [
    "cross_a",
    "cross_a",
    "cross_b",
    "cross_b",
    "manual_lap",
    "reset",
    "unreset",
    "invalidate",
    "restore",
    "undo",
    "end",
    "dnf",
    "stage",
    "queue",
    "rename",
    "time",
]


def _step(host: EngineHost, clock: FakeClock, step: str, n: int) -> None:
    track = "a" if n % 2 else "b"
    commands: dict[str, tuple[str, dict[str, Any]]] = {
        "manual_lap": ("manual_lap", {"track_id": track}),
        "reset": ("reset", {"track_id": track, "delta": 1}),
        "unreset": ("reset", {"track_id": track, "delta": -1, "lap": n % 4 + 1}),
        "invalidate": ("invalidate", {"track_id": track, "lap": n % 4 + 1, "reason": "cut"}),
        "restore": ("restore", {"track_id": track, "lap": n % 4 + 1}),
        "undo": ("undo", {"track_id": track, "event_id": n % 8 + 1}),
        "end": ("end", {"track_id": track}),
        "dnf": ("dnf", {"track_id": track}),
        "stage": ("stage", {"track_id": track}),
        "queue": ("queue_add", {"track_id": track, "alias": f"Racer {n % 5}"}),
    }
    try:
        if step.startswith("cross_"):
            gate = "north" if step == "cross_a" else "south"
            host.on_crossing(Crossing(gate, clock.advance(5 + n), "test"))
        elif step == "time":
            clock.advance(20 * n)
        elif step == "rename":
            racer_id = host.call(lambda race: sorted(race.racers)[n % len(race.racers)])
            host.execute("racer_rename", {"racer_id": racer_id, "alias": f"Renamed {n}"})
        else:
            host.execute(*commands[step])
    except LapgateError:
        pass  # a rule refused it (no run, no such lap): the screens must still agree
    host.sync()


def _start() -> tuple[EngineHost, FakeClock]:
    settings = settings_from_dict(TWO_TRACKS)
    clock = FakeClock()
    host = EngineHost(Race(MemoryStore(), settings, {"north": clock, "south": clock}))
    host.start()
    for track, alias in (("a", "Alice"), ("b", "Bob"), ("a", "Carol")):
        host.execute("queue_add", {"track_id": track, "alias": alias})
    host.execute("stage", {"track_id": "a"})
    host.execute("stage", {"track_id": "b"})
    return host, clock


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 30)), min_size=1, max_size=30)
)
def test_screens_hold_what_was_sent_after_any_commands(steps: list[tuple[str, int]]) -> None:
    host, clock = _start()
    try:
        sent: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

        def note(message: dict[str, Any]) -> None:  # on the host thread, as broadcast
            view = host.race.sent.sent.get(message.get("track_id", ""))
            wire = json.loads(json.dumps(message))  # what a browser parses
            sent.append((wire, copy.deepcopy(view) if message["type"] == "track" else None))

        host.subscribe(note)
        screen = host.snapshot()
        late: list[dict[str, Any]] = []  # a screen joining before each step
        for step, n in steps:
            late.append(host.snapshot())
            _step(host, clock, step, n)
        for wire, view in sent:
            if wire["seq"] > screen["seq"]:
                screen = apply_update(screen, wire)
                if view is not None:
                    [track] = [t for t in screen["tracks"] if t["track_id"] == wire["track_id"]]
                    assert track == view, f"seq {wire['seq']}: the patched track differs"
        assert screen["seq"] == host.snapshot()["seq"]
        for joined in late:
            later = [w for w, _ in sent if w["seq"] > joined["seq"]]
            for wire in later:
                joined = apply_update(joined, wire)
            updated = {w["track_id"] for w in later if w["type"] == "track"}
            for joined_track, track in zip(joined["tracks"], screen["tracks"], strict=True):
                if track["track_id"] in updated:  # both screens got this track's later update
                    assert joined_track == track
    finally:
        host.stop()
