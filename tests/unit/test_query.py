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


@pytest.mark.parametrize(("per_page", "last"), [(20, 4_999), (100, 999), (1, 99_999), (7, 14_285)])
def test_a_page_number_reaches_the_first_100000_hits_and_no_further(per_page, last):
    """GIVEN a page size WHEN the page asked for starts past the first 100,000 hits (with the
    one more hit an engine is asked for) THEN it is refused, naming the page and the last one
    reached; the last page reached is taken, and a cursor goes on past it."""
    from search.interfaces import PAGE_REACH

    size = {"per_page": str(per_page)}
    assert parse_search({**size, "page": str(last)}).page == last
    assert last * per_page + 1 <= PAGE_REACH  # the page and the one hit more, in the window
    with pytest.raises(QueryError) as refused:
        parse_search({**size, "page": str(last + 1)})
    assert refused.value.field == "page" and f"page {last} at {per_page}" in str(refused.value)
    assert parse_search({**size, "page": str(last + 1), "cursor": "abc"}).cursor == "abc"
