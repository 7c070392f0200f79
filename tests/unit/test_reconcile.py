"""Typed metadata against what the page reader found: which value is kept, and when a
person has to look (archive_app/reconcile.py). Readings are given as the readers return
them, so each rule is checked on its own."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from archive_app.domain.entities import Record
from archive_app.domain.metadata import validate_metadata
from archive_app.domain.records import IndexState, Status
from archive_app.records import reconcile
from config.settings import load_settings
from ingest.models import FieldReading, PageResult, ProcessedDocument

TYPED = {"election": "PPWP", "form_type": "C.HASIL", "year": "2024", "province": "Jawa Tengah",
         "regency": "Karanganyar", "district": "Jaten", "village": "Papahan",
         "tps": "5"}  # fmt: skip


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    return SimpleNamespace(settings=load_settings(env={"ARCHIVE_DATA_DIR": str(data)}))


def settle(services, given: dict, header: dict[str, FieldReading]):
    vocabulary = services.settings.vocabulary
    now = datetime(2024, 2, 20)
    record = Record("d" * 32, "0" * 64, Status.PROCESSING, IndexState.PENDING,
                   validate_metadata(given, vocabulary, partial=True), "png", "f.png", 1, 1, 0,
                   None, "", 1, now, "test", now)  # fmt: skip
    page = PageResult(1, "ocr", "", 90.0, 100, 0, 10, 10, Path("v"), Path("t"),
                      readings={"codes": [], "header": header, "tally": None})  # fmt: skip
    result = ProcessedDocument([page], Path("p.pdf"), Path("t.txt"))
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
    assert settled.review_reasons == ["tps: read 7 with low confidence"]


def test_a_result_form_without_any_vote_table_read_is_flagged_not_passed(services):
    settled = settle(services, TYPED, {})
    assert settled.tally["rows"] == [] and settled.tally_consistent is None
    assert settled.tally_low_confidence is True
    assert "no candidate rows were found" in settled.tally["problems"]


def test_without_the_tally_reader_a_result_form_is_not_flagged_for_numbers_never_read(
    tmp_path,
):
    data = str(tmp_path / "data")
    settings = load_settings(env={"ARCHIVE_DATA_DIR": data, "ARCHIVE_PAGE_READERS": "codes"})
    services = SimpleNamespace(settings=settings)
    assert list(reconcile.page_readers(services)) == ["codes"]
    settled = settle(services, TYPED, {})
    assert settled.tally is None and settled.tally_low_confidence is False
