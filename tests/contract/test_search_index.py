"""SearchIndex contract: the same queries give the same hits, order, facets and snippets on
every engine."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from search.interfaces import IndexDocument
from search.query import QueryError, parse_search

BASE = datetime(2024, 2, 15, 8, 0, 0)


def doc(n, text, village="Papahan", tps=1, form="C.HASIL", district="Jaten", year=2024):
    return IndexDocument(
        id=f"{n:032x}",
        metadata={
            "election": "PPWP",
            "form_type": form,
            "year": year,
            "province": "Jawa Tengah",
            "regency": "Karanganyar",
            "district": district,
            "village": village,
            "tps": tps,
        },
        pages=tuple(text.split("|")),
        created_at=BASE + timedelta(minutes=n),
    )


CORPUS = [
    doc(1, "Jumlah suara sah 230|suara tidak sah 4", tps=5),
    doc(2, "Berita acara kejadian khusus: kotak suara rusak", tps=5, form="C.KEJADIAN"),
    doc(3, "Jumlah suara sah 198 Désa Papahan", tps=6),
    doc(4, "Rekapitulasi kecamatan Jaten", village="Suruh", tps=1, form="D.HASIL.KECAMATAN"),
    doc(5, "suara sah suara sah suara sah", village="Jaten", district="Jaten", tps=12),
]


@pytest.fixture
def loaded(search_index):
    search_index.index(CORPUS)
    return search_index


def ids(result):
    return [h.id[-1] for h in result.hits]


def test_all_words_must_match_in_text_or_metadata(loaded):
    assert sorted(ids(loaded.search(parse_search({"q": "suara sah"})))) == ["1", "3", "5"]
    assert ids(loaded.search(parse_search({"q": "kejadian papahan"}))) == ["2"]


def test_more_relevant_records_rank_first(loaded):
    assert ids(loaded.search(parse_search({"q": "suara sah"})))[0] == "5"


def test_accents_and_case_do_not_matter(loaded):
    assert ids(loaded.search(parse_search({"q": "DESA"}))) == ["3"]


def test_tps_lookup_matches_padded_and_plain(loaded):
    for q in ({"tps": "005"}, {"tps": "5"}, {"q": "TPS 005"}):
        assert sorted(ids(loaded.search(parse_search(q)))) == ["1", "2"]


def test_filters_are_exact_and_case_insensitive(loaded):
    found = loaded.search(parse_search({"village": "papahan", "form_type": "c.hasil"}))
    assert sorted(ids(found)) == ["1", "3"]
    assert loaded.search(parse_search({"village": "Papa"})).total == 0


def test_phrases_match_words_in_order(loaded):
    assert sorted(ids(loaded.search(parse_search({"q": '"suara tidak sah"'})))) == ["1"]


def test_facets_count_the_matching_records(loaded):
    facets = loaded.search(parse_search({"q": "suara"})).facets
    assert facets["form_type"] == {"C.HASIL": 3, "C.KEJADIAN": 1}
    assert facets["year"] == {"2024": 4}
    assert facets["province"] == {"Jawa Tengah": 4}


def test_place_facets_drill_down_one_level_below_each_chosen_place(loaded):
    broad = loaded.search(parse_search({"q": "suara"})).facets
    assert set(broad) == {"election", "form_type", "year", "province", "retention"}
    narrow = loaded.search(parse_search({"q": "suara", "district": "jaten"})).facets
    assert narrow["village"] == {"Papahan": 3, "Jaten": 1}
    village = loaded.search(parse_search({"q": "suara", "village": "papahan"})).facets
    assert village["tps"] == {"005": 2, "006": 1}


def test_highlights_mark_the_matched_words_and_escape_html(search_index):
    search_index.index([doc(9, "<script>alert(1)</script> suara sah di TPS")])
    hit = search_index.search(parse_search({"q": "suara"})).hits[0]
    assert "<mark>suara</mark>" in hit.highlights[0]
    assert "<script>" not in hit.highlights[0] and "&lt;script&gt;" in hit.highlights[0]


def test_no_words_lists_newest_first_and_pages_through(loaded):
    first = loaded.search(parse_search({"per_page": "2"}))
    second = loaded.search(parse_search({"per_page": "2", "page": "2"}))
    assert first.total == 5 and ids(first) == ["5", "4"] and ids(second) == ["3", "2"]


def test_reindexing_a_record_replaces_it(loaded):
    loaded.index([doc(1, "diganti sepenuhnya", tps=5)])
    assert loaded.search(parse_search({"q": "diganti"})).total == 1
    assert sorted(ids(loaded.search(parse_search({"q": "suara sah"})))) == ["3", "5"]
    assert loaded.count() == 5


def test_delete_and_rebuild(loaded):
    loaded.delete([f"{2:032x}"])
    assert loaded.search(parse_search({"q": "kejadian"})).total == 0
    skipped: list[str] = []  # with no writer beside it, the new index takes every copy
    assert loaded.rebuild([CORPUS[:2], CORPUS[2:3]], skipped=skipped.extend) == 3
    assert loaded.count() == 3 and loaded.search(parse_search({"q": "kejadian"})).total == 1
    assert skipped == []


def test_concurrent_writers_all_land(search_index):
    def write(n):
        search_index.index([doc(100 + n, f"penulis {n}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert search_index.search(parse_search({"q": "penulis"})).total == 6


def test_a_second_handle_sees_commits_of_the_first(search_index, tmp_path):
    from archive_app.services import build_index

    other = build_index(search_index_settings(search_index))
    search_index.index([doc(7, "terlihat oleh pembaca lain")])
    assert other.search(parse_search({"q": "terlihat"})).total == 1


def search_index_settings(index):
    from tests.conftest import make_settings

    if hasattr(index, "root"):
        return make_settings(index.root.parent)
    return index.settings


def test_a_cursor_walks_every_hit_once(loaded):
    seen, cursor = [], ""
    while True:
        params = {"per_page": "2", **({"cursor": cursor} if cursor else {})}
        result = loaded.search(parse_search(params))
        seen += ids(result)
        cursor = result.next_cursor
        if not cursor:
            break
    assert seen == ["5", "4", "3", "2", "1"]


def test_a_forged_cursor_is_a_query_error(loaded):
    from search.query import QueryError

    with pytest.raises(QueryError):
        loaded.search(parse_search({"cursor": "bm90LWEtY3Vyc29y"}))


def test_a_hit_says_which_page_its_snippet_comes_from(search_index):
    """GIVEN a three-page record WHEN a word of page 2 (or 3) is searched THEN the hit names
    that page; a record found by its metadata alone names none."""
    search_index.index([doc(11, "sampul depan|rincian perolehan suara|tanda tangan saksi")])
    hit = search_index.search(parse_search({"q": "perolehan"})).hits[0]
    assert hit.page == 2 and "<mark>perolehan</mark>" in hit.highlights[0]
    assert search_index.search(parse_search({"q": '"tangan saksi"'})).hits[0].page == 3
    by_metadata = search_index.search(parse_search({"q": "papahan"})).hits[0]
    assert by_metadata.page is None and by_metadata.highlights == ()


def test_a_phrase_may_run_on_from_one_page_to_the_next(search_index):
    """GIVEN a record whose page 1 ends with "jumlah suara" and page 2 starts with "sah"
    WHEN "suara sah" is searched as a phrase THEN the record is found, as on paper."""
    search_index.index([doc(12, "rincian jumlah suara|sah dan tidak sah")])
    assert ids(search_index.search(parse_search({"q": '"suara sah"'}))) == ["c"]
    assert search_index.search(parse_search({"q": '"suara dan"'})).total == 0


DEEP = 10_050  # past Elasticsearch's default max_result_window of 10,000


def test_pages_and_cursors_reach_past_10000_hits(search_index):
    """GIVEN 10,050 records WHEN paging past the 10,000th hit by page number and by cursor,
    with and without words THEN both reach the oldest records, the same way."""
    search_index.index(doc(n, "kata umum") for n in range(1, DEEP + 1))
    newest_first = [f"{n:032x}" for n in range(DEEP, 0, -1)]

    last = search_index.search(parse_search({"per_page": "100", "page": "101"}))
    assert last.total == DEEP and [h.id for h in last.hits] == newest_first[10_000:]
    assert last.next_cursor == ""
    beyond = search_index.search(parse_search({"per_page": "100", "page": "102"}))
    assert beyond.total == DEEP and beyond.hits == [] and beyond.next_cursor == ""

    seen, cursor = [], ""
    while True:
        params = {"per_page": "100", **({"cursor": cursor} if cursor else {})}
        result = search_index.search(parse_search(params))
        seen += [h.id for h in result.hits]
        cursor = result.next_cursor
        if not cursor:
            break
    assert seen == newest_first

    words = {"q": "kata", "per_page": "100"}
    page_100 = search_index.search(parse_search({**words, "page": "100"}))
    page_101 = search_index.search(parse_search({**words, "page": "101"}))
    after_100 = search_index.search(parse_search({**words, "cursor": page_100.next_cursor}))
    assert len(page_100.hits) == 100 and len(page_101.hits) == 50 and page_101.total == DEEP
    assert [h.id for h in after_100.hits] == [h.id for h in page_101.hits]
    assert not {h.id for h in page_100.hits} & {h.id for h in page_101.hits}


def test_flags_filter_records_auditors_should_look_at(search_index):
    flagged = doc(21, "suara sah 300 perlu diperiksa")
    flagged = IndexDocument(
        flagged.id,
        {**flagged.metadata, "flags": ["inconsistent", "review"]},
        flagged.pages,
        flagged.created_at,
    )
    search_index.index([flagged, doc(22, "suara sah 120 wajar")])
    found = search_index.search(parse_search({"flag": "inconsistent"}))
    assert [h.id for h in found.hits] == [flagged.id]
    found = search_index.search(parse_search({"q": "suara", "flag": "review"}))
    assert [h.id for h in found.hits] == [flagged.id]
    assert search_index.search(parse_search({"flag": "low_confidence"})).total == 0


def _cursor_at(search_index, offset: int) -> str:
    """An engine cursor claiming ``offset``, as a forger would write it for that engine."""
    import base64

    from search import elasticsearch_mapping

    if type(search_index).__name__ == "TantivyIndex":
        return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()
    return elasticsearch_mapping.encode_cursor(elasticsearch_mapping.Cursor(offset))


@pytest.mark.parametrize("offset", [100_000_000_000_000, 10**14 + 7])
def test_an_offset_far_past_the_last_hit_answers_an_empty_page(search_index, offset):
    """GIVEN 5 records WHEN a cursor asks to start at hit 10^14 (a forged cursor once made
    Tantivy reserve petabytes and abort the process), or the last page a page number reaches
    is asked for THEN the answer is an empty page with the right total, and the engine goes
    on answering."""
    search_index.index(CORPUS)
    by_cursor = search_index.search(parse_search({"q": "suara", "cursor": _cursor_at(
        search_index, offset)}))  # fmt: skip
    by_page = search_index.search(parse_search({"q": "suara", "page": "999",
                                                "per_page": "100"}))  # fmt: skip
    one_a_page = search_index.search(parse_search({"q": "suara", "page": "50", "per_page": "1"}))
    for result in (by_cursor, by_page, one_a_page):
        assert result.hits == [] and result.next_cursor == "" and result.total == 4
    assert search_index.search(parse_search({"q": "suara"})).total == 4


def test_ids_gives_every_match_once_in_bounded_batches(search_index):
    """GIVEN 25 records, 13 of them with "gugatan" (3 of those at TPS 2) WHEN a hold asks for
    every match's id in batches of 5 THEN it gets the 13, each once, in batches of at most 5;
    a filter narrows them (TPS 2: the 3), and a search matching no record gives nothing."""
    search_index.index(
        doc(n, "gugatan sengketa" if n % 2 else "suara sah", tps=2 if n in (3, 5, 24) else 1)
        for n in range(1, 25)
    )
    search_index.index([doc(99, "gugatan", tps=2)])
    batches = list(search_index.ids(parse_search({"q": "gugatan"}), batch=5))
    found = [i for batch in batches for i in batch]
    assert all(len(batch) <= 5 for batch in batches)
    assert sorted(found) == sorted({f"{n:032x}" for n in [*range(1, 25, 2), 99]})
    assert len(found) == len(set(found)) == 13
    filtered = list(search_index.ids(parse_search({"q": "gugatan", "tps": "2"}), batch=2))
    assert sorted(i for b in filtered for i in b) == [f"{n:032x}" for n in (3, 5, 99)]
    assert list(search_index.ids(parse_search({"q": "tidakada"}))) == []


SORTED = [
    doc(1, "suara sah", village="Suruh", district="Jaten", tps=3, year=2019),
    doc(2, "suara sah", village="Papahan", district="Tasikmadu", tps=1, year=2024),
    doc(3, "suara sah", village="Papahan", district="Jaten", tps=7, year=2024),
    doc(4, "suara sah", village="Ngringo", district="Jaten", tps=2, year=2014),
]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("newest", ["3", "2", "1", "4"]),  # election year, then upload time
        ("oldest", ["4", "1", "2", "3"]),
        ("region", ["4", "3", "1", "2"]),  # district Jaten before Tasikmadu, then village
        ("tps", ["2", "4", "1", "3"]),
    ],
)
def test_hits_come_in_the_chosen_order_with_and_without_words(search_index, sort, expected):
    """GIVEN four records WHEN sorted by date, region or TPS THEN every engine lists them in
    that order, whether or not words were asked, and a cursor continues the same order."""
    search_index.index(SORTED)
    for words in ({}, {"q": "suara"}):
        assert ids(search_index.search(parse_search({**words, "sort": sort}))) == expected
        first = search_index.search(parse_search({**words, "sort": sort, "per_page": "3"}))
        rest = search_index.search(
            parse_search({**words, "sort": sort, "per_page": "3", "cursor": first.next_cursor})
        )
        assert ids(first) + ids(rest) == expected


def test_an_unknown_sort_is_a_query_error():
    with pytest.raises(QueryError) as caught:
        parse_search({"sort": "acak"})
    assert caught.value.field == "sort" and "relevance" in str(caught.value)


TYPOS = [
    doc(21, "Saksi: Suharyanto, Kelapamuda", village="Kelapamuda", district="Karangpandan"),
    doc(22, "suara sah 120", village="Kelapamuda", district="Karangpandan"),
    doc(23, "suara sah 98", village="Papahan"),
]


def test_a_misspelt_place_or_name_gets_the_word_the_archive_knows(search_index):
    """GIVEN records from Kelapamuda, one naming the witness Suharyanto WHEN "Kelapmuda" or
    "suharianto" is searched (nothing found) THEN every engine suggests the right word."""
    search_index.index(TYPOS)
    query = parse_search({"q": "Kelapmuda suharianto"})
    assert search_index.search(query).total == 0
    assert search_index.suggest(query.terms) == {
        "kelapmuda": "kelapamuda",
        "suharianto": "suharyanto",
    }


def test_words_the_archive_knows_and_short_words_get_no_suggestion(search_index):
    search_index.index(TYPOS)
    assert search_index.suggest(["papahan", "suara", "sah", "xyzzyq"]) == {}
    assert search_index.suggest(["kelapamuda"]) == {}
