"""Every user-facing string is marked for translation and translated in every catalog.

- Each marked message (templates, scripts, Python, errors: tools/catalogs.py) has a
  translation in German, Spanish and Japanese, with the same `{field}`s as the English.
- The committed `.mo` files and browser JSON catalogs are what the `.po` files compile to.
- No page template holds visible text outside `_()`, and no script writes a string literal
  with words into the page (textContent, `L.el`, titles, placeholders, dialogs) without `L.t`.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "board" / "templates"
SCRIPTS = ROOT / "board" / "static" / "js"


def _catalogs() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "lapgate_tools_catalogs", ROOT / "tools" / "catalogs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


catalogs = _catalogs()


@pytest.fixture(scope="module")
def template():  # type: ignore[no-untyped-def]
    return catalogs.extract()


def _fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)(?:![rsa])?\}", text)) | set(re.findall(r"%\((\w+)\)s", text))


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_every_message_is_translated(template, lang: str) -> None:  # type: ignore[no-untyped-def]
    catalog = catalogs.updated(lang, template)
    gaps = catalogs.missing(catalog)
    assert not gaps, f"{len(gaps)} messages have no {lang} translation, e.g. {gaps[:10]}"


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_translations_keep_the_fields(template, lang: str) -> None:  # type: ignore[no-untyped-def]
    wrong = []
    for message in catalogs.updated(lang, template):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        expected = set().union(*(_fields(i) for i in ids))
        for text in strings:
            if text and not _fields(text) <= expected | {"n"}:
                wrong.append((ids[0], text))
            if text and len(ids) == 1 and _fields(text) != expected:
                wrong.append((ids[0], text))
    assert not wrong, f"{lang}: translations whose {{fields}} differ from the English: {wrong[:10]}"


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_compiled_catalogs_are_current(template, lang: str) -> None:  # type: ignore[no-untyped-def]
    stale = [
        str(path.relative_to(ROOT))
        for path, data in catalogs.outputs(lang, template).items()
        if not path.exists() or path.read_bytes() != data
    ]
    assert not stale, (
        f"run .venv/bin/python tools/catalogs.py: {stale} are not what the sources give"
    )


# ---- nothing visible left unmarked ----------------------------------------------------------

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
BLOCKS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
ATTRS = re.compile(
    r"""\b(title|placeholder|alt|aria-label|label|value)\s*=\s*"([^"{]*[A-Za-z]{2,}[^"]*)\""""
)
WORD = re.compile(r"[A-Za-z]{2,}")
# Names that are the same in every language.
KEEP = {"lapgate", "QR", "CSV", "JSON", "PDF", "ID", "DNF", "DeepRacer", "HTTPS", "URL"}


def _words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w not in KEEP]


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_mark_their_text(path: Path) -> None:
    source = re.sub(r"\{% block body_class %\}.*?\{% endblock %\}", " ", path.read_text("utf-8"))
    body = BLOCKS.sub(" ", JINJA.sub(" ", source))
    visible = [line.strip() for line in TAG.sub("\n", body).splitlines() if _words(line)]
    attrs = [
        f'{name}="{value}"'
        for name, value in ATTRS.findall(JINJA.sub(" ", source))
        if _words(value) and not (name == "value" and re.fullmatch(r"[a-z0-9_\-]+", value))
    ]  # a form value in lower case without spaces ("aws") is a code the page sends, not text
    assert not visible + attrs, f"{path.name}: text outside _(): {(visible + attrs)[:10]}"


STRING = r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
SINKS = [
    re.compile(r"\.(?:textContent|innerText|title|placeholder|alt|ariaLabel)\s*=\s*" + STRING),
    re.compile(r"\b(?:alert|confirm|prompt)\(\s*" + STRING),
    re.compile(r"\bel\(\s*" + STRING + r"\s*,\s*" + STRING + r"\s*,\s*" + STRING),
    re.compile(
        r"""setAttribute\(\s*["'](?:title|placeholder|alt|aria-label)["']\s*,\s*""" + STRING
    ),
    re.compile(r"""[:?]\s*""" + STRING + r"""\s*[;,)]"""),  # a ternary's branches
    re.compile(r"""\+\s*""" + STRING + r"""|""" + STRING + r"""\s*\+"""),  # joined into a sentence
]


def _script_literals(source: str) -> list[str]:
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        code = line.split("//")[0] if not line.lstrip().startswith("//") else ""
        code = re.sub(r"\bL?\.?tn?\(\s*" + STRING, "t()", code)  # marked: fine
        for sink in SINKS:
            for match in sink.finditer(code):
                for literal in (group for group in match.groups() if group):
                    text = literal[1:-1]
                    if _words(text) and not _selector_like(text):
                        found.append(f"{number}: {text}")
    return found


def _selector_like(text: str) -> bool:
    """Class names, ids, URLs, event names and other code, not words for people."""
    return (
        bool(re.fullmatch(r"[\w\-./:#?=&%${}\[\] ]*", text))
        and (" " not in text.strip() or bool(re.fullmatch(r"[a-z0-9\-_ ]+", text)))
        and not re.search(r"[A-Z][a-z]+", text)
    )


@pytest.mark.parametrize("path", sorted(SCRIPTS.glob("*.js")), ids=lambda p: p.name)
def test_scripts_mark_their_text(path: Path) -> None:
    found = _script_literals(path.read_text("utf-8"))
    assert not found, f"{path.name}: words written to the page without L.t: {found[:12]}"
