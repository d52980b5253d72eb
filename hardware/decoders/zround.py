"""The ZRound "Free LapCounter" protocol (serial 19200 8N1, or TCP).

Every message is ``%…&``. Host → decoder: ``%C&`` connect (answered by ``%A&``),
``%I&`` race start (decoder clock to zero), ``%F&`` race stop. Decoder → host:
``%Thhhh&`` the decoder clock in hex milliseconds (any length), ``%LTThhhh&`` a passing
of two-hex-digit transponder ``TT`` at race time ``hhhh`` hex ms, or ``%L<id>,hhhh&``
when the id has another length. CR, LF and spaces between frames are tolerated.
"""

from __future__ import annotations

import re
from typing import Final

from lapgate.hardware.decoders import (
    Acknowledged,
    BadFrame,
    ClockSample,
    DecoderMessage,
    Passing,
    register_parser,
)

MAX_FRAME_BYTES: Final = 48  # a frame longer than this is garbage, not a passing
MAX_TIME_HEX_DIGITS: Final = 12  # 2**48 ms ≈ 8,900 years: more is a corrupted number
MAX_ID_HEX_DIGITS: Final = 16
SAMPLE_BYTES: Final = 32
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_BETWEEN_FRAMES: Final = b"\r\n \t\x00"
_HOST_COMMANDS: Final = frozenset({"C", "I", "F"})  # echoed requests: not an error


class ZRoundParser:
    """Pure ZRound framing and parsing; see the module doc."""

    name = "zround"

    def __init__(self) -> None:
        self._frame = bytearray()
        self._in_frame = False
        self._garbage = bytearray()
        self._skipping = False  # after an overlong frame: drop bytes until the next '%'

    def connect_request(self) -> bytes:
        return b"%C&"

    def start_request(self) -> bytes:
        return b"%I&"

    def stop_request(self) -> bytes:
        return b"%F&"

    def feed(self, data: bytes) -> list[DecoderMessage]:
        """Messages completed by `data`; a partial frame waits for the next call."""
        out: list[DecoderMessage] = []
        for byte in data:
            if byte == 0x25:  # '%'
                self._flush_garbage(out)
                self._skipping = False
                if self._in_frame:
                    out.append(
                        BadFrame("truncated frame", b"%" + bytes(self._frame[:SAMPLE_BYTES]))
                    )
                self._frame.clear()
                self._in_frame = True
            elif self._skipping:
                continue
            elif not self._in_frame:
                if byte not in _BETWEEN_FRAMES or self._garbage:
                    self._garbage.append(byte)
            elif byte == 0x26:  # '&'
                self._in_frame = False
                out.extend(parse_frame(bytes(self._frame)))
                self._frame.clear()
            elif len(self._frame) >= MAX_FRAME_BYTES:
                out.append(BadFrame("overlong frame", b"%" + bytes(self._frame[:SAMPLE_BYTES])))
                self._frame.clear()
                self._in_frame = False
                self._skipping = True
            else:
                self._frame.append(byte)
        if len(self._garbage) >= SAMPLE_BYTES:
            self._flush_garbage(out)
        return out

    def _flush_garbage(self, out: list[DecoderMessage]) -> None:
        junk = bytes(self._garbage).rstrip(_BETWEEN_FRAMES)
        if junk:
            out.append(BadFrame("bytes outside a frame", junk[:SAMPLE_BYTES]))
        self._garbage.clear()


def _hex_value(text: str, max_digits: int) -> int | None:
    if len(text) > max_digits or not _HEX.fullmatch(text):
        return None
    return int(text, 16)


def parse_frame(body: bytes) -> list[DecoderMessage]:
    """The message in one frame's body (between ``%`` and ``&``), or a BadFrame."""
    sample = b"%" + body[:SAMPLE_BYTES] + b"&"
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return [BadFrame("non-ASCII bytes in frame", sample)]
    kind, rest = text[:1], text[1:]
    if kind == "A" and not rest:
        return [Acknowledged()]
    if kind in _HOST_COMMANDS and not rest:
        return []
    if kind == "T":
        decoder_ms = _hex_value(rest, MAX_TIME_HEX_DIGITS)
        if decoder_ms is None:
            return [BadFrame("clock is not 1–12 hex digits", sample)]
        return [ClockSample(decoder_ms)]
    if kind == "L":
        return [_passing(rest, sample)]
    return [BadFrame("unknown message", sample)]


def _passing(rest: str, sample: bytes) -> DecoderMessage:
    if "," in rest:
        ident, _, time_hex = rest.partition(",")
    else:
        ident, time_hex = rest[:2], rest[2:]
        if len(ident) < 2:
            return BadFrame("passing too short", sample)
    if _hex_value(ident, MAX_ID_HEX_DIGITS) is None:
        return BadFrame("transponder id is not 1–16 hex digits", sample)
    decoder_ms = _hex_value(time_hex, MAX_TIME_HEX_DIGITS)
    if decoder_ms is None:
        return BadFrame("passing time is not 1–12 hex digits", sample)
    return Passing(ident.upper(), decoder_ms)


def encode_passing(transponder: str, decoder_ms: int) -> bytes:
    """A passing frame as a decoder sends it (two-digit ids inline, others with a comma)."""
    ident = transponder.upper()
    sep = "" if len(ident) == 2 else ","
    return f"%L{ident}{sep}{decoder_ms:X}&".encode("ascii")


def encode_clock(decoder_ms: int) -> bytes:
    return f"%T{decoder_ms:X}&".encode("ascii")


register_parser("zround", ZRoundParser)
