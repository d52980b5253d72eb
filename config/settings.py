"""The settings schema. Units are in field names; every field has a default or is required.

Models are frozen and forbid unknown keys, so a typo in a TOML file is an error that names
the key instead of a setting silently ignored.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lapgate.config import limits
from lapgate.config.round_settings import RoundSettings
from lapgate.timer.errors import ConfigError
from lapgate.timer.events import ExpiryPolicy, StartMode
from lapgate.timer.formats import Format, FormatKind
from lapgate.timer.rounds import EventPlan
from lapgate.timer.run import RunConfig
from lapgate.timer.units import ns_from_s

RaceSound = Literal["start", "thirty_left", "final_lap", "time_up", "new_leader"]
RACE_SOUNDS: tuple[RaceSound, ...] = ("start", "thirty_left", "final_lap", "time_up", "new_leader")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """No text setting may hold a NUL (paths and URLs with one fail deep in the OS)."""
        if isinstance(value, str) and "\0" in value:
            raise ConfigError("text without NUL characters (\\u0000)")
        return value


# werkzeug's hashes: "scrypt:N:r:p$salt$hex" and "pbkdf2:hash:iterations$salt$hex"
_PASSWORD_HASH = re.compile(
    r"(?:scrypt:(?P<n>\d{1,8}):(?P<r>\d{1,3}):(?P<p>\d{1,3})"
    r"|pbkdf2:(?P<digest>sha1|sha224|sha256|sha384|sha512):(?P<iterations>\d{1,8}))"
    r"\$[^$\s]{1,128}\$[0-9a-f]{32,256}"
)


def check_password_hash_text(value: str) -> str:
    """`value` if it is a complete werkzeug hash that lapgate can check (or empty)."""
    if value == "":
        return value
    found = _PASSWORD_HASH.fullmatch(value)
    if found is None:
        raise ConfigError(
            "a werkzeug password hash like 'scrypt:32768:8:1$<salt>$<hex digest>' made by "
            "`lapgate hash-password` (empty: staff login disabled)"
        )
    if found["n"] is not None:
        n, r, p = int(found["n"]), int(found["r"]), int(found["p"])
        # the memory a check takes is 128·N·r bytes: a hash may not make a login eat the Pi
        if n < 2 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16 or 128 * n * r > 2**27:
            raise ConfigError(
                "a werkzeug password hash like 'scrypt:32768:8:1$<salt>$<hex digest>' made by "
                "`lapgate hash-password` (empty: staff login disabled); its scrypt cost "
                "N={n}, r={r}, p={p} is out of range",
                n=n,
                r=r,
                p=p,
            )
    elif not 1_000 <= int(found["iterations"]) <= 10_000_000:
        raise ConfigError(
            "a werkzeug password hash like 'scrypt:32768:8:1$<salt>$<hex digest>' made by "
            "`lapgate hash-password` (empty: staff login disabled); its pbkdf2 iterations "
            "are out of range"
        )
    return value


class EventSettings(_Section):
    """The event; text lengths are the central league's too (`config.limits`)."""

    name: Annotated[str, Field(max_length=limits.EVENT_NAME_MAX)] = "lapgate event"
    season: Annotated[str, Field(min_length=1, max_length=limits.SEASON_MAX)] = Field(
        default_factory=lambda: str(dt.date.today().year)
    )
    kind: Literal["summit", "virtual", "company"] = "summit"
    date: dt.date | None = None
    venue: Annotated[str, Field(max_length=limits.VENUE_MAX)] = ""
    region: Annotated[str, Field(max_length=limits.REGION_MAX)] = ""


class RoundDefaults(_Section):
    """How rounds are run unless a round says otherwise."""

    format: FormatKind = FormatKind.FASTEST_LAP
    average_laps: Annotated[int, Field(ge=2, le=10)] = 3
    race_laps: Annotated[int, Field(ge=1, le=10)] = 3  # N of format = "lap_count"
    time_limit_s: Annotated[float, Field(ge=10, le=600)] = 120
    start_mode: StartMode = StartMode.FIRST_CROSSING
    expiry: ExpiryPolicy = ExpiryPolicy.FINISH_LAP
    grace_s: Annotated[float, Field(ge=0, le=600)] = 60
    lockout_s: Annotated[float, Field(ge=0, le=60)] = 3.0
    max_resets_per_lap: Annotated[int, Field(ge=0, le=10)] | Literal["unlimited"] = "unlimited"
    runs_per_racer: Annotated[int, Field(ge=0, le=100)] = 0  # 0: unlimited

    def run_config(self) -> RunConfig:
        """The engine's rules for one run under these defaults."""
        limit = self.max_resets_per_lap
        return RunConfig(
            time_limit_ns=ns_from_s(self.time_limit_s),
            start_mode=self.start_mode,
            expiry=self.expiry,
            grace_ns=ns_from_s(self.grace_s),
            lockout_ns=ns_from_s(self.lockout_s),
            max_resets_per_lap=None if limit == "unlimited" else limit,
        )

    def ranking_format(self) -> Format:
        return Format.of(self.format, self.average_laps, self.race_laps)


class _Gate(_Section):
    id: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")] = "finish"
    lockout_s: Annotated[float, Field(ge=0, le=60)] | None = None  # None: the round's


class GpioGate(_Gate):
    """Sensors on Raspberry Pi GPIO forming one gate (the community gate: BCM 17 and 27)."""

    kind: Literal["gpio"] = "gpio"
    pins_bcm: Annotated[list[Annotated[int, Field(ge=0, le=27)]], Field(min_length=1)] = [17, 27]
    pull_up: bool = True
    active_high: bool = False
    edge: Literal["falling", "rising", "both"] = "falling"
    pin_factory: Literal["", "lgpio", "rpigpio", "pigpio", "native", "mock"] = ""
    allow_untimestamped: bool = False  # allow a factory without kernel edge timestamps
    stuck_after_s: Annotated[float, Field(gt=0, le=600)] = 5.0


class SerialGate(_Gate):
    """A transponder decoder on a serial port (or any pyserial URL)."""

    kind: Literal["serial"] = "serial"
    protocol: Literal["zround"] = "zround"
    url: Annotated[str, Field(min_length=1)] = "/dev/ttyUSB0"
    baudrate: Annotated[int, Field(gt=0)] = 19200
    usb_id: Annotated[str, Field(pattern=r"^$|^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$")] = ""
    transponders: dict[str, str] = {}  # transponder id → car name


class TcpGate(_Gate):
    """A transponder decoder reached over TCP."""

    kind: Literal["tcp"] = "tcp"
    protocol: Literal["zround"] = "zround"
    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 5403
    transponders: dict[str, str] = {}


class SimulatedGate(_Gate):
    """Seeded virtual cars driving over a virtual gate."""

    kind: Literal["simulated"] = "simulated"
    seed: int = 1
    speed_factor: Annotated[float, Field(gt=0, le=100)] = 1.0
    mean_lap_s: Annotated[float, Field(gt=1, le=120)] = 11.0
    sigma_lap_s: Annotated[float, Field(ge=0, le=30)] = 0.8
    off_track_probability: Annotated[float, Field(ge=0, le=1)] = 0.08
    double_trigger_probability: Annotated[float, Field(ge=0, le=1)] = 0.05
    missed_crossing_probability: Annotated[float, Field(ge=0, le=1)] = 0.01


GateSettings = Annotated[
    GpioGate | SerialGate | TcpGate | SimulatedGate, Field(discriminator="kind")
]


class TrackSettings(_Section):
    id: Annotated[
        str, Field(min_length=1, max_length=limits.TRACK_ID_MAX, pattern=r"^[A-Za-z0-9_.-]+$")
    ] = "track-1"
    name: str = "Track 1"
    gate: str = "finish"
    # How racers may join this track's queue from their phones (/join): closed, open (straight
    # in) or approve (staff accept each on /control). Staff change it live.
    join: Literal["closed", "open", "approve"] = "closed"


class BoardSettings(_Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 5000
    # A werkzeug password hash (`lapgate hash-password`); empty: staff login is impossible.
    staff_password_hash: str = ""
    public_url: str = ""  # what the QR code on the big screen points phones at
    leaderboard_rows: Annotated[int, Field(ge=3, le=50)] = 10
    # The pages' language when a client asks for none we have (each client chooses its own:
    # browser preference, the switch on every page, ?lang= for kiosks).
    language: Literal["en", "de", "es", "ja"] = "en"
    speak_laps: bool = False
    # Race sounds the big screen plays (staff switch each on /control): any of
    # start, thirty_left, final_lap, time_up, new_leader.
    sounds: tuple[RaceSound, ...] = RACE_SOUNDS
    # Redis URL (redis://host:6379/0): broadcasts go through it, so spectator processes
    # (`lapgate spectate`) serve phones while this process owns the race. Empty: in-process.
    message_queue: str = ""
    # "queued": the engine host hands each change to a delivery thread and goes on with the
    # next crossing; "inline": the host thread emits to every screen itself (the older path,
    # kept to measure against: bench/latency.py).
    delivery: Literal["queued", "inline"] = "queued"
    # Messages waiting for one screen before it is disconnected as not reading.
    send_queue_max: Annotated[int, Field(ge=8, le=10_000)] = 64
    # How long a staff login lasts (default: one event day). Logout, "log out everywhere"
    # and a change of staff_password_hash end every earlier login at once.
    staff_session_hours: Annotated[float, Field(gt=0, le=24 * 7)] = 16.0
    # Addresses or networks (CIDR) of reverse proxies (nginx) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; from anyone else those headers are ignored.
    trusted_proxies: list[str] = []
    # Limits of the web server (a Pi's memory and open files; see docs/architecture.md).
    max_connections: Annotated[int, Field(ge=16, le=65536)] = 1000
    max_connections_per_address: Annotated[int, Field(ge=2, le=65536)] = 32
    max_websockets_per_address: Annotated[int, Field(ge=1, le=65536)] = 12
    header_timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    body_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 60.0

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ConfigError(
                    "IP addresses or networks such as '127.0.0.1' or '10.0.0.0/24' "
                    "({entry!r} is neither)",
                    entry=entry,
                ) from None
        return value

    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in self.trusted_proxies)

    @field_validator("staff_password_hash")
    @classmethod
    def _complete_hash(cls, value: str) -> str:
        return check_password_hash_text(value)


class StoreSettings(_Section):
    database_url: str = ""  # empty: SQLite in data_dir
    data_dir: str = "lapgate-data"
    # Gate crossings the store cannot commit (disk full) are journalled here until it can;
    # put it on another disk. Empty: $RUNTIME_DIRECTORY (systemd) or the temporary folder.
    fallback_journal: str = ""


class SyncSettings(_Section):
    upstream_url: str = ""
    token: str = ""


class Settings(_Section):
    event: EventSettings = EventSettings()
    round: RoundDefaults = RoundDefaults()
    gate: list[GateSettings] = [SimulatedGate()]
    track: list[TrackSettings] = [TrackSettings()]
    board: BoardSettings = BoardSettings()
    store: StoreSettings = StoreSettings()
    sync: SyncSettings = SyncSettings()
    rounds: list[RoundSettings] = []  # the event's rounds in order; empty: one open round

    @model_validator(mode="after")
    def _tracks_name_gates(self) -> Settings:
        gate_ids = [gate.id for gate in self.gate]
        duplicated = sorted({g for g in gate_ids if gate_ids.count(g) > 1})
        if duplicated:
            raise ConfigError(
                "gate ids {duplicated} repeat; expected each gate id once", duplicated=duplicated
            )
        for track in self.track:
            if track.gate not in gate_ids:
                raise ConfigError(
                    "track {track_id!r} names gate {gate!r}; expected one of {gate_ids}",
                    track_id=track.id,
                    gate=track.gate,
                    gate_ids=gate_ids,
                )
        self.event_plan()  # round names unique, entry_from names earlier rounds
        track_ids = [track.id for track in self.track]
        for round_settings in self.rounds:
            unknown = [t for t in round_settings.tracks if t not in track_ids]
            if unknown:
                raise ConfigError(
                    "round {round_name!r} tracks: got {unknown}, expected track ids from "
                    "{track_ids}",
                    round_name=round_settings.name,
                    unknown=unknown,
                    track_ids=track_ids,
                )
        return self

    def event_plan(self) -> EventPlan:
        """The engine's plan of the `[[rounds]]` (defaults from `[round]`)."""
        return EventPlan(tuple(r.spec(self.round) for r in self.rounds))

    def gate_by_id(self, gate_id: str) -> GpioGate | SerialGate | TcpGate | SimulatedGate:
        for gate in self.gate:
            if gate.id == gate_id:
                return gate
        raise KeyError(gate_id)
