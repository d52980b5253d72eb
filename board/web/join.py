"""Racers join a queue from their phones: ``/join``, its API, and the track-side card.

``GET /join?track=<id>`` is the phone page (opened from the QR code on the big screen or
the printed card at ``/join/card?track=<id>``). ``POST /api/join`` asks to join
(``{"track_id", "alias", "car", "model"}``); ``GET /api/join/me`` is this phone's join with
its state, position and estimated wait; ``DELETE /api/join/me`` leaves. The phone is
known by a random device id in its session cookie, never by anything it sends, so it sees
and changes only its own join. Staff read ``GET /api/joins`` (waiting joins and each
track's mode) and act with the commands ``join_mode``, ``join_approve``, ``join_reject``.

Bounds for anyone: bodies are small JSON objects (sizes checked by `JoinRequest`), at most
`JOINS_PER_WINDOW` join requests per device and per address in `WINDOW_S`, and the live
core's own rules (`board.live.joins`): one active join per phone and per name.
"""

from __future__ import annotations

import io
import secrets
import threading
import time
from collections import deque
from typing import Annotated, Any

import segno
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    session,
)
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from lapgate.board.i18n import current_language, request_error_text
from lapgate.board.live import cards, joins
from lapgate.board.live.commands import describe
from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.live.race import ActionError, NotFound
from lapgate.board.model_cards import FILE_MAX_BYTES, FILES_MAX, ModelCard, ModelCardError
from lapgate.board.web.actions import error_status
from lapgate.board.web.auth import is_staff
from lapgate.config.limits import CAR_MAX, MODEL_NAME_MAX, TRACK_ID_MAX
from lapgate.config.settings import Settings
from lapgate.timer.errors import LapgateError, RuleViolation

bp = Blueprint("join", __name__)
WINDOW_S = 600.0
JOINS_PER_WINDOW = 6
TRACKED_KEYS_MAX = 10_000


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    track_id: Annotated[StrictStr, Field(min_length=1, max_length=TRACK_ID_MAX)]
    alias: Annotated[StrictStr, Field(max_length=200)]
    car: Annotated[StrictStr, Field(max_length=CAR_MAX)] = ""
    model: Annotated[StrictStr, Field(max_length=MODEL_NAME_MAX)] = ""


class RateLimit:
    """At most `limit` hits per key in a sliding window of `window_s` (thread-safe)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            if len(self._hits) > TRACKED_KEYS_MAX:  # forget idle keys first, then anything
                for stale in [k for k, d in self._hits.items() if d[-1] < now - self.window_s]:
                    del self._hits[stale]
                if len(self._hits) > TRACKED_KEYS_MAX:
                    self._hits.clear()
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["lapgate.join_limit"] = RateLimit(JOINS_PER_WINDOW, WINDOW_S)


def _host() -> EngineHost:
    host: EngineHost = current_app.extensions["lapgate.host"]
    return host


def _call(work: Any) -> Any:
    try:
        return _host().call(work)
    except LapgateError as exc:
        abort(error_status(exc), request_error_text(exc))
    except (HostStopped, TimeoutError) as exc:
        abort(503, _("the engine is not answering (%(problem)s); try again", problem=exc))


def device() -> str:
    """This browser's device id (made on first use, kept in its signed session cookie)."""
    found = session.get("device")
    if not isinstance(found, str) or len(found) != 32:
        found = secrets.token_hex(16)
        session["device"] = found
    return found


def join_url(track_id: str) -> str:
    settings: Settings = current_app.extensions["lapgate.settings"]
    public = settings.board.public_url
    base = public.rsplit("/m", 1)[0] if public.endswith("/m") else public.rstrip("/")
    return (base or request.host_url.rstrip("/")) + "/join?track=" + track_id


@bp.get("/join")
def join_page() -> str:
    device()
    tracks = _call(lambda race: [(t.track_id, t.name) for t in race.tracks.values()])
    wanted = request.args.get("track", "")
    track_id = wanted if wanted in dict(tracks) else tracks[0][0]
    return render_template("join.html", track_id=track_id, tracks=tracks)


@bp.get("/join/card")
def join_card() -> str:
    """A track-side card to print: the QR code and what to do."""
    track_id = request.args.get("track", "")
    name = _call(lambda race: race.track(track_id or None).name)
    return render_template("join_card.html", track_id=track_id, track=name, url=join_url(track_id))


@bp.get("/join/qr.svg")
def join_qr() -> Response:
    track_id = request.args.get("track", "")
    _call(lambda race: race.track(track_id or None))  # 404 for an unknown track
    buffer = io.BytesIO()
    segno.make(join_url(track_id), error="m").save(buffer, kind="svg", scale=10, border=2)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.post("/api/join")
def join_request() -> Response:
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        abort(400, _("body: got no JSON object, expected {track_id, alias, car, model}"))
    try:
        wanted = JoinRequest.model_validate(body)
    except ValidationError as exc:
        abort(400, _("join: %(problem)s", problem=describe(exc)))
    me = device()
    limit: RateLimit = current_app.extensions["lapgate.join_limit"]
    now = time.monotonic()
    address = request.remote_addr or "?"
    if not (limit.allow("device:" + me, now) and limit.allow("address:" + address, now)):
        abort(
            429,
            _(
                "join: more than %(count)s tries in 10 minutes; ask the staff",
                count=JOINS_PER_WINDOW,
            ),
        )

    def work(race: Any) -> dict[str, Any]:
        join = joins.request(
            race, me, wanted.track_id, wanted.alias, wanted.car.strip(), wanted.model.strip()
        )
        return joins.follow(race, join)

    return jsonify(_call(work))


@bp.get("/api/join/me")
def join_me() -> Response:
    me = device()

    def work(race: Any) -> dict[str, Any]:
        join = joins.latest(race, me)
        return {"state": "none"} if join is None else joins.follow(race, join)

    return jsonify(_call(work))


@bp.delete("/api/join/me")
def join_leave() -> Response:
    me = device()
    return jsonify(_call(lambda race: joins.follow(race, joins.cancel(race, me))))


class ModelUpload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[StrictStr, Field(min_length=1, max_length=MODEL_NAME_MAX)]
    files: Annotated[
        dict[
            Annotated[StrictStr, Field(min_length=1, max_length=100)],
            Annotated[StrictStr, Field(max_length=FILE_MAX_BYTES)],
        ],
        Field(min_length=1, max_length=FILES_MAX),
    ]


@bp.post("/api/join/model")
def join_model() -> Response:
    """This phone's racer hands in a model card (the racer of its current join only; a card
    of the same name that exists already is kept: staff replace cards)."""
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        abort(400, _("body: got no JSON object, expected {name, files}"))
    try:
        upload = ModelUpload.model_validate(body)
    except ValidationError as exc:
        abort(400, _("model card: %(problem)s", problem=describe(exc)))
    me = device()
    lang = current_language()
    limit: RateLimit = current_app.extensions["lapgate.join_limit"]
    if not limit.allow("model:" + me, time.monotonic()):
        abort(429, _("model card: more than %(count)s tries in 10 minutes", count=JOINS_PER_WINDOW))

    def work(race: Any) -> dict[str, Any]:
        join = joins.latest(race, me)
        if join is None or join.racer_id is None:
            raise NotFound("model card: join a queue first; the card goes with your entry")
        if cards.card_for(race, join.racer_id, upload.name) is not None:
            raise RuleViolation(
                "model card: {name} exists already for {alias}; ask the staff to replace it",
                name=repr(upload.name),
                alias=repr(join.alias),
            )
        files = {name: text.encode("utf-8") for name, text in upload.files.items()}
        try:
            record = cards.submit(race, race.racer(join.racer_id), upload.name, files)
        except (ModelCardError, UnicodeEncodeError) as exc:
            # the card's own error goes along as a param: translated with it (board.i18n)
            raise ActionError("model card: {problem}", problem=exc) from None
        return {
            "card_id": record.card_id,
            "name": record.name,
            "summary": ModelCard.from_document(record.document).summary(lang),
        }

    return jsonify(_call(work))


@bp.get("/api/joins")
def joins_staff() -> Response:
    if not is_staff():
        abort(401, _("staff login required: log in on /control"))
    return jsonify(
        _call(lambda race: {"modes": joins.modes_view(race), "pending": joins.pending_view(race)})
    )
