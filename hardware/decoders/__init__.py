"""Transponder decoder protocols: pure parsers fed bytes, in a registry.

A parser is a plain object (the pyserial protocol/transport split): `feed(data)` takes
whatever bytes arrived and returns the complete messages they finished, keeping any
partial frame for the next call. Parsers never raise on input and never read a clock;
invalid input comes back as `BadFrame` so the transport can count and log it.

Adding a protocol (MyLaps P3, I-Lap, CANO) is one module that calls `register_parser`,
plus its name in `_BUILTIN` (and in the settings' `protocol` literal).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from lapgate.hardware.base import UnknownProtocol


@dataclass(frozen=True, slots=True)
class Passing:
    """Transponder `transponder` (normalised id) passed the loop at decoder time `decoder_ms`."""

    transponder: str
    decoder_ms: int


@dataclass(frozen=True, slots=True)
class ClockSample:
    """The decoder's clock read `decoder_ms` when it sent this message."""

    decoder_ms: int


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """The decoder answered the connect request."""


@dataclass(frozen=True, slots=True)
class BadFrame:
    """Bytes that are not a valid message: `reason` and a short `sample` of them."""

    reason: str
    sample: bytes


DecoderMessage = Passing | ClockSample | Acknowledged | BadFrame


class DecoderParser(Protocol):
    """One protocol's framing and parsing, with the requests the host may send."""

    name: str

    def feed(self, data: bytes) -> list[DecoderMessage]: ...

    def connect_request(self) -> bytes:
        """Bytes asking the decoder to answer `Acknowledged` (empty: no handshake)."""
        ...

    def start_request(self) -> bytes:
        """Bytes starting a race (the decoder clock restarts at zero)."""
        ...

    def stop_request(self) -> bytes: ...


_PARSERS: dict[str, Callable[[], DecoderParser]] = {}
_BUILTIN: Final = ("lapgate.hardware.decoders.zround",)


def register_parser(name: str, factory: Callable[[], DecoderParser]) -> None:
    """Make protocol `name` available to `make_parser`."""
    _PARSERS[name] = factory


def parser_names() -> list[str]:
    _load_builtin()
    return sorted(_PARSERS)


def make_parser(name: str) -> DecoderParser:
    """A fresh parser for protocol `name`; raise UnknownProtocol naming the known ones."""
    _load_builtin()
    factory = _PARSERS.get(name)
    if factory is None:
        raise UnknownProtocol(
            "decoder protocol: got {name!r}, expected one of {known}",
            name=name,
            known=sorted(_PARSERS),
        )
    return factory()


def _load_builtin() -> None:
    for module in _BUILTIN:
        importlib.import_module(module)
