"""Fuzzing every decoder parser: a generator of mixed valid/invalid byte streams and an oracle.

Each input is a stream of segments: valid frames (their messages are known), invalid
frames (judged invalid by an independent reference grammar, so they must yield no
message), junk between frames, all cut into random chunks. The oracle: the parser
never raises, and the messages it returns are exactly those of the valid frames, in
order (so no passing ever comes from invalid bytes).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from lapgate.hardware.decoders import (
    Acknowledged,
    BadFrame,
    ClockSample,
    DecoderMessage,
    DecoderParser,
    Passing,
)

HEX = "0123456789abcdefABCDEF"
_REF_TWO = re.compile(r"L([0-9A-Fa-f]{2})([0-9A-Fa-f]{1,12})")
_REF_COMMA = re.compile(r"L([0-9A-Fa-f]{1,16}),([0-9A-Fa-f]{1,12})")
_REF_CLOCK = re.compile(r"T([0-9A-Fa-f]{1,12})")
MAX_BODY = 48


def reference(body: bytes) -> list[DecoderMessage] | None:
    """What a valid ZRound frame body means ([] for echoed host commands); None if invalid."""
    if len(body) > MAX_BODY or not body.isascii():
        return None
    text = body.decode("ascii")
    if text == "A":
        return [Acknowledged()]
    if text in ("C", "I", "F"):
        return []
    for pattern in (_REF_CLOCK,):
        if m := pattern.fullmatch(text):
            return [ClockSample(int(m.group(1), 16))]
    if "," not in text and (m := _REF_TWO.fullmatch(text)):
        return [Passing(m.group(1).upper(), int(m.group(2), 16))]
    if m := _REF_COMMA.fullmatch(text):
        return [Passing(m.group(1).upper(), int(m.group(2), 16))]
    return None


_hex = st.text(HEX, min_size=1, max_size=12)
_valid_body = st.one_of(
    st.just("A"),
    st.sampled_from(["C", "I", "F"]),
    _hex.map(lambda h: "T" + h),
    st.tuples(st.text(HEX, min_size=2, max_size=2), _hex).map(lambda p: "L" + p[0] + p[1]),
    st.tuples(st.text(HEX, min_size=1, max_size=16), _hex).map(lambda p: f"L{p[0]},{p[1]}"),
).map(lambda text: text.encode("ascii"))
# Bodies of invalid frames: near misses of valid ones, and raw bytes (no '%' or '&').
_frame_free = st.binary(max_size=60).map(lambda b: b.replace(b"%", b"").replace(b"&", b""))
_near_miss = st.tuples(_valid_body, st.integers(0, 60), st.binary(min_size=1, max_size=3)).map(
    lambda t: (t[0][: t[1]] + t[2] + t[0][t[1] :]).replace(b"%", b"").replace(b"&", b"")
)
_any_body = st.one_of(_near_miss, _frame_free, st.binary(min_size=40, max_size=120))


@dataclass(frozen=True)
class FuzzCase:
    chunks: list[bytes]
    expected: list[DecoderMessage]


@st.composite
def streams(draw: st.DrawFn) -> FuzzCase:
    """A byte stream of valid/invalid frames and junk, cut into chunks, with its oracle."""
    data = b""
    expected: list[DecoderMessage] = []
    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            body = draw(_valid_body)
        elif choice == 3:
            data += draw(_frame_free)  # junk between frames
            continue
        else:
            body = draw(_any_body).replace(b"%", b"").replace(b"&", b"")
        meaning = reference(body)
        if meaning is not None:
            expected += meaning
        data += b"%" + body + b"&"
    if draw(st.booleans()):
        data += b"%" + draw(_frame_free)[:10]  # a frame cut off at the end: no message yet
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    return FuzzCase(chunks, expected)


def check(make: Callable[[], DecoderParser], case: FuzzCase) -> None:
    """The oracle: no exception; exactly the valid frames' messages, in order."""
    parser = make()
    got: list[DecoderMessage] = []
    for chunk in case.chunks:
        got += [m for m in parser.feed(chunk) if not isinstance(m, BadFrame)]
    assert got == case.expected


def _random_valid(rng: random.Random) -> bytes:
    def hex_text(low: int, high: int) -> str:
        n = rng.randint(low, high)
        text = format(rng.getrandbits(4 * n), f"0{n}x")
        return text.upper() if rng.random() < 0.5 else text

    pick = rng.randrange(5)
    if pick == 0:
        text = rng.choice(["A", "C", "I", "F"])
    elif pick == 1:
        text = "T" + hex_text(1, 12)
    elif pick == 2:
        text = "L" + hex_text(2, 2) + hex_text(1, 12)
    elif pick == 3:
        text = f"L{hex_text(1, 16)},{hex_text(1, 12)}"
    else:
        text = "L" + hex_text(1, 3) + rng.choice(["", ","]) + hex_text(10, 14)
    return text.encode("ascii")


def _random_junk(rng: random.Random, high: int) -> bytes:
    return rng.randbytes(rng.randint(0, high)).replace(b"%", b"").replace(b"&", b"")


def random_case(rng: random.Random) -> FuzzCase:
    """The same kind of stream as `streams`, drawn fast from a seeded `random.Random`."""
    data = b""
    expected: list[DecoderMessage] = []
    for _ in range(rng.randint(0, 8)):
        choice = rng.randrange(4)
        if choice == 3:
            data += _random_junk(rng, 60)
            continue
        body = _random_valid(rng)
        if choice == 1:  # a near miss: bytes inserted, replaced or cut
            at = rng.randint(0, len(body))
            body = body[:at] + rng.randbytes(rng.randint(0, 3)) + body[at + rng.randint(0, 2) :]
        elif choice == 2:
            body = _random_junk(rng, 120)
        body = body.replace(b"%", b"").replace(b"&", b"")
        meaning = reference(body)
        if meaning is not None:
            expected += meaning
        data += b"%" + body + b"&"
    if rng.random() < 0.5:
        data += b"%" + _random_junk(rng, 10)
    cuts = sorted(rng.randint(0, len(data)) for _ in range(rng.randint(0, 6)))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    return FuzzCase(chunks, expected)
