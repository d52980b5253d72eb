"""The words and numbers drawn into a chart, in the language of the request being served.

A chart drawn for a page (`board.web.charts`, the standings) speaks the language Flask-Babel
chose for the request (board/i18n.py: `?lang=`, cookie, Accept-Language, `[board]
language`), from the same compiled catalogs; one drawn outside a request (a printout, a
test) is English, with "." decimals. `_` and `ngettext` take `%(name)s` fields, as
Flask-Babel's do, and tools/catalogs.py extracts their messages like any other.
"""

from __future__ import annotations

from babel.numbers import get_decimal_symbol

from lapgate.board.i18n import DEFAULT_LANGUAGE, current_language, format_lap, translations


def language() -> str:
    """The language of the request being served; English outside a request (or in an app
    without board/i18n.py's `init_app`, such as a bare test app)."""
    from flask import current_app, has_request_context

    if not has_request_context() or "lapgate.language" not in current_app.extensions:
        return DEFAULT_LANGUAGE
    return current_language()


def _(message: str, **params: object) -> str:
    """`message` in the request's language, its `%(name)s` fields filled from `params`."""
    text = translations(language()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, num: int, **params: object) -> str:
    """The form of `singular`/`plural` for `num` (also the `%(name)s` field `num`)."""
    text = translations(language()).ngettext(singular, plural, num)
    return text % {"num": num, **params}


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
