"""Deltas of JSON views: what changed from one view to the next, and how to apply it.

A lap changes a few fields of a track's view (the new lap, the run's clock fields, the
leaderboard rows that moved), but the view holds the whole run: sending it whole costs
about 230 bytes more with every lap. `diff(old, new)` is a patch that turns `old` into
`new`; `apply_patch(old, patch)` applies it. `board/static/js/live.js` mirrors
`apply_patch` (keep the two in step); `TrackDeltas` decides, per track, when a change may go
out as a patch and when it must go whole.

A patch is a JSON value:

- anything but an object: the new value itself (a number, string, null, bool or array);
- ``{"=": value}``: the new value, an object;
- ``{"{": {key: patch, ...}, "-": [key, ...]}``: an object with these keys patched (or
  added) and those removed (``"-"`` is left out when nothing is removed);
- ``{"+": d}``: the old whole number plus `d` (only inside ``"s"`` below);
- ``{"[": [op, ...]}``: an array built from the ops in order, each one of
  ``["c", j, n]`` (copy the old items j … j+n-1), ``["n", item, ...]`` (these new items),
  ``["p", j, patch]`` (the old item j, patched) or ``["s", j, n, patch]`` (the old items
  j … j+n-1, each patched with the same patch).

Array items are matched by identity (the first of `ID_KEYS` an object holds), so a lap
appended, a row moved up the leaderboard or an entry pushed onto the undo list costs only
what is new. Identity decides only the size of a patch, never its correctness: a copied
item is equal to the new one, a patched item is patched from exactly the old item named.
A racer moving up the leaderboard moves every row between down a rank, and a new leader
widens every gap by as much: ``"s"`` with ``{"+": d}`` says that once for the whole run of
rows, so the update stays small however many racers the round has.

Equality is Python's `==`: views give every field one type, so a bool never stands where
the previous view had a number of equal value (``True == 1``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ID_KEYS = ("event_id", "entry_id", "racer_id", "run_id", "round_id", "track_id", "number")
# The fields of a view that change with time alone (not with the race): a snapshot that
# differs from what was sent in these only is still the same state.
VOLATILE_KEYS = frozenset({"now_at_ms"})
_SAME = object()


def diff(old: Any, new: Any) -> Any:
    """The patch that turns `old` into `new` (``{"{": {}}`` for two equal objects)."""
    patch = _diff(old, new)
    if patch is _SAME:
        return {"{": {}} if isinstance(new, dict) else _whole(new)
    return patch


def apply_patch(old: Any, patch: Any) -> Any:
    """`old` changed by `patch` (a new value; `old` itself is left as it is)."""
    if not isinstance(patch, dict):
        return patch
    if "=" in patch:
        return patch["="]
    if "+" in patch:
        if type(old) is not int:
            raise PatchError(f"number patch: got {type(old).__name__}, expected a whole number")
        return old + patch["+"]
    if "{" in patch:
        if not isinstance(old, dict):
            raise PatchError(f"object patch: got {type(old).__name__}, expected an object")
        out = {k: v for k, v in old.items() if k not in patch.get("-", ())}
        for key, sub in patch["{"].items():
            out[key] = apply_patch(old.get(key), sub)
        return out
    if "[" in patch:
        if not isinstance(old, list):
            raise PatchError(f"array patch: got {type(old).__name__}, expected an array")
        return _apply_ops(old, patch["["])
    raise PatchError(f"patch: got an object with keys {sorted(patch)}, expected =, +, {{ or [")


class PatchError(ValueError):
    """A patch that does not fit the value it is applied to (the client must resync)."""


def _whole(value: Any) -> Any:
    return {"=": value} if isinstance(value, dict) else value


def _diff(old: Any, new: Any, relative: bool = False) -> Any:
    """The patch, or `_SAME`; `relative`: whole numbers as ``{"+": d}`` (see ``"s"``)."""
    if type(old) is type(new) and old == new:
        return _SAME
    if isinstance(old, dict) and isinstance(new, dict):
        changed = {}
        for key, value in new.items():
            sub = _diff(old[key], value, relative) if key in old else _whole(value)
            if sub is not _SAME:
                changed[key] = sub
        gone = [key for key in old if key not in new]
        return {"{": changed, "-": gone} if gone else {"{": changed}
    if isinstance(old, list) and isinstance(new, list):
        return _diff_list(old, new)
    if relative and type(old) is int and type(new) is int:
        return {"+": new - old}
    return _whole(new)


def _identity(item: Any, position: int) -> Any:
    """What matches an item of a new array to one of the old (see `ID_KEYS`)."""
    if isinstance(item, dict):
        for key in ID_KEYS:
            if key in item:
                value = item[key]
                return (key, value) if isinstance(value, str | int) else ("@", position)
        return ("@", position)
    if isinstance(item, str | int | float | bool) or item is None:
        return (type(item).__name__, item)
    return ("@", position)


def _diff_list(old: list[Any], new: list[Any]) -> Any:
    where: dict[Any, int] = {}
    for index, item in enumerate(old):
        where.setdefault(_identity(item, index), index)
    ops: list[list[Any]] = []
    reused = 0
    for i, item in enumerate(new):
        j = where.get(_identity(item, i))
        if j is not None and type(old[j]) is type(item) and old[j] == item:
            reused += 1
            last = ops[-1] if ops else None
            if last is not None and last[0] == "c" and last[1] + last[2] == j:
                last[2] += 1
            else:
                ops.append(["c", j, 1])
        elif j is not None and isinstance(item, dict) and isinstance(old[j], dict):
            reused += 1
            patch = _diff(old[j], item, relative=True)
            last = ops[-1] if ops else None
            if last is not None and last[0] == "s" and last[1] + last[2] == j and last[3] == patch:
                last[2] += 1
            else:
                ops.append(["s", j, 1, patch, item])
        elif ops and ops[-1][0] == "n":
            ops[-1].append(item)
        else:
            ops.append(["n", item])
    # nothing kept, or a short list of plain values: the array itself is smaller
    if not reused or (len(new) <= 8 and all(not isinstance(x, dict | list) for x in new)):
        return new
    for index, op in enumerate(ops):
        if op[0] == "s":  # one item alone: patched with its new numbers, not their change
            ops[index] = ["s", *op[1:4]] if op[2] > 1 else ["p", op[1], _diff(old[op[1]], op[4])]
    return {"[": ops}


def _apply_ops(old: list[Any], ops: list[Any]) -> list[Any]:
    out: list[Any] = []
    for op in ops:
        tag = op[0] if isinstance(op, list) and op else None
        if tag == "c":
            start, count = op[1], op[2]
            if start < 0 or start + count > len(old):
                raise PatchError(f"copy of items {start}…{start + count - 1} of {len(old)}")
            out.extend(old[start : start + count])
        elif tag == "n":
            out.extend(op[1:])
        elif tag == "p":
            if op[1] < 0 or op[1] >= len(old):
                raise PatchError(f"patch of item {op[1]} of {len(old)}")
            out.append(apply_patch(old[op[1]], op[2]))
        elif tag == "s":
            start, count = op[1], op[2]
            if start < 0 or start + count > len(old):
                raise PatchError(f"patch of items {start}…{start + count - 1} of {len(old)}")
            out.extend(apply_patch(item, op[3]) for item in old[start : start + count])
        else:
            raise PatchError(f"array op: got {op!r:.40}, expected ['c'|'n'|'p'|'s', …]")
    return out


def same_state(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether two views of one thing differ at most in their `VOLATILE_KEYS`."""
    keys = (old.keys() | new.keys()) - VOLATILE_KEYS
    return all(k in old and k in new and old[k] == new[k] for k in keys)


@dataclass(slots=True)
class TrackDeltas:
    """What every screen in step holds of each track, so a change goes out as a patch.

    `sent` is each track's view as last broadcast: a screen that applied every update since
    its snapshot holds exactly that, so a patch from it is right for every screen in step.
    Before the first broadcast of a track (a start), the first snapshot's view is what
    screens hold, so even the first change is a patch. A screen that joins later gets its
    snapshot's views, built afresh; should one differ
    from `sent` (the track's view changed with no message of its own, e.g. another track
    of the same round set a lap), that track's next change goes whole (`whole`), and every
    screen, old or new, holds the same again.
    """

    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)

    def update(self, view: dict[str, Any]) -> dict[str, Any]:
        """The wire fields for a track's new view: the view (``track``) or its ``patch``."""
        track_id = view["track_id"]
        old = self.sent.get(track_id)
        self.sent[track_id] = view
        if old is None or track_id in self.whole:
            self.whole.discard(track_id)
            return {"track_id": track_id, "track": view}
        return {"track_id": track_id, "patch": diff(old, view)}

    def snapshot(self, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Note the views a snapshot carries (see the class); returns them as they are."""
        for view in views:
            old = self.sent.get(view["track_id"])
            if old is None:  # nothing broadcast yet (a start): screens hold this view
                self.sent[view["track_id"]] = view
            elif not same_state(old, view):
                self.whole.add(view["track_id"])
        return views


def apply_update(state: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """A screen's state (a snapshot kept current) after the update `message`.

    The Python twin of ``apply`` in board/static/js/live.js, for tests and benches; raises
    `PatchError` for a patch of a track the state does not hold (the screen resyncs).
    """
    state = dict(state)
    kind = message.get("type")
    if kind == "track":
        tracks = list(state["tracks"])
        track_id = message["track_id"]
        index = next((i for i, entry in enumerate(tracks) if entry["track_id"] == track_id), None)
        if "track" in message:
            track = message["track"]
        elif index is None:
            raise PatchError(f"track: got a patch of {track_id!r}, which the state lacks")
        else:
            track = apply_patch(tracks[index], message["patch"])
        if index is None:
            tracks.append(track)
        else:
            tracks[index] = track
        state["tracks"] = tracks
    elif kind == "program":
        state["program"] = message["program"]
    elif kind == "bracket":
        bracket = message["bracket"]
        state["brackets"] = {**state["brackets"], bracket["bracket_id"]: bracket}
    elif kind == "gate":
        state["gates"] = message["gates"]
    elif kind == "settings":
        state["settings"] = message["settings"]
    state["seq"] = message["seq"]
    return state
