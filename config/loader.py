"""Reading settings from TOML, with errors that point at the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lapgate.config.settings import Settings
from lapgate.timer.errors import ConfigError


def load_settings(path: str | Path) -> Settings:
    """Settings from the TOML file at `path`; `ConfigError` names any bad value."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file; expected a lapgate TOML config") from None
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1].hex()
        raise ConfigError(
            f"{file}: not UTF-8 text (byte 0x{bad} at offset {exc.start}); expected a lapgate "
            "TOML config saved as UTF-8"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{file}: is a folder; expected a lapgate TOML config file") from None
    except OSError as exc:
        raise ConfigError(
            f"{file}: cannot be read ({exc.strerror}); expected a readable lapgate TOML config"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc})") from None
    return settings_from_dict(data, source=str(file))


def settings_from_dict(data: dict[str, Any], source: str = "<config>") -> Settings:
    """Validate an already parsed mapping (tests, environment overrides)."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(source, error) for error in exc.errors())) from None


def _describe(source: str, error: Any) -> str:
    location = ""
    for part in error["loc"]:
        if isinstance(part, int):
            location += f"[{part}]"
        elif part in {"gpio", "serial", "tcp", "simulated"}:
            continue  # the union member pydantic tried; the key path already says enough
        else:
            location += f".{part}" if location else str(part)
    expected = str(error["msg"])
    for prefix in ("Input should be ", "Value error, ", "Assertion failed, "):
        expected = expected.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        expected = "no such key (a typo?)"
    elif error["type"] == "missing":
        expected = "a value"
    shown = error.get("input")
    got = "nothing" if error["type"] == "missing" else repr(shown)
    if isinstance(shown, dict) and error["type"] not in ("extra_forbidden",):
        got = "a table" if location else "the file"
    return f"{source}:{location or '(top)'}: got {got}, expected {expected}"


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
