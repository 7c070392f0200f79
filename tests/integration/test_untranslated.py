"""No text on the main pages escapes gettext.

The app is given a test-only catalogue in which every extracted message translates to
itself wrapped in ⟦ ⟧. Each main page is rendered for each role through it; what a person
can read (text, and the title, aria-label, placeholder and alt attributes) must then be
either inside the markers or data: the archive's own records, users, vocabulary, numbers
and ids. A word written into a template or a view without ``_()`` is neither, and fails
the test with the page and the words.
"""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from archive_app.audit import readable
from archive_app.domain.roles import Role
from archive_app.recordkeeping import retention
from tests.conftest import bearer
from tests.factories import META, mark_processed
from tests.integration.records_helpers import add
from tests.unit.test_translations import extracted

ROOT = Path(__file__).resolve().parents[2]
OPEN, CLOSE = "⟦", "⟧"
MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9._\-/]*")
# Data rather than words: record ids, file names, hashes, ISO dates.
DATA = re.compile(r"\b[0-9a-f]{8,}\b|\bs\d+\.png\b|\d{4}-\d\d-\d\dT[\d:.+]*")
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

PAGES = {
    "admin": ["/beranda", "/", "/?q=Papahan", "/documents", "/documents/{record}", "/upload",
              "/batches", "/batches/new", "/admin/users", "/account/tokens"],
    "archivist": ["/beranda", "/review", "/review/{review}", "/documents?status=queued"],
    "records_officer": ["/beranda", "/retention", "/retention/records?state=due",
                        "/retention/schedule", "/holds", "/holds/new", "/dispositions",
                        "/dispositions/new?action=destroy"],
    "auditor": ["/beranda", "/audit", "/fixity", "/rekapitulasi"],
    "approver": ["/beranda", "/dispositions"],
}  # fmt: skip


class VisibleText(HTMLParser):
    """The text a person reads (``text``) and the readable attributes (``attributes``).
    Left out on purpose: an element in another language than the page (the language switch
    names each language in itself) and one marked ``translate="no"`` (codes shown as codes)."""

    def __init__(self, page_language: str):
        super().__init__(convert_charrefs=True)
        self.page_language, self.stack = page_language, []
        self.text: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        foreign = values.get("lang") not in (None, self.page_language) and tag != "html"
        skipped = foreign or values.get("translate") == "no" or self._hidden()
        if tag not in ("meta", "link", "input", "img", "br", "hr", "source", "wbr"):
            self.stack.append((tag, skipped))
        if not skipped:
            self.attributes += [values[a] for a in VISIBLE_ATTRIBUTES if values.get(a)]

    def handle_startendtag(self, tag, attrs):
        values = dict(attrs)
        if not (self._hidden() or values.get("translate") == "no"):
            self.attributes += [values[a] for a in VISIBLE_ATTRIBUTES if values.get(a)]

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        self.text.append(" " if self._hidden() else data)

    def _hidden(self) -> bool:
        return any(tag in ("script", "style") or hidden for tag, hidden in self.stack)


def untranslated(html: str, allowed: set[str]) -> list[str]:
    parser = VisibleText("en")
    parser.feed(html)
    found = []
    # The text as one: a message may hold elements (a badge inside "Status: %(badge)s").
    for part in [" ".join(parser.text), *parser.attributes]:
        text = part
        while MARKED.search(text):  # innermost first: a message inside another's placeholder
            text = MARKED.sub(" ", text)
        text = DATA.sub(" ", text)
        for word in WORD.findall(text):
            if any(p not in allowed for p in re.split(r"[._\-/]+", word) if p):
                found.append(word)
    return found


@pytest.fixture
def pseudo(app, tmp_path):
    """The app reading English from a catalogue where every message is ⟦itself⟧."""
    catalogue = Catalog(locale="en")
    for msgid in extracted():
        catalogue.add(msgid, f"{OPEN}{msgid}{CLOSE}")
    target = tmp_path / "pseudo" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as mo:
        write_mo(mo, catalogue)
    app.extensions["babel"].translation_directories = [str(tmp_path / "pseudo")]
    return app


@pytest.fixture
def archive(services, tokens):
    """Records in the states the pages show: queued, ready, waiting for review, due."""
    retention.ensure_schedule(services, "test")
    queued, ready, review = (add(services, n) for n in (1, 2, 3))
    mark_processed(services, ready, review=False)
    mark_processed(services, review, review=True)
    retention.refresh(services, ids=[queued, ready, review])
    return {"record": ready, "review": review}


def allowed_words(services) -> set[str]:
    """Words that are data: the fixtures' records and users, the vocabulary and retention
    schedule the archive is configured with, the audit trail's codes, and the review reason
    the fixtures store ("tps")."""
    vocabulary = services.settings.vocabulary
    data = [*META.values(), "C.KEJADIAN", "2014", *(r.value for r in Role), "TPS", "test"]
    data += [r.value.replace("_", "-") for r in Role]
    for term in (*vocabulary.elections, *vocabulary.form_types):
        data += [term.code, term.label, *term.aliases]
    with (ROOT / "config" / "retention.toml").open("rb") as schedule:
        data += list(_strings(tomllib.load(schedule)))
    data += ["tps", "document", *readable.TARGET_KINDS]
    data += ["contoh jadwal retensi (config/retention.toml)"]  # the first version's comment
    data += [*readable.ACTION_LABELS, *readable.DETAIL_LABELS]
    return {p for v in data for w in WORD.findall(str(v)) for p in re.split(r"[._\-/]+", w) if p}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_word_on_the_main_pages_goes_through_gettext(pseudo, services, tokens, archive, role):
    """GIVEN a catalogue that marks every translated message WHEN each main page is opened
    in English by a user of ``role`` THEN every word people read is marked or is data."""
    client, allowed, problems = pseudo.test_client(), allowed_words(services), []
    for path in PAGES[role]:
        url = path.format(**archive)
        answer = client.get(url, headers={**bearer(tokens[role]), "Accept-Language": "en"})
        assert answer.status_code == 200, (url, answer.status_code)
        html = answer.get_data(as_text=True)
        assert OPEN in html, f"{url}: the pseudo catalogue was not used"
        words = untranslated(html, allowed)
        if words:
            problems.append(f"{url}: {sorted(set(words))}")
    if problems:  # pytest.fail: the whole list, not an abbreviated repr of it
        pytest.fail("text outside gettext:\n" + "\n".join(problems), pytrace=False)


def test_the_check_catches_a_literal_word(pseudo, services, tokens, archive):
    """GIVEN a template string written without _() WHEN checked THEN it is reported: the
    test above would catch one added to a page."""
    html = '<html lang="en"><p>⟦Cari⟧ Papahan Rahasia</p><a title="Judul">⟦x⟧</a></html>'
    assert untranslated(html, allowed_words(services)) == ["Rahasia", "Judul"]
