"""Typed metadata against what the page reader found: which value is kept, and when a
person has to look (archive_app/reconcile.py). Readings are given as the readers return
them, so each rule is checked on its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from archive_app.domain.entities import Record
from archive_app.domain.metadata import validate_metadata
from archive_app.domain.records import IndexState, Status
from archive_app.records import reconcile
from config.settings import load_settings
from ingest.models import FieldReading, PageResult, ProcessedDocument, Reading, TallyRow
from ingest.tally_checks import evaluate, status

TYPED = {"election": "PPWP", "form_type": "C.HASIL", "year": "2024", "province": "Jawa Tengah",
         "regency": "Karanganyar", "district": "Jaten", "village": "Papahan",
         "tps": "5"}  # fmt: skip


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    return SimpleNamespace(settings=load_settings(env={"ARCHIVE_DATA_DIR": str(data)}))


def settle(services, given: dict, header: dict[str, FieldReading], pages=(None,), stored=None):
    """``stored``: values the record already holds, set as they are (unvalidated)."""
    vocabulary = services.settings.vocabulary
    now = datetime(2024, 2, 20)
    metadata = replace(validate_metadata(given, vocabulary, partial=True), **(stored or {}))
    record = Record("d" * 32, "0" * 64, Status.PROCESSING, IndexState.PENDING, metadata,
                   "png", "f.png", 1, 1, 0, None, "", 1, now, "test", now)  # fmt: skip
    results = [
        PageResult(
            n,
            "ocr",
            "",
            90.0,
            100,
            0,
            10,
            10,
            Path("v"),
            Path("t"),
            readings={"codes": [], "header": header if n == 1 else {}, "tally": found},
        )
        for n, found in enumerate(pages, 1)
    ]
    result = ProcessedDocument(results, Path("p.pdf"), Path("t.txt"))
    return reconcile.reconcile(services, record, given, result)


def test_typed_and_read_alike_is_kept_without_review(services):
    settled = settle(services, {**TYPED, "form_type": "C.KEJADIAN"},
                     {"tps": FieldReading(5, 0.95, "header")})  # fmt: skip
    assert settled.metadata.tps == 5 and settled.review_reasons == []


@pytest.mark.parametrize(("confidence", "review"), [(0.95, True), (0.6, True), (0.3, False)])
def test_a_reading_that_contradicts_the_typist_sends_it_to_review_unless_it_is_noise(
    services, confidence, review
):
    settled = settle(services, {**TYPED, "form_type": "C.KEJADIAN"},
                     {"tps": FieldReading(15, confidence, "header")})  # fmt: skip
    assert settled.metadata.tps == 5  # the person's value is kept either way
    assert bool(settled.review_reasons) is review


def test_a_field_left_empty_is_filled_from_a_sure_reading_and_reviewed_if_unsure(services):
    given = {k: v for k, v in TYPED.items() if k not in ("village", "tps")}
    settled = settle(services, given, {"village": FieldReading("Papahan", 0.95, "header"),
                                       "tps": FieldReading(7, 0.55, "header")})  # fmt: skip
    assert (settled.metadata.village, settled.metadata.tps) == ("Papahan", 7)
    assert settled.review_reasons[0] == "tps: read 7 with low confidence"


def test_a_result_form_without_any_vote_table_read_is_flagged_not_passed(services):
    settled = settle(services, TYPED, {})
    assert settled.tally["rows"] == [] and settled.tally_consistent is None
    assert settled.tally_low_confidence is True
    assert settled.tally["problems"] == ["no vote table could be read on this result form"]
    assert [i["code"] for i in settled.tally["issues"]] == ["no_table"]
    assert settled.tally["issues"][0]["message"].startswith("tabel perolehan suara")
    assert settled.review_reasons == ["tally: no vote table could be read on this result form"]


def counted(key: str, kind: str, value: int, words: int | None = None, **extra) -> TallyRow:
    digits = Reading(value, 0.95, str(value), (0.7, 0.3, 0.8, 0.32), "print")
    said = None if words is None else Reading(words, 0.9, "kata", (0.8, 0.3, 0.9, 0.32), "words")
    return TallyRow(key, None, 0.0, kind, "votes", "", "", "", "", 0, digits, said, **extra)


def test_a_tally_whose_digits_and_words_disagree_sends_the_record_to_review(services):
    page = evaluate(
        [status(replace(counted("BUDI", "candidate", 84, words=94), key="row1", page=1))]
    )
    settled = settle(services, TYPED, {}, [page])
    assert 'tally: row 1 (BUDI): the digits read 84, the words read 94 ("kata")' in (
        settled.review_reasons
    )
    number = settled.tally["numbers"][0]
    assert (number["status"], number["votes"]) == ("disputed", None)
    assert number["digits"]["box"] == [0.7, 0.3, 0.8, 0.32] and number["words"]["value"] == 94
    assert settled.tally["issues"][0]["message"].startswith("baris 1 (BUDI): angka terbaca 84")


def test_a_form_read_over_two_pages_is_checked_as_one_and_needs_no_review(services):
    first = evaluate([status(replace(counted("A", "candidate", 120), key="row1", page=1))])
    second = evaluate(
        [
            status(replace(counted(k, k, v), key=k, page=2))
            for k, v in (("valid", 120), ("invalid", 3), ("ballots_used", 123))
        ]
    )
    settled = settle(services, TYPED, {}, [first, second])
    assert settled.tally_consistent is True and settled.review_reasons == []
    assert [n["page"] for n in settled.tally["numbers"]] == [1, 2, 2, 2]
    assert {n["status"] for n in settled.tally["numbers"]} == {"confirmed"}


def test_without_the_tally_reader_a_result_form_is_not_flagged_for_numbers_never_read(
    tmp_path,
):
    data = str(tmp_path / "data")
    settings = load_settings(env={"ARCHIVE_DATA_DIR": data, "ARCHIVE_PAGE_READERS": "codes"})
    services = SimpleNamespace(settings=settings)
    assert list(reconcile.page_readers(services)) == ["codes"]
    settled = settle(services, TYPED, {})
    assert settled.tally is None and settled.tally_low_confidence is False


def test_a_stored_value_that_todays_rules_refuse_does_not_fail_the_record_processed_again(
    services,
):
    """GIVEN a record stored before record dates were bounded and control characters refused
    WHEN it is processed again (a retry, a reprocess) THEN it settles, with the title less
    its NUL and the values that cannot be mended cleared, and goes to review saying why."""
    stored = {"title": "Formulir\x00 C", "record_date": date(9999, 12, 31), "region_code": "٣٣"}
    settled = settle(services, {**TYPED, "form_type": "C.KEJADIAN"}, {}, stored=stored)
    meta = settled.metadata
    assert (meta.title, meta.record_date, meta.region_code) == ("Formulir C", None, "")
    assert (meta.village, meta.tps) == ("Papahan", 5)
    said = {reason.split(":")[0] for reason in settled.review_reasons if "stored value" in reason}
    assert said == {"title", "record_date", "region_code"}
