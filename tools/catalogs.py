"""Extract, update and compile lapgate's translations (Babel's catalog API).

    .venv/bin/python tools/catalogs.py            # extract + update + compile
    .venv/bin/python tools/catalogs.py --check    # exit 1 if anything is missing or stale

Sources of messages (see board/i18n.py):
- Python in board/, timer/, hardware/, config/: `_()`, `gettext()`, `ngettext()`,
  `lazy_gettext()`/`_l()`, `N_()`, and the first argument of lapgate's errors
  (`RuleViolation("run {run_id}: ...", run_id=...)`, timer/errors.py);
- templates in board/templates: `{{ _("...") }}`, `{% trans %}` (Jinja's extractor);
- scripts in board/static/js: `L.t("...")`, `L.tn("one", "many", n)`.

`update` keeps every translation made so far and adds the new message ids with an empty
translation for a person to fill in `board/translations/<lang>/LC_MESSAGES/messages.po`;
`compile` writes the `.mo` next to each `.po` and the browser's JSON catalog
board/static/i18n/<lang>.json (the messages whose source is a script).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "board"
TRANSLATIONS = BOARD / "translations"
BROWSER = BOARD / "static" / "i18n"
LANGUAGES = ("de", "es", "ja")  # English is the message ids themselves
CODE = ("timer", "config", "hardware", "board")


def error_classes() -> tuple[str, ...]:
    """Every class in the code that derives from LapgateError (by name, through the
    class bases): their first argument is a message template (timer/errors.py)."""
    bases: dict[str, set[str]] = {}
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.ClassDef):
                    names = {
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                        for b in node.bases
                    }
                    bases.setdefault(node.name, set()).update(names)
    found = {"LapgateError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return tuple(sorted(found))
        found |= more


ERRORS = error_classes()
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "t": None,  # L.t in scripts
    "tn": (1, 2),  # L.tn in scripts
    "Phrase": None,  # part of an error's message (board/i18n.py)
    **{name: None for name in ERRORS},
}
SOURCES: list[tuple[Path, list[tuple[str, str]]]] = [
    (
        BOARD,
        [("templates/**.html", "jinja2"), ("static/js/**.js", "javascript"), ("**.py", "python")],
    ),
    (ROOT / "timer", [("**.py", "python")]),
    (ROOT / "hardware", [("**.py", "python")]),
    (ROOT / "config", [("**.py", "python")]),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
HEADER = "lapgate's messages. Made by tools/catalogs.py; translate the msgstr lines."
# Fixed header dates: the files change only when a message does.
DATE = datetime(2026, 1, 1, tzinfo=UTC)


def extract() -> Catalog:
    """Every marked message of the sources, with where it is used."""
    catalog = Catalog(project="lapgate", header_comment=f"# {HEADER}", creation_date=DATE)
    for folder, method_map in SOURCES:
        found = extract_from_dir(
            str(folder),
            method_map,
            OPTIONS,
            keywords=KEYWORDS,
            comment_tags=("i18n:",),
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            where = (str((folder / filename).relative_to(ROOT)), lineno)
            catalog.add(message, None, [where], auto_comments=comments, context=context)
    return catalog


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(
            locale=lang, project="lapgate", header_comment=f"# {HEADER}", creation_date=DATE
        )
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    # file names without line numbers: an edit that moves a message does not stale the .po
    write_po(
        out, catalog, width=100, omit_header=False, include_previous=False, include_lineno=False
    )
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def is_script(message: Message) -> bool:
    return any(path.endswith(".js") for path, _line in message.locations)


def browser_catalog(catalog: Catalog) -> dict[str, Any]:
    """msgid → translation (a list of plural forms for plural messages), scripts only."""
    out: dict[str, Any] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not is_script(message):
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if isinstance(message.string, tuple | list):
            if all(message.string):
                out[key] = list(message.string)
        elif message.string:
            out[key] = message.string
    return out


def json_bytes(catalog: Catalog) -> bytes:
    text = json.dumps(browser_catalog(catalog), ensure_ascii=False, indent=0, sort_keys=True)
    return (text + "\n").encode("utf-8")


def updated(lang: str, template: Catalog, fills: dict[str, Any] | None = None) -> Catalog:
    catalog = read(lang)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    for msgid, text in (fills or {}).items():
        message = catalog.get(msgid)
        if message is None:
            print(f"--fill: {lang}: {msgid!r} is no message of the sources; skipped")
            continue
        message.string = tuple(text) if isinstance(text, list) else text
        message.flags.discard("fuzzy")
    catalog.creation_date = catalog.revision_date = DATE
    catalog.obsolete.clear()  # a message no page uses any more is no work for a translator
    return catalog


def missing(catalog: Catalog) -> list[str]:
    """Message ids without a (non-fuzzy) translation."""
    gaps = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy or not all(strings):
            gaps.append(message.id[0] if isinstance(message.id, tuple | list) else message.id)
    return gaps


def outputs(lang: str, template: Catalog, fills: dict[str, Any] | None = None) -> dict[Path, bytes]:
    catalog = updated(lang, template, fills)
    return {
        po_path(lang): po_bytes(catalog),
        po_path(lang).with_suffix(".mo"): mo_bytes(catalog),
        BROWSER / f"{lang}.json": json_bytes(catalog),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when stale")
    parser.add_argument(
        "--fill",
        type=Path,
        action="append",
        default=[],
        help='a JSON file {"de": {"English message": "Übersetzung", "one": ["one form", '
        '"other form"]}, "es": {...}, "ja": {...}} of translations to put in the catalogs',
    )
    args = parser.parse_args()
    template = extract()
    fills: dict[str, dict[str, Any]] = {lang: {} for lang in LANGUAGES}
    for path in args.fill:
        for lang, texts in json.loads(path.read_text("utf-8")).items():
            fills[lang].update(texts)
    stale, gaps = [], {}
    for lang in LANGUAGES:
        gaps[lang] = missing(updated(lang, template, fills[lang]))
        for path, data in outputs(lang, template, fills[lang]).items():
            if path.exists() and path.read_bytes() == data:
                continue
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    for lang, ids in gaps.items():
        for msgid in ids:
            print(f"{po_path(lang).relative_to(ROOT)}: no translation of {msgid!r}")
    for path in stale:
        print(f"{path.relative_to(ROOT)}: {'stale' if args.check else 'written'}")
    print(
        f"{len(template)} messages; missing: " + ", ".join(f"{k} {len(v)}" for k, v in gaps.items())
    )
    return 1 if args.check and (stale or any(gaps.values())) else 0


if __name__ == "__main__":
    sys.exit(main())
