"""Every CSV download names its columns by their stable codes, for scripts; asked with
``header=labels`` (as every download link on the pages asks), it names them in the reader's
language instead. Only the header row changes."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass

import pytest

from archive_app import audit
from archive_app.recordkeeping import retention
from archive_app.records import indexing
from tests.conftest import bearer
from tests.recap_helpers import archived, meta, recap_tally, tally

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


@dataclass(frozen=True)
class Export:
    path: str
    params: dict
    codes: tuple[str, ...]  # the header row scripts rely on, as it always was
    indonesian: tuple[str, ...]  # some of its columns as people read them
    english: tuple[str, ...]
    api: bool


RECAP = {"election": "PPWP", "year": "2024", "province": "33", "regency": "33.13"}
EXPORTS = {
    "tally": Export(
        "/api/v1/tally.csv",
        {"village": "papahan"},
        ("document_id", "election", "form_type", "year", "province", "regency", "district",
         "village", "tps", "line", "votes", "confidence", "consistent", "flags", "status"),
        ("ID arsip", "Provinsi", "Kabupaten/Kota", "Kelurahan/Desa", "TPS", "Suara", "Keyakinan"),
        ("Record ID", "Province", "Regency/City", "Village", "Polling station", "Votes"),
        api=True,
    ),
    "recap comparison": Export(
        "/api/v1/recap/comparison.csv",
        RECAP,
        ("region", "name", "level", "candidate", "label", "from_forms", "unsure", "confirmed",
         "read", "unread", "recap_form", "published", "series"),
        ("Kode wilayah", "Wilayah", "Calon / baris", "Jumlah dari formulir", "Formulir rekap"),
        ("Region code", "Region", "Candidate / row", "Sum of the forms", "Recapitulation form"),
        api=True,
    ),
    "recap differences": Export(
        "/api/v1/recap/differences.csv",
        RECAP,
        ("rank", "region", "name", "level", "kind", "candidate", "label", "first", "second",
         "difference", "impact", "size", "missing_tps", "explained", "records"),
        ("Peringkat", "Wilayah", "Jenis", "Pertama", "Kedua", "Pengaruh", "ID arsip"),
        ("Rank", "Region", "Kind", "First", "Second", "Effect", "Record ID"),
        api=True,
    ),
    "audit trail": Export(
        "/audit/export.csv",
        {"action": "upload"},
        ("id", "at", "actor", "action", "target", "ip", "details"),
        ("Nomor entri", "Waktu", "Pelaku", "Tindakan", "Sasaran", "Rincian"),
        ("Entry number", "Time", "Actor", "Action", "Target", "Details"),
        api=False,
    ),
    "retention list": Export(
        "/retention/records.csv",
        {"election": "ppwp"},
        ("id", "form_type", "election", "year", "province", "regency", "district", "village",
         "tps", "state", "state_label", "action", "series", "active_until", "inactive_until",
         "changes_at", "holds"),
        ("ID arsip", "Jenis formulir", "Status retensi", "Jatuh tempo untuk", "Seri (JRA)"),
        ("Record ID", "Form type", "Retention status", "Due for", "Series (JRA)"),
        api=False,
    ),
}  # fmt: skip


@pytest.fixture
def papahan(services, tokens):
    """A counted C.Hasil of Papahan TPS 1, indexed, in the retention list and the audit
    trail, and a kecamatan recapitulation that disagrees with it."""
    store = services.metadata
    retention.ensure_schedule(services, "test")
    counted = tally([100, 80, 20])
    for number in counted["numbers"]:
        number["confidence"] = 96.0  # as the reader gives every number it reads
    record_id = archived(store, meta("33.13.05.2001", 1), counted)
    archived(
        store,
        meta("33.13.05", form_type="D.HASIL.KECAMATAN"),
        recap_tally({"2001": [165, 150, 35]}, [165, 150, 35]),
    )
    retention.refresh(services)
    assert indexing.index_records(services, [record_id])
    audit.record(services, "archivist", "upload", f"document:{record_id}", "127.0.0.1")
    return record_id


def download(client, export: Export, headers: dict, **params) -> list[list[str]]:
    answer = client.get(export.path, query_string={**export.params, **params}, headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "text/csv", answer.data[:300]
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True))))


@pytest.mark.parametrize("kind", EXPORTS)
def test_a_script_gets_the_column_codes_and_a_person_asking_for_labels_gets_words(
    client, tokens, papahan, kind
):
    """GIVEN an auditor with no language chosen and a browser asking for none WHEN an export
    is downloaded as before, or with header=codes THEN its header row is the column codes;
    WHEN it is downloaded with header=labels THEN the header row is in Indonesian, one label
    per column, and the rows under it are the same."""
    export, auditor = EXPORTS[kind], bearer(tokens["auditor"])
    plain = download(client, export, auditor)
    assert tuple(plain[0]) == export.codes and len(plain) > 1
    assert download(client, export, auditor, header="codes") == plain
    labelled = download(client, export, auditor, header="labels")
    assert len(labelled[0]) == len(export.codes)
    assert set(export.indonesian) <= set(labelled[0])
    assert not set(labelled[0]) & set(export.codes)
    assert labelled[1:] == plain[1:]


@pytest.mark.parametrize("kind", EXPORTS)
def test_labels_follow_the_language_a_person_reads(client, services, tokens, papahan, kind):
    """GIVEN a browser asking for English WHEN an export is downloaded with header=labels
    THEN its columns are named in English; GIVEN an auditor whose chosen language is
    Indonesian THEN their choice wins over the browser's; the codes stay the codes in
    every language."""
    export, auditor = EXPORTS[kind], bearer(tokens["auditor"])
    english = download(client, export, {**auditor, **ENGLISH}, header="labels")[0]
    assert set(export.english) <= set(english)
    assert not set(english) & set(export.indonesian)
    assert tuple(download(client, export, {**auditor, **ENGLISH})[0]) == export.codes

    users = services.metadata.users
    users.set_language(users.by_name("auditor").id, "id")
    chosen = download(client, export, {**auditor, **ENGLISH}, header="labels")[0]
    assert set(export.indonesian) <= set(chosen)


@pytest.mark.parametrize("kind", EXPORTS)
def test_a_user_who_chose_english_gets_english_labels(client, services, tokens, papahan, kind):
    """GIVEN an auditor who chose English WHEN their browser asks for no language and an
    export is downloaded with header=labels THEN its columns are named in English."""
    users = services.metadata.users
    users.set_language(users.by_name("auditor").id, "en")
    export = EXPORTS[kind]
    english = download(client, export, bearer(tokens["auditor"]), header="labels")[0]
    assert set(export.english) <= set(english)


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_unknown_header_choice_is_refused_with_the_reason(client, tokens, papahan, kind):
    """GIVEN an export WHEN it is asked with header=words THEN a 400 says which choices
    there are, in the reader's language: the API's usual error on the API, the pages'
    plain sentence on the pages' exports; nothing is written."""
    export, auditor = EXPORTS[kind], bearer(tokens["auditor"])
    asked = (
        (auditor, "header harus salah satu dari codes, labels"),
        ({**auditor, **ENGLISH}, "header must be one of codes, labels"),
    )
    for headers, said in asked:
        answer = client.get(
            export.path, query_string={**export.params, "header": "words"}, headers=headers
        )
        assert answer.status_code == 400
        if export.api:
            assert answer.get_json() == {
                "error": "invalid_parameter", "message": said, "fields": {"header": said},
            }  # fmt: skip
        else:
            assert answer.mimetype == "text/plain" and answer.get_data(as_text=True) == said


def test_every_csv_link_on_the_pages_asks_for_labels(client, tokens, papahan):
    """GIVEN the search, audit trail, retention list and Rekapitulasi pages WHEN an auditor
    follows each CSV link on them THEN each asks for header=labels and downloads a header
    row in words."""
    auditor = bearer(tokens["auditor"])
    pages = ("/?village=Papahan", "/audit", "/retention/records",
             "/rekapitulasi?election=PPWP&year=2024&region=33.13")  # fmt: skip
    links = []
    for page in pages:
        text = client.get(page, headers=auditor).get_data(as_text=True)
        found = [html.unescape(h) for h in re.findall(r'href="([^"]*\.csv[^"]*)"', text)]
        assert found, page
        links += found
    assert len(links) == 5
    for link in links:
        assert "header=labels" in link, link
        answer = client.get(link, headers=auditor)
        assert answer.status_code == 200, link
        header = next(csv.reader(io.StringIO(answer.get_data(as_text=True))))
        assert "ID arsip" in header or "Wilayah" in header or "Pelaku" in header, link


def test_the_recap_workbook_names_its_columns_like_the_csv_downloads(client, tokens, papahan):
    """GIVEN the Rekapitulasi page WHEN an auditor follows its XLSX link THEN every sheet's
    header row is in words, in English for an English reader; without ``header`` the
    workbook keeps the codes for scripts."""
    from openpyxl import load_workbook

    auditor = bearer(tokens["auditor"])
    page = client.get("/rekapitulasi?election=PPWP&year=2024&region=33.13", headers=auditor)
    link = html.unescape(re.search(r'href="([^"]*\.xlsx[^"]*)"', page.get_data(as_text=True))[1])
    assert "header=labels" in link

    def first_rows(url: str, headers: dict) -> list[list]:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.data[:300]
        book = load_workbook(io.BytesIO(answer.data), read_only=True)
        return [list(next(sheet.iter_rows(max_row=1, values_only=True))) for sheet in book]

    comparison, differences, missing = first_rows(link, auditor)
    assert comparison[:2] == ["Kode wilayah", "Wilayah"] and "Peringkat" in differences
    assert missing == ["Kode TPS", "TPS"]
    english = first_rows(link, {**auditor, **ENGLISH})
    assert english[0][:2] == ["Region code", "Region"]
    assert english[2] == ["Polling station code", "Polling station"]
    codes = first_rows(link.replace("header=labels", "header=codes"), auditor)
    assert codes[0][:2] == ["region", "name"] and codes[2] == ["code", "name"]
    refused = client.get(link.replace("header=labels", "header=words"), headers=auditor)
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_parameter"
