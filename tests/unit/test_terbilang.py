"""Amounts in Indonesian words (TERBILANG), the second reading of a count.

``spell`` (tests/formgen.py, written apart from the parser) writes a number as a form prints
it; the parser must read it back, also after the slips OCR makes, and must refuse words that
are not a number rather than guess.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import terbilang
from tests.formgen import spell

# Slips the OCR makes in printed words, as (what it read for, what it read).
LETTER_SLIPS = [("l", "1"), ("l", "I"), ("o", "0"), ("m", "rn"), ("s", "5"), ("e", "c")]


@st.composite
def misread(draw, number: int) -> str:
    """``spell(number)`` as an OCR might give it back: cased, spaced, slipped."""
    words = spell(number).split()
    case = draw(st.sampled_from([str.lower, str.upper, str.title]))
    words = [case(w) for w in words]
    if len(words) > 1 and draw(st.booleans()):  # two words run together
        at = draw(st.integers(0, len(words) - 2))
        words[at : at + 2] = [words[at] + words[at + 1]]
    long_words = [i for i, w in enumerate(words) if len(w) >= 5]
    if long_words and draw(st.booleans()):  # one letter slip in one longer word
        at = draw(st.sampled_from(long_words))
        right, wrong = draw(st.sampled_from(LETTER_SLIPS))
        if right in words[at].lower():
            i = words[at].lower().index(right)
            words[at] = words[at][:i] + wrong + words[at][i + len(right) :]
    text = " ".join(words)
    return text + draw(st.sampled_from(["", " suara", ")", "."]))


@given(st.integers(0, 9_999))
def test_property_digits_to_words_to_digits_round_trip(number):
    reading = terbilang.parse(spell(number))
    assert reading is not None and reading.value == number and not reading.fuzzy


@given(st.integers(0, 9_999).flatmap(lambda n: st.tuples(st.just(n), misread(n))))
def test_property_the_words_read_back_after_ocr_slips(pair):
    number, text = pair
    reading = terbilang.parse(text)
    assert reading is not None, text
    assert reading.value == number, (text, reading)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("nol", 0),
        ("kosong", 0),
        ("satu", 1),
        ("sepuluh", 10),
        ("sebelas", 11),
        ("dua belas", 12),
        ("sembilan belas", 19),
        ("delapan puluh empat", 84),
        ("seratus", 100),
        ("seratus sebelas", 111),
        ("dua ratus tiga", 203),
        ("seribu", 1000),
        ("seribu sembilan ratus delapan puluh empat", 1984),
        ("dua belas ribu", 12000),
        ("DELAPANPULUH EMPAT", 84),
        ("se ratus dua", 102),
        ("satu ratus", 100),
        ("dclapan pu1uh ernpat", 84),
        ("tujuli", 7),
        ("sem bilan", 9),
        ("Tiga Puluh Enam Suara", 36),
        ("(sembilan belas)", 19),
        ("# lima #", 5),
    ],
)
def test_given_number_words_as_printed_or_misread_when_parsed_then_the_number(text, value):
    assert terbilang.parse(text).value == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "BUDI SANTOSO",
        "dua puluh dua puluh",
        "satu belas",
        "puluh",
        "ratus dua ratus",
        "nol nol",
        "seribu seribu",
        "Jumlah Suara Sah",
        "lima ratus ratus",
        "RAHAYU",
    ],
)
def test_given_words_that_are_not_one_number_when_parsed_then_refused(text):
    assert terbilang.parse(text) is None


def test_a_reading_that_needed_a_letter_changed_says_so():
    assert terbilang.parse("delapan puluh empat").fuzzy is False
    assert terbilang.parse("delapan puluh empal").fuzzy is True


@pytest.mark.parametrize(
    ("word", "is_one"),
    [
        ("delapan", True),
        ("PULUH", True),
        ("sernbilan", True),
        ("duapuluh", True),
        ("SITI", False),
        ("NUGROHO", False),
        ("SAH", False),
    ],
)
def test_a_single_ocr_word_is_told_as_number_word_or_not(word, is_one):
    assert terbilang.is_number_word(word) is is_one


def test_spell_writes_numbers_as_forms_print_them():
    assert [spell(n) for n in (0, 11, 12, 84, 100, 1000, 2024)] == [
        "nol",
        "sebelas",
        "dua belas",
        "delapan puluh empat",
        "seratus",
        "seribu",
        "dua ribu dua puluh empat",
    ]
