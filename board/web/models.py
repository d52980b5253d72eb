"""Model cards on the board: ``/models`` and ``/models/<id>`` pages, and the JSON API.

Reads are public: ``GET /api/models`` lists the cards, ``GET /api/models/<id>`` gives one
card with its racer's physical laps raced with that model (see `board.live.cards`). Cards
are submitted by the staff command ``model_submit`` (``POST /api/control/model_submit``,
``lapgate model submit``). Pages are rendered on the server with Jinja's autoescaping:
every string from a racer's files is escaped.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template
from flask_babel import gettext as _

from lapgate.board.i18n import current_language, request_error_text
from lapgate.board.live import cards
from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.model_cards import ModelCard
from lapgate.board.web.actions import error_status
from lapgate.timer.errors import LapgateError

bp = Blueprint("models", __name__)


def N_(message: str) -> str:
    """`message` as it is, marked for tools/catalogs.py; the page translates it (`_(label)`)."""
    return message


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    from lapgate.board.web.pages import NAV

    if (N_("Models"), "/models") not in NAV:
        NAV.append((N_("Models"), "/models"))


def _call(work: Any) -> Any:
    host: EngineHost = current_app.extensions["lapgate.host"]
    try:
        return host.call(work)
    except LapgateError as exc:
        abort(error_status(exc), request_error_text(exc))
    except (HostStopped, TimeoutError) as exc:
        abort(503, _("the engine is not answering (%(problem)s); try again", problem=exc))


@bp.get("/api/models")
def model_list() -> Response:
    return jsonify(_call(cards.cards_view))


@bp.get("/api/models/<card_id>")
def model_detail(card_id: str) -> Response:
    return jsonify(_call(lambda race: cards.card_view(race, cards.by_id(race, card_id))))


def _summary(document: dict[str, Any], lang: str) -> str:
    """The card's one-line summary in the page's language (the document keeps English)."""
    return ModelCard.from_document(document).summary(lang)


@bp.get("/models")
def models_page() -> str:
    from lapgate.board.web.pages import NAV

    lang = current_language()

    def work(race: Any) -> list[dict[str, Any]]:
        return [
            {**c, "summary": _summary(cards.by_id(race, c["card_id"]).document, lang)}
            for c in cards.cards_view(race)
        ]

    return render_template("models.html", nav=NAV, cards=_call(work), card=None)


@bp.get("/models/<card_id>")
def model_page(card_id: str) -> str:
    from lapgate.board.web.pages import NAV

    card = _call(lambda race: cards.card_view(race, cards.by_id(race, card_id)))
    card["summary"] = _summary(card["document"], current_language())
    return render_template("models.html", nav=NAV, cards=None, card=card)
