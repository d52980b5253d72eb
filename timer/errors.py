"""The one error tree of lapgate.

Every error also inherits the matching builtin so callers that know nothing of lapgate
still catch it sensibly (the gpiozero habit). Messages name the object and the bad value.
"""

from __future__ import annotations


class LapgateError(Exception):
    """Root of every error lapgate raises on purpose."""


class RuleViolation(LapgateError, ValueError):
    """A staff action or event that the race rules do not allow in the run's state."""


class UnknownEvent(LapgateError, LookupError):
    """An action names an event id that the run's log does not hold."""


class ConfigError(LapgateError, ValueError):
    """A settings file or value is malformed; the message reads `file:key: got X, expected Y`."""
