"""Every message the code and the templates pass through gettext has an English translation.

The messages are extracted here with Babel's own API and the project's ``babel.cfg`` (what
``make translations`` extracts), so a new ``_('...')`` without its line in ``en.po`` fails
this test, not a reader of the English pages.
"""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from archive_app.http.i18n import CATALOGUES, KEYWORDS

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CALL = re.compile(r"""\{[^{}]*\b(_|N_|gettext|lazy_gettext)\(\s*["']""")


def extracted() -> dict[str, tuple[str, int]]:
    """Each msgid found in the code and the templates, with one place it was found."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, tuple[str, int]] = {}
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    for path, line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, (path, line))
    return found


def english():
    with (CATALOGUES / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_the_extraction_finds_the_messages():
    """GIVEN the code WHEN its messages are extracted THEN the menu's and a flash message are
    among them (an extraction that finds nothing would pass everything)."""
    found = extracted()
    assert {"Beranda", "Keluar", "Arsip Formulir Pemilu"} <= set(found)
    assert any(path.endswith(".py") for path, _ in found.values())


def test_every_message_has_a_finished_english_translation():
    """GIVEN every extracted message WHEN looked up in en.po THEN it is there, translated,
    not fuzzy, and keeps the same %(name)s placeholders."""
    catalogue, problems = english(), []
    for msgid, (path, line) in sorted(extracted().items()):
        entry = catalogue.get(msgid)
        where = f"{path}:{line}: {msgid!r}"
        if entry is None:
            problems.append(f"not in en.po: {where}")
        elif not entry.string or entry.fuzzy:
            problems.append(f"untranslated or fuzzy: {where}")
        elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(str(entry.string))):
            problems.append(f"placeholders differ: {where} -> {entry.string!r}")
    assert not problems, "run `make translations`, then translate:\n" + "\n".join(problems)


def test_no_message_hides_inside_an_f_string():
    """GIVEN the Python sources WHEN read THEN no gettext call sits inside an f-string's
    braces: the extraction cannot see it there, so its English would silently be missing."""
    hidden = []
    for path in sorted((ROOT / "archive_app").rglob("*.py")):
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                prefix = token.string[:2].lower()
                if token.type == tokenize.STRING and "f" in prefix and CALL.search(token.string):
                    hidden.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not hidden, hidden
