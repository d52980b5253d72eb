"""Reading settings from TOML, with errors that point at the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lapgate.config.settings import Settings
from lapgate.timer.errors import ConfigError, LapgateError


def load_settings(path: str | Path) -> Settings:
    """Settings from the TOML file at `path`; `ConfigError` names any bad value."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "{file}: no such file; expected a lapgate TOML config", file=file
        ) from None
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1].hex()
        raise ConfigError(
            "{file}: not UTF-8 text (byte 0x{bad} at offset {offset}); expected a "
            "lapgate TOML config saved as UTF-8",
            file=file,
            bad=bad,
            offset=exc.start,
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            "{file}: is a folder; expected a lapgate TOML config file", file=file
        ) from None
    except OSError as exc:
        raise ConfigError(
            "{file}: cannot be read ({reason}); expected a readable lapgate TOML config",
            file=file,
            reason=exc.strerror,
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("{file}: not valid TOML ({error})", file=file, error=exc) from None
    return settings_from_dict(data, source=str(file))


def settings_from_dict(data: dict[str, Any], source: str = "<config>") -> Settings:
    """Validate an already parsed mapping (tests, environment overrides)."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(source, error) for error in exc.errors()]
        raise _joined(problems) from None


def _joined(problems: list[ConfigError]) -> ConfigError:
    """One error of all `problems`, one a line; each stays a template of its own so the
    board translates every line (a param that is a lapgate error is translated too)."""
    joined = problems[-1]
    for problem in reversed(problems[:-1]):
        # i18n: two problems of a config file, one a line: keep it as it is
        joined = ConfigError("{problem}\n{more}", problem=problem, more=joined)
    return joined


def _key(loc: Any) -> str:
    location = ""
    for part in loc:
        if isinstance(part, int):
            location += f"[{part}]"
        elif part in {"gpio", "serial", "tcp", "simulated"}:
            continue  # the union member pydantic tried; the key path already says enough
        else:
            location += f".{part}" if location else str(part)
    return location


def _expected(error: Any) -> object:
    """What pydantic expected: our validators' own error (a template), else its text."""
    raised = (error.get("ctx") or {}).get("error")
    if isinstance(raised, LapgateError):
        return raised
    expected = str(error["msg"])
    for prefix in ("Input should be ", "Value error, ", "Assertion failed, "):
        expected = expected.removeprefix(prefix)
    return expected


def _problem(source: str, error: Any) -> ConfigError:
    """`file:key: got X, expected Y` for one pydantic error."""
    location = _key(error["loc"])
    key = location or "(top)"
    kind = error["type"]
    shown = error.get("input")
    if kind == "extra_forbidden":
        return ConfigError(
            "{source}:{key}: got {got!r}, expected no such key (a typo?)",
            source=source,
            key=key,
            got=shown,
        )
    if isinstance(shown, dict):  # a whole table (or the file) where a value belongs
        if kind == "missing" and location:
            return ConfigError(
                "{source}:{key}: got a table, expected a value", source=source, key=key
            )
        if kind == "missing":
            return ConfigError(
                "{source}:{key}: got the file, expected a value", source=source, key=key
            )
        if location:
            return ConfigError(
                "{source}:{key}: got a table, expected {expected}",
                source=source,
                key=key,
                expected=_expected(error),
            )
        return ConfigError(
            "{source}:{key}: got the file, expected {expected}",
            source=source,
            key=key,
            expected=_expected(error),
        )
    if kind == "missing":
        return ConfigError("{source}:{key}: got nothing, expected a value", source=source, key=key)
    return ConfigError(
        "{source}:{key}: got {got!r}, expected {expected}",
        source=source,
        key=key,
        got=shown,
        expected=_expected(error),
    )


def effective_toml(settings: Settings) -> str:
    """The effective settings as TOML-like text, for `lapgate check-config`."""
    lines: list[str] = []
    dumped = settings.model_dump(mode="json")
    for section, value in dumped.items():
        tables = value if isinstance(value, list) else [value]
        header = f"[[{section}]]" if isinstance(value, list) else f"[{section}]"
        for table in tables:
            lines.append(header)
            lines.extend(_toml_line(key, item) for key, item in table.items())
            lines.append("")
    return "\n".join(lines)


def _toml_line(key: str, value: Any) -> str:
    # TOML has no null: an unset optional value is shown as a comment.
    return f"# {key} is unset" if value is None else f"{key} = {_toml_value(value)}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ "
            + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in value.items())
            + " }"
        )
    return str(value)
