"""User search input is turned into engine-neutral queries, never raw query syntax."""

import pytest

from search.query import QueryError, parse_search, words


def test_given_metadata_words_in_q_then_tps_becomes_a_filter_and_the_rest_terms():
    q = parse_search({"q": "TPS 005, Desa Papahan, C.Hasil, 2024"})
    assert q.filters == {"tps": 5}
    assert q.terms == ("desa", "papahan", "c", "hasil", "2024")


def test_given_query_syntax_characters_then_they_are_just_separators():
    q = parse_search({"q": 'suara AND (sah OR "tidak" -rusak) field:x* ~2'})
    assert "and" in q.terms and "rusak" in q.terms
    assert q.phrases == (("tidak",),)


def test_accents_and_case_fold_like_the_index():
    assert words("Suara SÁH, Désa") == ["suara", "sah", "desa"]


def test_tps_filter_accepts_padded_and_plain_numbers():
    assert parse_search({"tps": "005"}).filters == parse_search({"tps": "5"}).filters == {"tps": 5}


@pytest.mark.parametrize(
    "params,field",
    [
        ({"tps": "abc"}, "tps"),
        ({"year": "20x"}, "year"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
    ],
)
def test_bad_parameters_raise_errors_that_name_the_field(params, field):
    with pytest.raises(QueryError) as exc:
        parse_search(params)
    assert exc.value.field == field


def test_filters_are_case_insensitive_and_whitespace_tolerant():
    q = parse_search({"village": "  PAPAHAN ", "district": "Jaten  Baru"})
    assert q.filters == {"village": "papahan", "district": "jaten baru"}
