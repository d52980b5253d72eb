"""Teams on the live core: company leagues race as teams of racers sharing one car.

A team is entered in the event as one entrant: a racer record with the team's name
(`Team.entrant_id`), so leaderboards, brackets, exports and season standings list the team
with no special case. Each of its runs is raced by someone (`RunInfo.raced_by`): one of its
members, or a proxy (any racer who is in no team of the event; `RunInfo.proxy`).

A racer races for one team per event: they are a member of at most one team, do not drive
for another team, and do not queue on their own while in a team. Each refusal names the
racer, the team and what to do instead.
"""

from __future__ import annotations

from dataclasses import replace

from lapgate.board.domain import Racer, Team, new_id
from lapgate.board.live.race import NotFound, Race, clean_alias
from lapgate.board.live.state import RaceState
from lapgate.timer.errors import RuleViolation

MAX_MEMBERS = 20


def team_of_entrant(race: RaceState, racer_id: str) -> Team | None:
    """The team of this event that races as `racer_id`, if any."""
    return next((t for t in race.teams.values() if t.entrant_id == racer_id), None)


def team_of_member(race: Race, racer_id: str) -> Team | None:
    """The team of this event that `racer_id` is a member of, if any."""
    return next((t for t in race.teams.values() if racer_id in t.members), None)


def is_proxy(race: RaceState, entrant_id: str, raced_by: str | None) -> bool:
    """Whether `raced_by` drives for `entrant_id` as a proxy (not one of its members)."""
    if raced_by is None or raced_by == entrant_id:
        return False
    team = team_of_entrant(race, entrant_id)
    return team is None or raced_by not in team.members


def find(race: Race, key: str) -> Team:
    """The event's team whose id or name (case-insensitively) is `key`."""
    for team in race.teams.values():
        if key in (team.team_id, team.entrant_id) or team.name.casefold() == key.casefold():
            return team
    names = sorted(t.name for t in race.teams.values())
    raise NotFound(
        "team: got {key!r:.60}, expected one of {names} (create it first)", key=key, names=names
    )


def is_team_name(race: Race, alias: str) -> bool:
    """Whether `alias` is the name of a team of this event (case-insensitively)."""
    wanted = alias.strip().casefold()
    return bool(wanted) and any(t.name.casefold() == wanted for t in race.teams.values())


def _drove_for(race: Race, racer_id: str) -> Team | None:
    """A team of this event the racer has driven a run for (or is queued to drive for)."""
    entrants = {run.info.racer_id for run in race.runs.values() if run.info.raced_by == racer_id}
    entrants |= {e.racer_id for q in race.queues.values() for e in q if e.raced_by == racer_id}
    return next((t for t in race.teams.values() if t.entrant_id in entrants), None)


def _member(race: Race, team: Team | None, alias: object) -> Racer:
    """The racer `alias` (created if new), checked free to race for `team`."""
    racer = race.add_racer(alias)
    if team_of_entrant(race, racer.racer_id) is not None:
        raise RuleViolation("team member: {alias!r} is a team, expected a racer", alias=racer.alias)
    current = team_of_member(race, racer.racer_id)
    if current is not None and (team is None or current.team_id != team.team_id):
        raise RuleViolation(
            "team member: {alias} races for team {current_name} in this event; a racer races for "
            "one team per event (remove them from it first)",
            alias=racer.alias,
            current_name=current.name,
        )
    drove = _drove_for(race, racer.racer_id)
    if drove is not None and (team is None or drove.team_id != team.team_id):
        raise RuleViolation(
            "team member: {alias} drove for team {drove_name} in this event; a racer races for "
            "one team per event",
            alias=racer.alias,
            drove_name=drove.name,
        )
    return racer


def _save(race: Race, team: Team) -> Team:
    race.store.save_team(team)
    race.teams[team.team_id] = team
    race.derived.clear()  # views show teams
    for track in race.tracks.values():
        race.changed(track, "team")
    return team


def create(race: Race, name: object, members: list[str], car: str = "") -> Team:
    """Enter a new team named `name` with `members` (aliases, new or known) and its car."""
    cleaned = clean_alias(name)
    assert race.event is not None
    if any(t.name.casefold() == cleaned.casefold() for t in race.teams.values()):
        raise RuleViolation("team: {cleaned!r} is already a team of this event", cleaned=cleaned)
    if len(members) > MAX_MEMBERS:
        raise RuleViolation(
            "team members: got {count}, expected at most {max_members}",
            count=len(members),
            max_members=MAX_MEMBERS,
        )
    existing = next(
        (r for r in race.racers.values() if r.alias.casefold() == cleaned.casefold()), None
    )
    if existing is not None and (
        team_of_member(race, existing.racer_id) is not None
        or any(run.info.racer_id == existing.racer_id for run in race.runs.values())
    ):
        raise RuleViolation(
            "team: {cleaned!r} is a racer of this event; expected a name no racer uses",
            cleaned=cleaned,
        )
    for alias in members:
        if clean_alias(alias).casefold() == cleaned.casefold():
            raise RuleViolation("team member: {cleaned!r} is the team's own name", cleaned=cleaned)
    member_ids: list[str] = []
    for alias in members:
        racer = _member(race, None, alias)
        if racer.racer_id not in member_ids:
            member_ids.append(racer.racer_id)
    entrant = existing or race.add_racer(cleaned)
    team = Team(new_id(), race.event.event_id, entrant.racer_id, cleaned, car, tuple(member_ids))
    return _save(race, team)


def add_member(race: Race, key: str, alias: object) -> Team:
    team = find(race, key)
    racer = _member(race, team, alias)
    if racer.racer_id in team.members:
        raise RuleViolation(
            "team {team_name}: {alias} is a member already", team_name=team.name, alias=racer.alias
        )
    if len(team.members) >= MAX_MEMBERS:
        raise RuleViolation(
            "team {team_name}: has {max_members} members, the most allowed",
            team_name=team.name,
            max_members=MAX_MEMBERS,
        )
    return _save(race, replace(team, members=(*team.members, racer.racer_id)))


def remove_member(race: Race, key: str, alias: str) -> Team:
    team = find(race, key)
    members = {race.racers[m].alias.casefold(): m for m in team.members if m in race.racers}
    racer_id = members.get(alias.strip().casefold())
    if racer_id is None:
        names = sorted(race.racers[m].alias for m in team.members if m in race.racers)
        raise NotFound(
            "team {team_name}: got {alias!r:.60}, expected a member of {names}",
            team_name=team.name,
            alias=alias,
            names=names,
        )
    return _save(race, replace(team, members=tuple(m for m in team.members if m != racer_id)))


def driver(race: Race, team: Team, alias: object) -> Racer:
    """The racer `alias` checked as the driver of a run of `team`: a member, or a proxy
    who races for no other team of the event."""
    racer = race.add_racer(alias)
    if racer.racer_id in team.members:
        return racer
    if team_of_entrant(race, racer.racer_id) is not None:
        raise RuleViolation("raced_by: {alias!r} is a team, expected a racer", alias=racer.alias)
    other = team_of_member(race, racer.racer_id)
    if other is not None:
        raise RuleViolation(
            "raced_by: {alias} races for team {other_name} in this event; expected a member of "
            "{team_name} or a proxy in no team",
            alias=racer.alias,
            other_name=other.name,
            team_name=team.name,
        )
    return racer


def check_solo(race: Race, racer: Racer) -> None:
    """Refuse queuing a team member on their own: they race for their team."""
    team = team_of_member(race, racer.racer_id)
    if team is not None:
        raise RuleViolation(
            "queue: {alias} races for team {team_name} in this event; queue the team with "
            "raced_by {alias!r}",
            alias=racer.alias,
            team_name=team.name,
        )


def queue(
    race: Race,
    track_id: str | None,
    key: str,
    raced_by: str,
    car: str = "",
    model: str = "",
    override_reason: str = "",
) -> tuple[str, Team, Racer]:
    """Queue team `key` with `raced_by` driving; (entry id, team, driver)."""
    team = find(race, key)
    if not raced_by.strip():
        raise RuleViolation(
            "queue team {team_name}: raced_by: got nothing, expected who drives (a member or a "
            "proxy)",
            team_name=team.name,
        )
    drives = driver(race, team, raced_by)
    entrant = race.racer(team.entrant_id)
    entry_id = race.queue_add(
        track_id, entrant, car or team.car, model, override_reason, drives.racer_id
    )
    return entry_id, team, drives


def set_driver(race: Race, track_id: str | None, entry_id: str, raced_by: str) -> Racer:
    """Say who drives a queued team entry (e.g. one a bracket match queued)."""
    track = race.track(track_id)
    queue_now = list(race.track_queue(track))
    entry = next((e for e in queue_now if e.entry_id == entry_id), None)
    if entry is None:
        raise NotFound(
            "queue entry: got {entry_id!r:.60}, expected an entry in the queue", entry_id=entry_id
        )
    team = team_of_entrant(race, entry.racer_id)
    if team is None:
        name = race.racers[entry.racer_id].alias if entry.racer_id in race.racers else "?"
        raise RuleViolation(
            "raced_by: {name} is a racer, not a team; they drive themself", name=name
        )
    drives = driver(race, team, raced_by)
    index = queue_now.index(entry)
    queue_now[index] = replace(entry, raced_by=drives.racer_id)
    race.save_queue_of(track, queue_now)
    return drives


def view(race: Race, team: Team) -> dict[str, object]:
    """A team as JSON: name, car and members' aliases."""
    return {
        "team_id": team.team_id,
        "racer_id": team.entrant_id,
        "name": team.name,
        "car": team.car,
        "members": [
            {"racer_id": m, "name": race.racers[m].alias if m in race.racers else m}
            for m in team.members
        ],
    }
