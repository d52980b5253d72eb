"""The one error tree of lapgate.

Every error also inherits the matching builtin so callers that know nothing of lapgate
still catch it sensibly (the gpiozero habit). Messages name the object and the bad value.

A message is a template with `{name}` fields and the values as keyword arguments,
`RuleViolation("run {run_id}: has {held} events", run_id=..., held=...)`, never an f-string:
`str(error)` is the English text, and the board shows `template` translated into each
client's language with the same `params` (board/i18n.py). The template is the gettext
message id (tools/catalogs.py extracts the first argument of these classes). A param may
itself be a lapgate error: the board translates it too (a config file's problems, one a line).
"""

from __future__ import annotations


class LapgateError(Exception):
    """Root of every error lapgate raises on purpose.

    `template` is the message with `{name}` fields; `params` their values.
    """

    def __init__(self, template: str = "", /, *args: object, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template, *args)


class RuleViolation(LapgateError, ValueError):
    """A staff action or event that the race rules do not allow in the run's state."""


class UnknownEvent(LapgateError, LookupError):
    """An action names an event id that the run's log does not hold."""


class ConfigError(LapgateError, ValueError):
    """A settings file or value is malformed; the message reads `file:key: got X, expected Y`.

    A settings validator raises one with just the `Y` (what it expects); config/loader.py
    puts it in such a line as a param, so it is translated there too."""
