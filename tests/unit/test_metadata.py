"""Metadata validation: the same rules for the web form, the API and the CLI."""

from datetime import date

import pytest

from archive_app.domain.metadata import MetadataError, validate_metadata
from vocabulary.elections import load_vocabulary
from vocabulary.places import FIRST_YEAR, normalize_place, parse_tps

GOOD = {
    "election": "ppwp",
    "form_type": "C.Hasil",
    "year": "2024",
    "province": "JAWA TENGAH",
    "regency": "Karanganyar",
    "district": "  Jaten ",
    "village": "papahan",
    "tps": "005",
}


def test_given_typical_input_when_validated_then_codes_and_names_are_normalised():
    meta = validate_metadata(GOOD, load_vocabulary())
    assert meta.election == "PPWP"
    assert meta.form_type == "C.HASIL"
    assert meta.year == 2024
    assert meta.province == "Jawa Tengah"
    assert meta.district == "Jaten"
    assert meta.village == "Papahan"
    assert meta.tps == 5
    assert meta.tps_label == "TPS 005"


def test_a_tps_not_known_yet_has_no_label_never_a_question_mark():
    """GIVEN a form uploaded without its TPS WHEN it is labelled THEN the label is empty
    (the pages say "Belum diisi"; the API's tps_label is ""), never "TPS ?"."""
    from vocabulary.places import format_tps

    assert format_tps(0) == "" and format_tps(7) == "TPS 007"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("5", 5),
        ("005", 5),
        ("TPS 005", 5),
        ("tps: 12", 12),
        ("TPS-5", 5),
        (7, 7),
        ("999", 999),
        ("0", None),
        ("1000", None),
        ("-1", None),
        ("-005", None),
        ("000", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_tps_numbers_accept_the_ways_people_write_them(raw, expected):
    assert parse_tps(raw) == expected


def test_given_missing_and_bad_fields_then_every_problem_is_named():
    raw = dict(GOOD, election="XYZ", year="20x4", tps="1000", village="", region_code="33-13")
    with pytest.raises(MetadataError) as exc:
        validate_metadata(raw, load_vocabulary())
    assert set(exc.value.fields) == {"election", "year", "tps", "village", "region_code"}


def test_given_a_negative_tps_when_validated_then_it_is_refused_not_stored_as_tps_001():
    with pytest.raises(MetadataError) as exc:
        validate_metadata(dict(GOOD, tps="-1"), load_vocabulary())
    assert exc.value.fields == {"tps": "TPS must be a number from 1 to 999."}


def refused(**changes) -> dict[str, str]:
    """The per-field errors for GOOD with ``changes``; {} when it is accepted."""
    try:
        validate_metadata(dict(GOOD, **changes), load_vocabulary())
    except MetadataError as exc:
        return exc.fields
    return {}


@pytest.mark.parametrize("day", ["9999-12-31", "9995-06-30", f"{FIRST_YEAR - 1}-12-31"])
def test_given_a_record_date_out_of_the_archive_years_then_it_is_refused(day):
    """GIVEN a record date no election form can have WHEN validated THEN it is refused like an
    out-of-range year (a date near 9999 once broke retention for the whole archive)."""
    last = date.today().year + 1
    assert refused(record_date=day) == {
        "record_date": f"Year must be between {FIRST_YEAR} and {last}."
    }


def test_record_dates_from_the_first_election_to_the_end_of_next_year_are_accepted():
    last = date(date.today().year + 1, 12, 31)
    for day in (date(FIRST_YEAR, 1, 1), last):
        meta = validate_metadata(dict(GOOD, record_date=day.isoformat()), load_vocabulary())
        assert meta.record_date == day


@pytest.mark.parametrize("code", ["٣٣", "33.١٣", "３３"])
def test_given_a_region_code_in_non_ascii_digits_then_it_is_refused(code):
    assert set(refused(region_code=code)) == {"region_code"}


@pytest.mark.parametrize("field", ["title", "province", "regency", "district", "village", "notes"])
@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\u200b", "\u202e", "\ufeff"]
)
def test_given_a_control_character_in_typed_text_then_that_field_is_refused(field, char):
    """GIVEN text with a NUL, BEL, ESC, DEL or C1 control inside WHEN validated THEN that
    field is named (one stored as-is came out of a search facet as "A\\u0000B")."""
    assert set(refused(**{field: f"Jawa{char}Tengah"})) == {field}


def test_tabs_and_line_breaks_are_spacing_not_refused():
    """A spreadsheet cell or a pasted name may carry them: a place collapses them to one
    space, as it always did."""
    meta = validate_metadata(dict(GOOD, province="Jawa\t Tengah\r\n"), load_vocabulary())
    assert meta.province == "Jawa Tengah"


def test_notes_keep_their_lines_and_tabs():
    notes = "Line one\r\nline two\tcolumn"
    assert validate_metadata(dict(GOOD, notes=notes), load_vocabulary()).notes == notes


def test_given_a_place_read_by_machine_with_a_control_character_then_it_is_stripped():
    """GIVEN a place name read from a QR code or the OCR'd header (the readers pass it through
    normalize_place) WHEN it has a stray NUL THEN the reading loses it and is accepted, so a
    reading never fails the record it came from."""
    read = normalize_place("JAWA\x00 TENGAH\x7f")
    assert read == "Jawa Tengah"
    assert validate_metadata(dict(GOOD, province=read), load_vocabulary()).province == read


def test_form_type_aliases_map_to_their_code():
    meta = validate_metadata(dict(GOOD, form_type="C.Hasil-KWK"), load_vocabulary())
    assert meta.form_type == "C.HASIL"


def test_vocabulary_has_every_required_code():
    vocab = load_vocabulary()
    assert {t.code for t in vocab.elections} >= {
        "PPWP",
        "DPR",
        "DPD",
        "DPRD_PROV",
        "DPRD_KABKOTA",
        "PILGUB",
        "PILBUP",
        "PILWALKOT",
    }
    assert {t.code for t in vocab.form_types} >= {
        "C.HASIL",
        "C.HASIL.SALINAN",
        "C.KEJADIAN",
        "D.HASIL.KECAMATAN",
        "D.HASIL.KABKOTA",
    }
