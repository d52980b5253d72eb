"""The ZRound parser: pure, fed bytes in any split, never raising, never inventing a passing."""

from __future__ import annotations

import pytest

from lapgate.hardware.base import UnknownProtocol
from lapgate.hardware.decoders import (
    Acknowledged,
    BadFrame,
    ClockSample,
    DecoderMessage,
    Passing,
    make_parser,
    parser_names,
)
from lapgate.hardware.decoders.zround import ZRoundParser, encode_clock, encode_passing

STREAM = b"%A&\r\n%T3E8&%L0A1F40&%L1A2B3,2710&%Tff&\n%L7f00&"
EXPECTED: list[DecoderMessage] = [
    Acknowledged(),
    ClockSample(1000),
    Passing("0A", 8000),
    Passing("1A2B3", 10000),
    ClockSample(255),
    Passing("7F", 0),
]


def parse(data: bytes, parser: ZRoundParser | None = None) -> list[DecoderMessage]:
    return (parser or ZRoundParser()).feed(data)


def test_a_stream_of_valid_frames() -> None:
    assert parse(STREAM) == EXPECTED


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_any_split_of_the_stream_gives_the_same_messages(chunk: int) -> None:
    parser = ZRoundParser()
    got: list[DecoderMessage] = []
    for i in range(0, len(STREAM), chunk):
        got += parser.feed(STREAM[i : i + chunk])
    assert got == EXPECTED


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%LZZ1234&", "transponder id"),
        (b"%L0A12G4&", "passing time"),
        (b"%L0A&", "passing time"),
        (b"%L0&", "too short"),
        (b"%L,1234&", "transponder id"),
        (b"%L0A,&", "passing time"),
        (b"%T&", "clock"),
        (b"%T+12&", "clock"),
        (b"%T 12&", "clock"),
        (b"%T0x12&", "clock"),
        (b"%T1_000&", "clock"),
        (b"%T1234567890ABC&", "clock"),
        (b"%L0A1234567890ABC&", "passing time"),
        (b"%L0123456789ABCDEF0,12&", "transponder id"),
        (b"%Q12&", "unknown"),
        (b"%A1&", "unknown"),
        (b"%L0A\xff12&", "non-ASCII"),
        (b"%L0\xd9\xa312&", "non-ASCII"),  # Arabic-Indic digit: int() would accept it
    ],
)
def test_invalid_frames_are_reported_not_parsed(data: bytes, reason: str) -> None:
    messages = parse(data)
    assert len(messages) == 1
    assert isinstance(messages[0], BadFrame)
    assert reason in messages[0].reason


def test_garbage_truncation_and_overlong_input_do_not_hide_the_next_frame() -> None:
    parser = ZRoundParser()
    messages = parser.feed(b"noise%L0A12%L0B20&" + b"%L" + b"1" * 200 + b"&junk&%T10&")
    kinds = [type(m).__name__ for m in messages]
    assert kinds == ["BadFrame", "BadFrame", "Passing", "BadFrame", "ClockSample"]
    reasons = [m.reason for m in messages if isinstance(m, BadFrame)]
    assert reasons == ["bytes outside a frame", "truncated frame", "overlong frame"]
    assert Passing("0B", 0x20) in messages
    assert all(len(m.sample) <= 40 for m in messages if isinstance(m, BadFrame))


def test_line_breaks_between_frames_are_not_errors_and_echoes_are_ignored() -> None:
    assert parse(b"\r\n%C&\r\n%I&%F&\n") == []


def test_encoders_round_trip() -> None:
    data = encode_passing("0a", 123456) + encode_passing("12345", 7) + encode_clock(99)
    assert data == b"%L0A1E240&%L12345,7&%T63&"
    assert parse(data) == [Passing("0A", 123456), Passing("12345", 7), ClockSample(99)]


def test_registry() -> None:
    assert "zround" in parser_names()
    assert isinstance(make_parser("zround"), ZRoundParser)
    with pytest.raises(UnknownProtocol, match="expected one of"):
        make_parser("mylaps")
