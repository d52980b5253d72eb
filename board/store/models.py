"""The store's tables as SQLAlchemy 2.0 typed ORM classes.

Season → Event → Track → Round → Run → the run's event log (`RunEventRow`, one JSON payload
per event, written with `timer.events.event_to_dict`: no pickles) and its derived laps.
Imported race results (`ResultRow`) hang off an Event. Racers keep their alias history and
may be merged into another racer (`merged_into_id`, `MergeRow` records how to undo it).

These classes never leave `board/store/`: repositories turn rows into `board.domain` and
`board.league` records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lapgate.config import limits

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SeasonRow(Base):
    __tablename__ = "seasons"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)


class EventRow(Base):
    """A race: a physical event with rounds, or an imported virtual race with results."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("season", "source_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    season: Mapped[str] = mapped_column(ForeignKey("seasons.name"), index=True)
    name: Mapped[str] = mapped_column(String(limits.EVENT_NAME_MAX))
    kind: Mapped[str] = mapped_column(String(limits.EVENT_KIND_MAX), default="summit")
    date: Mapped[str] = mapped_column(String(limits.EVENT_DATE_MAX), default="")
    venue: Mapped[str] = mapped_column(String(limits.VENUE_MAX), default="")
    region: Mapped[str] = mapped_column(String(limits.REGION_MAX), default="")
    # Imported races: the source's race id (the last part of the Arn, or the file stem).
    source_id: Mapped[str | None] = mapped_column(String(200), default=None)
    race_type: Mapped[str] = mapped_column(String(40), default="")
    division: Mapped[str] = mapped_column(String(40), default="")
    launch_time_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)


class TrackRow(Base):
    """A track of an event; its id is the config's track id, unique within the event."""

    __tablename__ = "tracks"
    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class RoundRow(Base):
    """A round of an event's program. `track_id` NULL: raced on all of the event's tracks
    (`board.domain.ALL_TRACKS`), so no track row is referenced. `state` is the live core's
    JSON document about the round, kept verbatim."""

    __tablename__ = "rounds"
    __table_args__ = (
        ForeignKeyConstraint(
            ["event_id", "track_id"], ["tracks.event_id", "tracks.id"], ondelete="CASCADE"
        ),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer)
    format_kind: Mapped[str] = mapped_column(String(20))
    format_laps: Mapped[int] = mapped_column(Integer, default=1)
    run_config: Mapped[dict[str, Any]] = mapped_column(JSON)
    runs_per_racer: Mapped[int] = mapped_column(Integer, default=0)
    advancement: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20), default="timed", server_default="timed")
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")


class RacerRow(Base):
    __tablename__ = "racers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    alias: Mapped[str] = mapped_column(String(limits.ALIAS_MAX), index=True)
    user_id: Mapped[str | None] = mapped_column(
        String(limits.USER_ID_MAX), unique=True, default=None
    )
    country: Mapped[str] = mapped_column(String(limits.COUNTRY_MAX), default="")
    region: Mapped[str] = mapped_column(String(limits.REGION_MAX), default="")
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("racers.id"), default=None)


class AliasRow(Base):
    """One alias a racer was seen under, and when (epoch ms of the race, for ordering)."""

    __tablename__ = "racer_aliases"
    __table_args__ = (UniqueConstraint("racer_id", "alias"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    racer_id: Mapped[str] = mapped_column(ForeignKey("racers.id"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    seen_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class MergeRow(Base):
    """Racer `merged_id` merged into `kept_id`; `moved` lists what moved, for undo."""

    __tablename__ = "racer_merges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kept_id: Mapped[str] = mapped_column(ForeignKey("racers.id"))
    merged_id: Mapped[str] = mapped_column(ForeignKey("racers.id"))
    moved: Mapped[dict[str, Any]] = mapped_column(JSON)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    racer_id: Mapped[str] = mapped_column(ForeignKey("racers.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    car: Mapped[str] = mapped_column(String(limits.CAR_MAX), default="")
    model_name: Mapped[str] = mapped_column(String(limits.MODEL_NAME_MAX), default="")
    model_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    transponder: Mapped[str | None] = mapped_column(String(limits.TRANSPONDER_MAX), default=None)
    clock_id: Mapped[str] = mapped_column(
        String(limits.CLOCK_ID_MAX), default="", server_default=""
    )
    track_id: Mapped[str] = mapped_column(
        String(limits.TRACK_ID_MAX), default="", server_default=""
    )
    raced_by_id: Mapped[str | None] = mapped_column(ForeignKey("racers.id"), default=None)


class TeamRow(Base):
    """A team of an event; it races as the racer record `entrant_id` (the team's name)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("event_id", "entrant_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    entrant_id: Mapped[str] = mapped_column(ForeignKey("racers.id"))
    name: Mapped[str] = mapped_column(String(limits.ALIAS_MAX))
    car: Mapped[str] = mapped_column(String(limits.CAR_MAX), default="")


class TeamMemberRow(Base):
    """A racer's membership of a team; the key (event, racer) holds a racer to one team
    per event."""

    __tablename__ = "team_members"
    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    racer_id: Mapped[str] = mapped_column(ForeignKey("racers.id"), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class RunEventRow(Base):
    """One entry of a run's append-only log; `payload` is `event_to_dict(event)`."""

    __tablename__ = "run_events"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Wall-clock time stored (naive UTC): a label for the clock check, never for lap times.
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class LapRow(Base):
    """A lap derived from the run's log (rewritten with every append; the log is the truth)."""

    __tablename__ = "laps"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start_ns: Mapped[int] = mapped_column(BigInteger)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    duration_ns: Mapped[int] = mapped_column(BigInteger)
    resets: Mapped[int] = mapped_column(Integer)
    valid: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(10))
    end_event_id: Mapped[int] = mapped_column(Integer)


class QueueRow(Base):
    """An entry of a round's queue on track `track_id`; `position` counts within that track."""

    __tablename__ = "queue_entries"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    racer_id: Mapped[str] = mapped_column(ForeignKey("racers.id"))
    position: Mapped[int] = mapped_column(Integer)
    car: Mapped[str] = mapped_column(String(limits.CAR_MAX), default="")
    model_name: Mapped[str] = mapped_column(String(limits.MODEL_NAME_MAX), default="")
    track_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    raced_by_id: Mapped[str | None] = mapped_column(ForeignKey("racers.id"), default=None)


class ResultRow(Base):
    """One racer's final result in an imported race (deepracer-race-data columns, ms)."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("event_id", "racer_id"),
        Index("ix_results_racer_id", "racer_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    racer_id: Mapped[str] = mapped_column(ForeignKey("racers.id"))
    alias: Mapped[str] = mapped_column(String(200))  # as it appeared in this race
    rank: Mapped[int | None] = mapped_column(Integer)
    ranking_time_ms: Mapped[float | None] = mapped_column(Float)
    best_lap_ms: Mapped[float | None] = mapped_column(Float)
    avg_lap_ms: Mapped[float | None] = mapped_column(Float)
    total_lap_ms: Mapped[float | None] = mapped_column(Float)
    lap_count: Mapped[int | None] = mapped_column(Integer)
    reset_count: Mapped[int | None] = mapped_column(Integer)
    submission_count: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class BracketRow(Base):
    """A head-to-head bracket of a round: its log and staging as one JSON document
    (`board.brackets_service` writes it with `timer.bracket_codec`; no pickles)."""

    __tablename__ = "brackets"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class ModelCardRow(Base):
    """A racer's model card (`board.model_cards`), one per racer and model name."""

    __tablename__ = "model_cards"
    __table_args__ = (UniqueConstraint("racer_id", "name_key"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    racer_id: Mapped[str] = mapped_column(ForeignKey("racers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(limits.MODEL_NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(limits.MODEL_NAME_MAX))  # casefolded name
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SyncMarkRow(Base):
    """The outbox of the sync to a central store (`board.sync`): what the central service
    acknowledged. The records themselves are the durable tables above; this only keeps
    watermarks: per run, the highest acknowledged event id; per record (kind "event",
    "round", "racer", "run"), the digest of the version acknowledged."""

    __tablename__ = "sync_marks"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    acked_event_id: Mapped[int] = mapped_column(Integer, default=0)
    acked_digest: Mapped[str] = mapped_column(String(64), default="")


class SyncOwnerRow(Base):
    """The central league's record of which timer created each synced record (kind
    "event", "racer", "round", "run"): only that timer's token may change it or, for a
    run, append to its log."""

    __tablename__ = "sync_owners"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    timer_id: Mapped[str] = mapped_column(String(100), index=True)


class SyncContactRow(Base):
    """The central league's last contact with each timer (naive UTC) and the backlog the
    timer reported then (records, run events; None if it did not say)."""

    __tablename__ = "sync_contacts"
    timer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_contact_at: Mapped[dt.datetime] = mapped_column(DateTime)
    backlog_records: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    backlog_events: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)


class SyncRefusalRow(Base):
    """A record the sync refused, with the reason, latest per (timer, kind, record).

    On a venue it is the pusher's quarantine: the record is not sent again while its
    digest is the refused one (`event_id` > 0: a run's log, held from that event on). On
    the central league it is the refusals each timer was answered, for the staff page."""

    __tablename__ = "sync_refusals"
    timer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, default=0)
    digest: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    refused_at: Mapped[dt.datetime] = mapped_column(DateTime)
