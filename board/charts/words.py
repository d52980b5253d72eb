"""The words and numbers drawn into a chart, in the language of the request being served.

A chart drawn for a page (`board.web.charts`, the standings) speaks the page's language
(board/i18n.py: `?lang=`, cookie, Accept-Language, `[board] language`) through Flask-Babel;
one drawn outside a request (a printout, a test) is English, with "." decimals. `_` and
`ngettext` take `%(name)s` fields, as Flask-Babel's do, and tools/catalogs.py extracts
their messages like any other.
"""

from __future__ import annotations

from babel.numbers import get_decimal_symbol

from lapgate.board.i18n import DEFAULT_LANGUAGE, format_lap


def _babel_ready() -> bool:
    """A request of an app with Flask-Babel (a bare test app has none)."""
    from flask import current_app, has_request_context

    return has_request_context() and "babel" in current_app.extensions


def language() -> str:
    """The request's language; English outside a request."""
    if not _babel_ready():
        return DEFAULT_LANGUAGE
    from lapgate.board.i18n import current_language

    return current_language()


def _(message: str, **params: object) -> str:
    """`message` in the request's language, its `%(name)s` fields filled from `params`."""
    if not _babel_ready():
        return message % params if params else message
    from flask_babel import gettext

    text: str = gettext(message, **params)
    return text


def ngettext(singular: str, plural: str, num: int, **params: object) -> str:
    """The form of `singular`/`plural` for `num` (also the `%(num)s` field)."""
    if not _babel_ready():
        return (singular if num == 1 else plural) % {"num": num, **params}
    from flask_babel import ngettext as babel_ngettext

    text: str = babel_ngettext(singular, plural, num, **params)
    return text


def decimal(number_text: str) -> str:
    """A number written with "." (7.5, -12.3k) with the language's decimal symbol."""
    lang = language()
    return (
        number_text
        if lang == DEFAULT_LANGUAGE
        else number_text.replace(".", get_decimal_symbol(lang))
    )


def lap(ms: float) -> str:
    """A lap time as the pages show it in the request's language (12.345, 12,345)."""
    return format_lap(ms, language())
