"""What the `/standings` page (and any other view) calls: standings straight from a store.

- `season_standings(store, season, scheme, region=None, search="")` → `list[StandingRow]`
  (rank, racer_id, alias, user_id, points, races, region, country), search matching alias,
  user id or any earlier alias (case-insensitive); ranks stay the season's ranks.
- `racer_season(store, season, racer_id, scheme)` → `list[RaceEntry]`: one racer's races
  with rank, ranking time and points, for the per-racer history.
- `seasons(store)` → the season names, for a picker.
- `results_of(store)` → the store as a `ResultStore`, or None for a store that keeps no
  league results (the in-memory one); the web layer gets it from the composition root.
"""

from __future__ import annotations

from lapgate.board.league.standings import (
    RaceEntry,
    Scheme,
    StandingRow,
    compute_standings,
    racer_history,
)
from lapgate.board.league.summit import season_races
from lapgate.board.store.api import ResultStore

__all__ = ["ResultStore", "racer_season", "results_of", "season_standings", "seasons"]


def results_of(store: object) -> ResultStore | None:
    """`store` when it keeps league results (the SQL store), else None."""
    if hasattr(store, "season_events") and hasattr(store, "imported_races"):
        return store  # type: ignore[return-value]
    return None


def seasons(store: ResultStore) -> list[str]:
    return store.list_seasons()


def season_standings(
    store: ResultStore,
    season: str,
    scheme: Scheme | str = Scheme.AWS,
    region: str | None = None,
    search: str = "",
) -> list[StandingRow]:
    """The season's standings, optionally for one region and filtered by `search`."""
    races = season_races(store, season)
    if not search:
        return compute_standings(races, scheme, store.racer_records(history=False), region)
    records = store.racer_records()
    rows = compute_standings(races, scheme, records, region)
    needle = search.casefold()

    def matches(row: StandingRow) -> bool:
        record = records.get(row.racer_id)
        names = [row.alias, row.user_id or ""]
        if record is not None:
            names.extend(a.alias for a in record.aliases)
        return any(needle in name.casefold() for name in names)

    return [row for row in rows if matches(row)]


def racer_season(
    store: ResultStore, season: str, racer_id: str, scheme: Scheme | str = Scheme.AWS
) -> list[RaceEntry]:
    """One racer's races of the season, in date order, with what each scored."""
    return racer_history(season_races(store, season), racer_id, scheme)
