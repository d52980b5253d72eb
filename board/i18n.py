"""The board in the racers' language: one language per client, never server-wide.

Server text (pages, charts, answers, the CLI) is marked with gettext (`_`, `ngettext`,
`lazy_gettext`) and translated from the gettext catalogs in board/translations
(`<lang>/LC_MESSAGES/messages.po`, compiled to `.mo`). Browser text is marked with
`L.t(...)`/`L.tn(...)` in board/static/js and translated from one JSON catalog per
language, board/static/i18n/<lang>.json, made from the same `.po` files (the messages
whose source is a script). `tools/catalogs.py` extracts, updates and compiles both;
tests/board/test_i18n_catalogs.py fails when a marked string has no translation.

A page's language, first match wins: `?lang=` (kept in a cookie, for kiosks and the switch
on every page), the language cookie, the browser's Accept-Language, `[board] language`.

Lap times follow the locale's decimal separator (12,345 in German and Spanish, 12.345 in
English and Japanese), on the server (`format_lap`) and in the browser (`L.fmtLap`) alike,
so one page never mixes the two.
"""

from __future__ import annotations

import contextlib
import enum
import gettext as _gettext
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

# The languages with complete catalogs, by code, each named in its own language (the switch).
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español", "ja": "日本語"}
DEFAULT_LANGUAGE = "en"
COOKIE = "lapgate_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
HERE = Path(__file__).resolve().parent
TRANSLATIONS = HERE / "translations"
BROWSER_CATALOGS = HERE / "static" / "i18n"
DOMAIN = "messages"


def language_or_none(value: object) -> str | None:
    """`value` as one of `LANGUAGES` ("de", "de-AT", "de_DE.UTF-8" → "de"), or None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split(".")[0].split("-")[0]
    return code if code in LANGUAGES else None


def choose(query: object, cookie: object, accepted: list[str], default: str) -> str:
    """The language of one request: `?lang=`, then the cookie, then the first accepted
    language we have (in the browser's order of preference), then `default`."""
    for value in (query, cookie, *accepted):
        code = language_or_none(value)
        if code:
            return code
    return language_or_none(default) or DEFAULT_LANGUAGE


# ---- Flask ---------------------------------------------------------------------------------


def init_app(app: Any, default_language: str = DEFAULT_LANGUAGE) -> None:
    """Flask-Babel with the per-request language; `lang`, `languages`, `lang_url` and the
    `lap` filter for templates; the `?lang=` choice kept in a cookie."""
    from flask import request
    from flask_babel import Babel

    def select() -> str:
        accepted = [value for value, _quality in request.accept_languages]
        return choose(
            request.args.get("lang"), request.cookies.get(COOKIE), accepted, default_language
        )

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    Babel(app, locale_selector=select)
    app.extensions["lapgate.language"] = select

    @app.context_processor
    def _language() -> dict[str, Any]:
        lang = select()
        return {
            "lang": lang,
            "languages": LANGUAGES,
            "lang_url": _lang_url,
            "browser_catalog": browser_catalog(lang),
        }

    app.add_template_filter(lambda ms: format_lap(ms, select()), "lap")

    @app.after_request
    def _keep_choice(response: Any) -> Any:
        chosen = language_or_none(request.args.get("lang"))
        if chosen and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE_S, samesite="Lax")
        return response


def current_language() -> str:
    """The language of the request being served (Flask request context)."""
    from flask import current_app

    select = current_app.extensions["lapgate.language"]
    language: str = select()
    return language


def _lang_url(code: str) -> str:
    """This page's address with `?lang=code` (other query arguments kept)."""
    from urllib.parse import urlencode

    from flask import request

    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return request.path + "?" + urlencode(args, doseq=True)


# ---- catalogs ------------------------------------------------------------------------------


@cache
def browser_catalog(lang: str) -> dict[str, Any]:
    """The browser's catalog of `lang` (msgid → text, or a list of plural forms); English
    has none: the message ids are the English text."""
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES:
        return {}
    catalog: dict[str, Any] = json.loads((BROWSER_CATALOGS / f"{lang}.json").read_text("utf-8"))
    return catalog


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled gettext catalog of `lang` (English: the identity)."""
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, str(TRANSLATIONS), languages=[lang])


def cli_language(environ: dict[str, str] | None = None) -> str:
    """The CLI's language from the environment, as gettext reads it: LANGUAGE (a list),
    LC_ALL, LC_MESSAGES, LANG; `LAPGATE_LANG` first of all."""
    env = os.environ if environ is None else environ
    for name in ("LAPGATE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for value in env.get(name, "").split(":"):
            code = language_or_none(value)
            if code:
                return code
    return DEFAULT_LANGUAGE


def cli_gettext(message: str) -> str:
    """`message` in the CLI's language (see `cli_language`)."""
    return translations(cli_language()).gettext(message)


def cli_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(cli_language()).ngettext(singular, plural, n)


def gettext_in(lang: str, message: str, **params: object) -> str:
    """`message` in `lang`, with `%(name)s` placeholders filled from `params`."""
    text = translations(lang).gettext(message)
    return text % params if params else text


# ---- numbers -------------------------------------------------------------------------------


def format_lap(ms: int | float | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A lap time as the board shows it: 12.345 or 1:02.345 (12,345 and 1:02,345 where the
    locale's decimal separator is a comma); "—" for none. `L.fmtLap` does the same."""
    if ms is None:
        return "—"
    sign = "-" if ms < 0 else ""
    whole = abs(round(ms))
    minutes, rest = divmod(whole, 60_000)
    seconds = format_decimal(rest / 1000, format="0.000", locale=lang, decimal_quantization=True)
    if minutes:
        seconds = format_decimal(rest / 1000, format="00.000", locale=lang)
        return f"{sign}{minutes}:{seconds}"
    return f"{sign}{seconds}"


# ---- errors --------------------------------------------------------------------------------


def error_text(exc: BaseException, lang: str) -> str:
    """A lapgate error's message in `lang`: its template translated, then filled with its
    params (timer/errors.py); the English message where the catalog has no translation or
    the translation does not fit the params."""
    template = getattr(exc, "template", None)
    params = getattr(exc, "params", None) or {}
    if not isinstance(template, str) or not template or lang == DEFAULT_LANGUAGE:
        return str(exc)
    text = translations(lang).gettext(template)
    try:
        # Params translated too: an error passed on ("model card: {problem}"), phrases,
        # codes such as a run's status.
        filled = {name: _param_text(value, lang) for name, value in params.items()}
        return text.format(**filled) if params else text
    except (KeyError, IndexError, ValueError):
        return str(exc)


class Phrase:
    """Part of an error's message with its own `{name}` fields (say "{count} runs"), given as
    one of the error's params and translated along with it (`error_text`). The template is a
    message id too (tools/catalogs.py extracts `Phrase("...")`); `str()` is the English."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params = params

    def __str__(self) -> str:
        return self.template.format(**self.params) if self.params else self.template


class Joined:
    """Phrases (or plain values) shown one after another with `separator` between them."""

    def __init__(self, separator: str, items: list[object]) -> None:
        self.separator = separator
        self.items = items

    def __str__(self) -> str:
        return self.separator.join(str(item) for item in self.items)


def _param_text(value: object, lang: str) -> object:
    """A param in `lang`: phrases and nested lapgate errors translated (a config file's
    problems, one a line); a code such as a run's status (`RunStatus.FINISHED`) as the
    board's word for it when the catalog has one; other values as they are."""
    if isinstance(value, Joined):
        return value.separator.join(str(_param_text(item, lang)) for item in value.items)
    if isinstance(value, Phrase):
        return _phrase(value, lang)
    if isinstance(value, BaseException):
        return error_text(value, lang)
    if isinstance(value, enum.Enum) and isinstance(value.value, str) and value.value:
        return translations(lang).gettext(value.value)
    return value


def _phrase(phrase: Phrase, lang: str) -> str:
    text = translations(lang).gettext(phrase.template)
    filled = {name: _param_text(value, lang) for name, value in phrase.params.items()}
    try:
        return text.format(**filled) if phrase.params else text
    except (KeyError, IndexError, ValueError):
        return str(phrase)


def request_gettext(message: str, **params: object) -> str:
    """`message` (a message id with `%(name)s` fields) in the language of the request being
    served, filled from `params`; English outside a request or in an app without `init_app`
    (the league service). Import it as `_` so tools/catalogs.py extracts the message."""
    from flask import has_request_context

    lang = DEFAULT_LANGUAGE
    if has_request_context():
        with contextlib.suppress(KeyError):  # no `init_app`: English
            lang = current_language()
    try:
        return gettext_in(lang, message, **params)
    except (KeyError, ValueError, TypeError):  # a translation that does not fit the params
        return message % params if params else message


def request_error_text(exc: BaseException) -> str:
    """`error_text` in the language of the request being served; English outside one."""
    from flask import has_request_context

    if not has_request_context():
        return str(exc)
    try:
        return error_text(exc, current_language())
    except KeyError:  # an app without `init_app` (a bare test app)
        return str(exc)
