"""Settings of the central league service (`lapgate league --config FILE`).

```toml
[league]
database_url = "postgresql+psycopg://lapgate@127.0.0.1/lapgate"
host = "0.0.0.0"
port = 5100
message_queue = "redis://127.0.0.1:6379/0"   # optional: several league processes
staff_password_hash = "scrypt:..."            # optional: /staff (lapgate hash-password)

[[league.timers]]          # one per on-site daemon; its [sync] token must match
id = "summit-track-a"
token = "a long random secret"
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lapgate.timer.errors import LapgateError


class LeagueConfigError(LapgateError, ValueError):
    """The league config file is missing, unreadable or invalid."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TimerToken(_Section):
    id: Annotated[str, Field(min_length=1, max_length=100)]
    token: Annotated[str, Field(min_length=16)]


class LeagueSettings(_Section):
    database_url: Annotated[str, Field(min_length=1)]
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 5100
    message_queue: str = ""
    # a werkzeug password hash (`lapgate hash-password`) for /staff; empty: no staff pages
    staff_password_hash: Annotated[str, Field(pattern=r"^$|^(scrypt|pbkdf2)[:$]")] = ""
    timers: list[TimerToken] = []

    @model_validator(mode="after")
    def _unique_timers(self) -> LeagueSettings:
        ids = [t.id for t in self.timers]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"timer ids {repeated} repeat; expected each once")
        return self

    def tokens(self) -> dict[str, str]:
        return {t.id: t.token for t in self.timers}


class _File(_Section):
    league: LeagueSettings


def load_league_settings(path: Path) -> LeagueSettings:
    """Read `[league]` from the TOML file at `path`; errors name the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LeagueConfigError("{path}: {exc}", path=path, exc=exc) from None
    try:
        return _File.model_validate(data).league
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise LeagueConfigError("{path}: {problems}", path=path, problems=problems) from None
