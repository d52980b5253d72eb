"""Season standings from race results: AWS points and community points.

- **AWS points** (`Scheme.AWS`): in each race rank 1 scores 10, rank 2 scores 9, … rank 9
  scores 2, and every other ranked finisher (rank 10 on) scores 1 for taking part. A racer
  without a rank (no ranking time in that race) scores nothing. Summed over the season.
- **Community points** (`Scheme.COMMUNITY`): in each race a racer scores −(their ranking
  time in ms); a racer who did not take part (or set no ranking time) scores −(the mean
  ranking time of that race). Summed; least negative first. Computed exactly (fractions),
  shown rounded to the millisecond's thousandth.

Virtual races and lapgate's own summit events count alike: each is a `Race` whose results
carry a rank and a ranking time. Racers with equal points as shown (whole points;
community points to a thousandth of a ms) share a rank (1, 1, 3, …); the listing order
among them is by alias. Regional standings are the global points of the
racers of that region (their region, else the region of their country), ranked among
themselves.

The web page and the CLI call `compute_standings(races, scheme, racers, region=...)`;
`racer_history(races, racer_id, scheme)` gives one racer's race-by-race record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from lapgate.board.league.model import Race, RacerRecord
from lapgate.board.league.regions import region_of

AWS_POINTS_TOP: tuple[int, ...] = (10, 9, 8, 7, 6, 5, 4, 3, 2)
AWS_PARTICIPATION_POINTS = 1


class Scheme(StrEnum):
    AWS = "aws"
    COMMUNITY = "community"


def aws_points(rank: int | None) -> int:
    """AWS points of one race for `rank` (None: not ranked, no points)."""
    if rank is None:
        return 0
    if rank <= len(AWS_POINTS_TOP):
        return AWS_POINTS_TOP[rank - 1]
    return AWS_PARTICIPATION_POINTS


@dataclass(frozen=True, slots=True)
class RaceEntry:
    """One race in a racer's history, with what it scored in the scheme."""

    event_id: str
    race: str
    date: str
    alias: str
    rank: int | None
    ranking_time_ms: float | None
    points: float


@dataclass(frozen=True, slots=True)
class StandingRow:
    rank: int
    racer_id: str
    alias: str
    user_id: str | None
    points: float  # int-valued for AWS; exact sum rounded to 3 decimals for community
    races: int  # races the racer took part in
    region: str = ""
    country: str = ""
    team_members: str = ""  # a team (company leagues): its members in its latest race

    def as_json(self) -> dict[str, Any]:
        """The documented JSON row: rank, alias, user_id, points, races (and a team's
        team_members)."""
        points: float | int = int(self.points) if self.points == int(self.points) else self.points
        row: dict[str, Any] = {
            "rank": self.rank,
            "alias": self.alias,
            "user_id": self.user_id,
            "points": points,
            "races": self.races,
        }
        if self.team_members:
            row["team_members"] = self.team_members
        return row


US_PER_MS = 1000  # community points are exact at 1 µs resolution of ranking times


def _us(ranking_time_ms: float) -> int:
    return round(ranking_time_ms * US_PER_MS)


@dataclass(slots=True)
class _Tally:
    """Working totals of one racer. `units`: AWS points, or community points × scale."""

    units: int
    races: int
    alias: str
    user_id: str | None
    team_members: str = ""


def _community_scale(races: Sequence[Race]) -> tuple[int, dict[str, int]]:
    """A common scale (lcm of field sizes × µs) and each race's mean time in that scale.

    Means are exact fractions; scaling every time by the lcm of the races' field sizes
    makes every mean an integer, so the season totals are exact integer sums.
    """
    sums: dict[str, tuple[int, int]] = {}
    for race in races:
        times = [_us(r.ranking_time_ms) for r in race.results if r.ranking_time_ms is not None]
        if times:
            sums[race.event_id] = (sum(times), len(times))
    lcm = math.lcm(*(count for _, count in sums.values())) if sums else 1
    return lcm, {rid: total * (lcm // count) for rid, (total, count) in sums.items()}


def _tally(races: Sequence[Race], scheme: Scheme) -> tuple[dict[str, _Tally], int]:
    """Every racer's total in `scheme` and the divisor that turns units into points."""
    tallies: dict[str, _Tally] = {}
    if scheme is Scheme.AWS:
        for race in races:
            for r in race.results:
                t = tallies.get(r.racer_id)
                if t is None:
                    t = tallies[r.racer_id] = _Tally(aws_points(r.rank), 1, r.alias, r.user_id)
                else:
                    t.units += aws_points(r.rank)
                    t.races += 1
                    t.alias, t.user_id = r.alias, r.user_id
                if r.extra:
                    t.team_members = r.extra.get("Team members", t.team_members)
        return tallies, 1
    scale, means = _community_scale(races)
    all_means = sum(means.values())
    for race in races:
        mean = means.get(race.event_id, 0)
        for r in race.results:
            # −own time, and the race's mean is not charged as "absent": add it back
            own = mean if r.ranking_time_ms is None else _us(r.ranking_time_ms) * scale
            delta = mean - own
            t = tallies.get(r.racer_id)
            if t is None:
                t = tallies[r.racer_id] = _Tally(delta - all_means, 1, r.alias, r.user_id)
            else:
                t.units += delta
                t.races += 1
                t.alias, t.user_id = r.alias, r.user_id
            if r.extra:
                t.team_members = r.extra.get("Team members", t.team_members)
    return tallies, scale * US_PER_MS


def racer_history(races: Sequence[Race], racer_id: str, scheme: Scheme | str) -> list[RaceEntry]:
    """The racer's races in date order with what each scored in `scheme` (for the web page)."""
    scheme = Scheme(scheme)
    entries: list[RaceEntry] = []
    for race in sorted(races, key=lambda r: (r.meta.launch_time_ms or 0, r.meta.date)):
        times = [r.ranking_time_ms for r in race.results if r.ranking_time_ms is not None]
        mean = sum(map(Fraction, times), Fraction(0)) / len(times) if times else Fraction(0)
        for r in race.results:
            if r.racer_id != racer_id:
                continue
            if scheme is Scheme.AWS:
                earned = float(aws_points(r.rank))
            else:
                own = mean if r.ranking_time_ms is None else Fraction(r.ranking_time_ms)
                earned = -float(own)
            entries.append(
                RaceEntry(
                    race.event_id,
                    race.meta.name,
                    race.meta.date,
                    r.alias,
                    r.rank,
                    r.ranking_time_ms,
                    earned,
                )
            )
    return entries


def compute_standings(
    races: Sequence[Race],
    scheme: Scheme | str,
    racers: Mapping[str, RacerRecord] | None = None,
    region: str | None = None,
) -> list[StandingRow]:
    """The season's standings over `races` in `scheme`, globally or for one `region`.

    `racers` (by racer id) supplies current alias, user id, country and region; without
    it the alias of each racer's latest race is shown and regions are unknown.
    """
    scheme = Scheme(scheme)
    ordered = sorted(races, key=lambda r: (r.meta.launch_time_ms or 0, r.meta.date))
    tallies, divisor = _tally(ordered, scheme)
    rows: list[_Unranked] = []
    for rid, tally in tallies.items():
        record = racers.get(rid) if racers else None
        alias, user_id = tally.alias, tally.user_id
        if record is not None:
            alias, user_id = record.alias, record.user_id
        racer_region = region_of(record.country, record.region) if record else ""
        if region and racer_region.casefold() != region.casefold():
            continue
        shown = _shown_units(tally.units, divisor, scheme)
        points = shown / (1 if scheme is Scheme.AWS else 1000)
        country = record.country if record else ""
        rows.append(
            (
                shown,
                alias.casefold(),
                rid,
                alias,
                user_id,
                points,
                tally.races,
                racer_region,
                country,
                tally.team_members,
            )
        )
    rows.sort(key=lambda item: (-item[0], item[1], item[2]))
    return _ranked(rows)


def _shown_units(units: int, divisor: int, scheme: Scheme) -> int:
    """Points in the shown resolution: whole AWS points; community points in 1/1000 ms."""
    if scheme is Scheme.AWS:
        return units
    # units / divisor ms, to the nearest thousandth, half up: exact integer arithmetic
    return (2 * units * 1000 + divisor) // (2 * divisor)


# (shown total, alias sort key, racer id, alias, user id, points, races, region, country,
# team members):
# a racer's standing before ranks are known; each StandingRow is built once, ranked.
_Unranked = tuple[int, str, str, str, str | None, float, int, str, str, str]


def _ranked(rows: list[_Unranked]) -> list[StandingRow]:
    """Competition ranks (equal totals share a rank) over rows already in order."""
    ranked: list[StandingRow] = []
    previous: int | None = None
    rank = 0
    for position, row in enumerate(rows, start=1):
        total, _, racer_id, alias, user_id, points, races, region, country, members = row
        if previous is None or total != previous:
            rank = position
        previous = total
        ranked.append(
            StandingRow(rank, racer_id, alias, user_id, points, races, region, country, members)
        )
    return ranked
