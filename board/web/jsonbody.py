"""Reading JSON from requests and socket frames without a 500 or a traceback.

Python's JSON reader raises `RecursionError` (not `ValueError`) on deeply nested input, so
Flask's `get_json(silent=True)` lets it through as a 500, and python-socketio prints a
traceback for any frame it cannot decode. `SafeJSONProvider` turns the first into a
`ValueError` for every Flask app of lapgate; `json_body` answers 400 naming the problem;
`CheckedPacket` turns an unreadable Socket.IO frame into a `malformed_frame` event, which
the app answers with an error instead of a traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from socketio import packet

from lapgate.board.i18n import request_gettext as _

log = logging.getLogger(__name__)

MALFORMED_FRAME = "malformed_frame"
_PACKET_TYPES = range(packet.CONNECT, packet.BINARY_ACK + 1)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with too deep nesting a `ValueError` like any other bad JSON."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply to read") from None


def init_app(app: Flask) -> None:
    sort_keys = app.json.sort_keys  # type: ignore[attr-defined]
    app.json = SafeJSONProvider(app)
    app.json.sort_keys = sort_keys  # type: ignore[attr-defined]


def json_body() -> Any:
    """The request's JSON ({} for no body); 400 naming what is wrong when it is not JSON."""
    if not request.data:
        return {}
    try:
        payload = json.loads(request.get_data())
    except RecursionError:
        abort(400, _("body: JSON nested too deeply, expected a JSON object of a command's fields"))
    except ValueError as exc:  # includes UnicodeDecodeError
        abort(
            400,
            _(
                "body: got text that is not JSON (%(exc)s), expected a JSON object",
                exc=str(exc)[:80],
            ),
        )
    return payload


class CheckedPacket(packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet; a frame that cannot be read becomes a `malformed_frame` event."""

    def decode(self, encoded_packet: Any) -> int:
        try:
            count = int(super().decode(encoded_packet) or 0)
        except Exception as exc:  # any failure of a stranger's bytes: say so, no traceback
            self._malformed(f"frame: could not be read ({type(exc).__name__}: {str(exc)[:80]})")
            return 0
        if self.packet_type not in _PACKET_TYPES:
            self._malformed(f"frame: got packet type {self.packet_type!r:.20}, expected 0–6")
        elif self.packet_type in (packet.EVENT, packet.BINARY_EVENT):
            data = self.data
            if not isinstance(data, list) or not data or not isinstance(data[0], str):
                self._malformed(
                    f"event: got {type(data).__name__} {str(data)[:40]!r}, expected a list "
                    "starting with the event's name"
                )
        return count

    def _malformed(self, reason: str) -> None:
        log.info("socket frame refused: %s", reason)
        self.packet_type = packet.EVENT
        self.data = [MALFORMED_FRAME, reason]
        self.attachment_count = 0


def answer_malformed(socketio: Any, namespaces: tuple[str, ...]) -> None:
    """Answer a `malformed_frame` with an error (as the ack when the frame asked for one)."""

    def refused(reason: Any = "") -> dict[str, Any]:
        answer = {"ok": False, "status": 400, "error": str(reason)[:200]}
        from flask_socketio import emit

        emit("refused", answer)
        return answer

    for namespace in namespaces:
        socketio.on_event(MALFORMED_FRAME, refused, namespace=namespace)
