"""The team side of the store: an event's teams and their members.

`TeamsRepo` is mixed into `SqlStore`. `save_team` writes a team and its whole member list at
once; the (event, racer) key of `team_members` refuses a racer in two teams of one event.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lapgate.board.domain import Team
from lapgate.board.store.models import TeamMemberRow, TeamRow
from lapgate.timer.errors import RuleViolation


class TeamsRepo:
    """Teams of events; needs `_tx()` from the store."""

    def _tx(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def save_team(self, team: Team) -> None:
        """Insert or update `team` with exactly its members; RuleViolation when a member is
        in another team of the event, or the event or a racer is not stored."""
        try:
            with self._tx() as s:
                row = s.get(TeamRow, team.team_id) or TeamRow(id=team.team_id)
                row.event_id, row.entrant_id = team.event_id, team.entrant_id
                row.name, row.car = team.name, team.car
                s.add(row)
                s.flush()
                s.execute(delete(TeamMemberRow).where(TeamMemberRow.team_id == team.team_id))
                for position, racer_id in enumerate(team.members):
                    s.add(
                        TeamMemberRow(
                            event_id=team.event_id,
                            racer_id=racer_id,
                            team_id=team.team_id,
                            position=position,
                        )
                    )
                s.flush()
        except IntegrityError:
            raise RuleViolation(
                "team {team_name!r}: a member already races for another team of the event, or "
                "the event or a racer is not stored; expected one team per racer per event",
                team_name=team.name,
            ) from None

    def list_teams(self, event_id: str | None = None) -> list[Team]:
        """The teams of `event_id` (every event's when None), by name."""
        with self._tx() as s:
            query = select(TeamRow).order_by(TeamRow.name, TeamRow.id)
            if event_id is not None:
                query = query.where(TeamRow.event_id == event_id)
            teams = list(s.scalars(query))
            members: dict[str, list[str]] = {}
            ids = [t.id for t in teams]
            if ids:
                rows = s.scalars(
                    select(TeamMemberRow)
                    .where(TeamMemberRow.team_id.in_(ids))
                    .order_by(TeamMemberRow.position)
                )
                for member in rows:
                    members.setdefault(member.team_id, []).append(member.racer_id)
            return [
                Team(t.id, t.event_id, t.entrant_id, t.name, t.car, tuple(members.get(t.id, ())))
                for t in teams
            ]
