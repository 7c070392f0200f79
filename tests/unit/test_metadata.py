"""Metadata validation: the same rules for the web form, the API and the CLI."""

import pytest

from archive_app.domain.metadata import MetadataError, validate_metadata
from vocabulary.elections import load_vocabulary
from vocabulary.places import parse_tps

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
        (7, 7),
        ("999", 999),
        ("0", None),
        ("1000", None),
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
