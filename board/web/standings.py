"""Season standings on the board: the `/standings` page and its JSON.

``GET /api/standings?season=S&scheme=aws|community&region=R&q=TEXT&limit=N&offset=M``:
the season's standings (`board.league.service.season_standings`), rows ``rank, racer_id,
alias, user_id, points, races, region, country``; `q` matches alias, user id or an earlier
alias, and ranks stay the season's ranks. ``GET /api/standings/racers/<racer_id>?season=S&
scheme=…``: one racer's races with rank, ranking time (ms) and points;
``GET /standings/racers/<racer_id>/chart.svg?season=S&scheme=…&size=…&theme=…`` the same
races as a chart (points total after each race, `board.charts.season`). Public reads; bad
parameters answer 400 naming the value, an unknown season 404, and a board whose store
keeps no league results (the in-memory store) 503.

Standings read the store from the request's thread, not the engine host's: a season of
thousands of racers takes a moment to rank (about 2 s for the 2021 season's 12,750 racers
here), and the race must not wait for it. Ranked tables and racer identities are kept for
`CACHE_TTL_S` seconds, so searching and paging answer at once; a result stored meanwhile
shows up after at most that long.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from babel.dates import format_skeleton
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
)

from lapgate.board.charts.figures import Progression, SeasonRace
from lapgate.board.charts.season import progression_svg
from lapgate.board.charts.words import _, language
from lapgate.board.league.model import RacerRecord
from lapgate.board.league.service import ResultStore, season_standings, seasons
from lapgate.board.league.standings import Scheme, StandingRow, racer_history
from lapgate.board.league.summit import season_races
from lapgate.board.web.charts import chart_options, svg_response
from lapgate.config.settings import Settings

bp = Blueprint("standings", __name__)
T = TypeVar("T")
CACHE_TTL_S = 30.0
MAX_LIMIT = 1000
DEFAULT_LIMIT = 200
MAX_QUERY_CHARS = 100


def init_app(app: Flask) -> None:
    """Register the blueprint and the spectators' navigation entry."""
    from lapgate.board.web.pages import N_, NAV

    app.register_blueprint(bp)
    app.extensions["lapgate.standings_cache"] = StandingsCache(CACHE_TTL_S)
    if ("Standings", "/standings") not in NAV:
        NAV.append((N_("Standings"), "/standings"))


class StandingsCache:
    """Computed values by key, each kept `ttl_s` seconds (one computation at a time)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._values: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            now_s = time.monotonic()
            held = self._values.get(key)
            if held is not None and held[0] > now_s:
                value: T = held[1]
                return value
            value = compute()
            self._values = {k: v for k, v in self._values.items() if v[0] > now_s}
            self._values[key] = (now_s + self.ttl_s, value)
            return value


def _cached(key: tuple[str, ...], compute: Callable[[], T]) -> T:
    cache: StandingsCache = current_app.extensions["lapgate.standings_cache"]
    return cache.get(key, compute)


def _search(
    rows: list[StandingRow], records: dict[str, RacerRecord], query: str
) -> list[StandingRow]:
    """Rows whose alias, user id or an earlier alias contains `query` (any case)."""
    needle = query.casefold()

    def matches(row: StandingRow) -> bool:
        record = records.get(row.racer_id)
        names = [row.alias, row.user_id or ""]
        if record is not None:
            names.extend(seen.alias for seen in record.aliases)
        return any(needle in name.casefold() for name in names)

    return [row for row in rows if matches(row)]


def _store() -> ResultStore:
    store: ResultStore | None = current_app.extensions["lapgate.results"]
    if store is None:
        abort(503, _("standings: this board's store keeps no league results; use the SQL store"))
    return store


def _scheme() -> Scheme:
    value = request.args.get("scheme", "aws")
    try:
        return Scheme(value)
    except ValueError:
        known = [str(s) for s in Scheme]
        abort(
            400,
            _(
                "scheme: got %(value)s, expected one of %(known)s",
                value=f"{value!r:.40}",
                known=known,
            ),
        )


def _season(store: ResultStore) -> tuple[str, list[str]]:
    """The season asked for (default: the event's, else the latest) and every season."""
    known = seasons(store)
    value = request.args.get("season", "")
    if not value:
        settings: Settings = current_app.extensions["lapgate.settings"]
        value = settings.event.season if settings.event.season in known else (known or [""])[-1]
    if value not in known:
        abort(
            404,
            _(
                "season: got %(value)s, expected one of %(known)s",
                value=f"{value!r:.40}",
                known=known,
            ),
        )
    return value, known


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        abort(
            400,
            _(
                "%(name)s: got %(value)s, expected a whole number %(low)s–%(high)s",
                name=name,
                value=f"{raw!r:.40}",
                low=low,
                high=high,
            ),
        )
    return value


def _text_arg(name: str) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > MAX_QUERY_CHARS:
        abort(
            400,
            _(
                "%(name)s: got %(count)s characters, expected at most %(most)s",
                name=name,
                count=len(value),
                most=MAX_QUERY_CHARS,
            ),
        )
    return value


def _points(value: float) -> float | int:
    return int(value) if value == int(value) else value


@bp.get("/standings")
def page() -> str:
    from lapgate.board.web.pages import NAV

    return render_template("standings.html", nav=NAV)


@bp.get("/api/standings")
def standings() -> Response:
    store = _store()
    scheme = _scheme()
    season, known = _season(store)
    region = _text_arg("region")
    query = _text_arg("q")
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10_000_000)
    rows: list[StandingRow] = []
    if season:
        rows = _cached(
            ("rows", season, str(scheme), region.casefold()),
            lambda: season_standings(store, season, scheme, region or None),
        )
    if query:
        records = _cached(("records",), store.racer_records)
        rows = _search(rows, records, query)
    body: dict[str, Any] = {
        "season": season,
        "seasons": known,
        "scheme": str(scheme),
        "region": region,
        "q": query,
        "total": len(rows),
        "regions": sorted({row.region for row in rows if row.region}),
        "offset": offset,
        "rows": [
            {
                "rank": row.rank,
                "racer_id": row.racer_id,
                "alias": row.alias,
                "user_id": row.user_id,
                "points": _points(row.points),
                "races": row.races,
                "region": row.region,
                "country": row.country,
                "team_members": row.team_members,
            }
            for row in rows[offset : offset + limit]
        ],
    }
    return jsonify(body)


@bp.get("/api/standings/racers/<racer_id>")
def racer(racer_id: str) -> Response:
    store = _store()
    scheme = _scheme()
    season, _seasons = _season(store)
    records = store.racer_records([racer_id], history=False)
    if racer_id not in records:
        abort(404, _("racer: got %(value)s, expected a known racer id", value=f"{racer_id!r:.40}"))
    record = records[racer_id]
    races = _cached(("races", season), lambda: season_races(store, season))
    history = racer_history(races, racer_id, scheme)
    return jsonify(
        {
            "racer_id": racer_id,
            "alias": record.alias,
            "user_id": record.user_id,
            "season": season,
            "scheme": str(scheme),
            "races": [
                {
                    "event_id": entry.event_id,
                    "race": entry.race,
                    "date": entry.date,
                    "alias": entry.alias,
                    "rank": entry.rank,
                    "ranking_time_ms": entry.ranking_time_ms,
                    "points": _points(round(entry.points, 3)),
                }
                for entry in history
            ],
        }
    )


def _race_label(date: str, name: str) -> str:
    """A race on the chart's axis: its day ("Mar 31") when the date is known, else its name."""
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return name
    return format_skeleton("MMMd", day, locale=language())


@bp.get("/standings/racers/<racer_id>/chart.svg")
def racer_chart(racer_id: str) -> Response:
    """A racer's season progression as an SVG image (see `board.web.charts`)."""
    store = _store()
    scheme = _scheme()
    season, _seasons = _season(store)
    size, theme = chart_options()
    records = store.racer_records([racer_id], history=False)
    if racer_id not in records:
        abort(404, _("racer: got %(value)s, expected a known racer id", value=f"{racer_id!r:.40}"))
    races = _cached(("races", season), lambda: season_races(store, season))
    history = racer_history(races, racer_id, scheme)
    chart = Progression(
        f"{records[racer_id].alias} · {season}",
        [SeasonRace(_race_label(e.date, e.race), e.rank, e.points) for e in history],
    )
    points_name = _("AWS points") if scheme is Scheme.AWS else _("community points")
    return svg_response(progression_svg(chart, size, theme, points_name))
