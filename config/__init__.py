"""Typed lapgate settings, loaded from TOML and validated.

`load_settings(path)` returns a frozen `Settings`; any bad value raises `ConfigError`
whose message reads ``file:section.key: got X, expected Y``.
"""

from lapgate.config.loader import load_settings, settings_from_dict
from lapgate.config.settings import (
    BoardSettings,
    EventSettings,
    GateSettings,
    GpioGate,
    RoundDefaults,
    SerialGate,
    Settings,
    SimulatedGate,
    StoreSettings,
    SyncSettings,
    TcpGate,
    TrackSettings,
)

__all__ = [
    "BoardSettings",
    "EventSettings",
    "GateSettings",
    "GpioGate",
    "RoundDefaults",
    "SerialGate",
    "Settings",
    "SimulatedGate",
    "StoreSettings",
    "SyncSettings",
    "TcpGate",
    "TrackSettings",
    "load_settings",
    "settings_from_dict",
]
