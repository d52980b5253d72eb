"""The pages: big screen (/), phones (/m), staff control (/control), stream overlay.

Pages are thin HTML shells rendered with Jinja autoescaping; the data arrives over
Socket.IO and is written with `textContent` only. `NAV` lists the spectator navigation;
other features (brackets, standings) append their entries to it.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from lapgate.board.wallclock import clock_warning
from lapgate.board.web.auth import is_staff
from lapgate.config.settings import Settings

bp = Blueprint("pages", __name__)


def N_(message: str) -> str:
    """Marks `message` for the catalogs (tools/catalogs.py) and returns it as it is: labels
    kept in English here are translated where they are shown (`_(label)` in templates)."""
    return message


# (label, path) of the spectator navigation; /brackets and /standings join when they land.
NAV: list[tuple[str, str]] = [(N_("Live"), "/m")]
SHORTCUTS: list[tuple[str, str, LazyString]] = [
    # (key, action, label) — the control page shows this table, puts each key on its action's
    # button and binds the same keys.
    # The keys are the same in every language; the labels are translated as the page renders.
    ("N", "stage", _l("Stage next racer")),
    ("G", "start", _l("Start clock (staff start)")),
    ("Space", "manual_lap", _l("Manual lap")),
    ("R", "reset_plus", _l("Reset +1 (selected or current lap)")),
    ("Shift+R", "reset_minus", _l("Reset −1")),
    ("↓ / ↑", "select", _l("Select a lap (↓: down the newest-first table)")),
    ("Esc", "unselect", _l("Back to the current lap")),
    ("I", "toggle_valid", _l("Invalidate / restore selected lap")),
    ("X", "undo_crossing", _l("Undo the crossing that ended the selected lap")),
    ("Z", "undo_mine", _l("Undo your newest action (one per press; never a gate crossing)")),
    ("Shift+Z", "redo_mine", _l("Redo what Z undid")),
    ("E", "end", _l("End run")),
    ("D", "dnf", _l("Mark DNF")),
    ("A", "add", _l("Add a racer to the queue")),
    ("Q", "queue", _l("Queue: ↑/↓ pick, Shift+↑/↓ move, Enter stage, Del remove, Esc leave")),
    ("V", "speak", _l("Spoken lap times on/off")),
]
# (name, label) of the race sounds the big screen plays (`sounds` command), in cue order.
SOUNDS: list[tuple[str, LazyString]] = [
    ("start", _l("Start")),
    ("thirty_left", _l("30 s left")),
    ("final_lap", _l("Final lap")),
    ("time_up", _l("Time up")),
    ("new_leader", _l("New leader")),
]


def _settings() -> Settings:
    settings: Settings = current_app.extensions["lapgate.settings"]
    return settings


def join_url(track_id: str) -> str:
    from lapgate.board.web.join import join_url as url

    return url(track_id)


def spectator_url() -> str:
    return _settings().board.public_url or request.host_url.rstrip("/") + "/m"


@bp.get("/")
def screen() -> str:
    track_id = request.args.get("track", "")
    return render_template(
        "screen.html",
        track_id=track_id,
        rows=_settings().board.leaderboard_rows,
        spectator_url=spectator_url(),
        join_base=join_url(""),
    )


@bp.get("/m")
def phone() -> str:
    return render_template("phone.html", nav=NAV, track_id=request.args.get("track", ""))


@bp.get("/overlay")
def overlay() -> str:
    return render_template("overlay.html", track_id=request.args.get("track", ""), rows=5)


@bp.get("/control")
def control() -> Any:
    if not is_staff():
        return render_template("login.html", error="")
    return render_template(
        "control.html",
        shortcuts=SHORTCUTS,
        keys={action: key for key, action, _label in SHORTCUTS},
        sounds=SOUNDS,
        track_id=request.args.get("track", ""),
        clock_warning=clock_warning(current_app, gettext),
    )


@bp.get("/qr.svg")
def qr_svg() -> Response:
    """The spectator page's address as a QR code (SVG, dark-on-light for scanners)."""
    buffer = io.BytesIO()
    segno.make(spectator_url(), error="m").save(buffer, kind="svg", scale=10, border=2)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")
