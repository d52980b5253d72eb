"""Charts as SVG images: ``/charts/runs/<run_id>.svg`` and ``/charts/rounds/<id>/laps.svg``.

Server-rendered SVG, not a JavaScript chart library: the Pi draws a chart in a few
milliseconds, the pages stay without a JS bundle (phones on venue Wi-Fi, the big screen's
kiosk), every string is escaped in one place (`board.charts.svg`), the same image prints
and scales to any width, and an ``<img>`` never runs what it shows. Public reads, like the
JSON API; ``?size=phone|tablet|screen`` and ``?theme=light|dark`` pick labels and colours
(bad values answer 400 naming them). Season progression lives with the standings
(`board.web.standings`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request

from lapgate.board.charts.distribution import distribution_svg
from lapgate.board.charts.run_chart import run_laps_svg
from lapgate.board.charts.sources import round_distribution, run_chart_of
from lapgate.board.charts.style import Size, Theme, size_of, theme_of
from lapgate.board.charts.words import _, language
from lapgate.board.i18n import request_error_text, translations
from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.live.race import Race
from lapgate.board.live.views import run_view
from lapgate.board.web.actions import error_status
from lapgate.timer.errors import LapgateError

bp = Blueprint("charts", __name__, url_prefix="/charts")

# The image needs no script, font or fetch; inline style attributes only.
SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def chart_options(default_size: str = "phone", default_theme: str = "light") -> tuple[Size, Theme]:
    """`?size=` and `?theme=` of the request; 400 naming a bad value."""
    try:
        size = size_of(request.args.get("size", default_size))
        theme = theme_of(request.args.get("theme", default_theme))
    except ValueError as exc:
        abort(400, request_error_text(exc))
    return size, theme


def svg_response(body: str) -> Response:
    return Response(body, mimetype="image/svg+xml", headers=SVG_HEADERS)


def _on_host(work: Callable[[Race], Any]) -> Any:
    host: EngineHost = current_app.extensions["lapgate.host"]
    try:
        return host.call(work)
    except (HostStopped, TimeoutError) as exc:
        abort(
            503, _("the engine is not answering (%(exc)s); try again", exc=request_error_text(exc))
        )
    except LapgateError as exc:
        abort(error_status(exc), request_error_text(exc))


@bp.get("/runs/<run_id>.svg")
def run_chart(run_id: str) -> Response:
    """A run's laps: valid/invalid, resets, best lap and best window."""
    size, theme = chart_options()
    view = _on_host(lambda race: run_view(race, race.run(run_id)))
    return svg_response(run_laps_svg(run_chart_of(view), size, theme))


@bp.get("/rounds/<round_id>/laps.svg")
def round_chart(round_id: str) -> Response:
    """A round's valid lap times as a histogram (round id, name or number)."""
    size, theme = chart_options()
    title = _("%(name)s · lap times")  # filled on the host's thread
    default_name = translations(language()).gettext("Round {n}").format(n=1)
    data = _on_host(lambda race: round_distribution(race, round_id, title, default_name))
    return svg_response(distribution_svg(data, size, theme))
