"""The page and snippet shown for a hit, found in Python from the hit's pages (the
Elasticsearch adapter's; see search/best_page.py)."""

from __future__ import annotations

from search.best_page import SNIPPET_CHARS, best_page


def test_the_page_holding_the_most_searched_words_is_named_with_its_snippet():
    """GIVEN a three-page record WHEN two words are searched, one on page 1 and both on page 3
    THEN page 3 is named and both words are marked in its snippet."""
    pages = ["tanda tangan", "rincian perolehan suara", "tanda tangan saksi"]
    assert best_page(pages, ["tangan", "saksi"]) == (
        ("tanda <mark>tangan</mark> <mark>saksi</mark>",),
        3,
    )


def test_on_a_tie_the_more_frequent_then_the_earlier_page_wins():
    assert best_page(["suara", "suara sah suara", "suara sah suara"], ["suara"])[1] == 2
    assert best_page(["suara", "suara"], ["suara"])[1] == 1


def test_words_match_as_the_index_splits_and_folds_them():
    """GIVEN text in capitals, with accents and punctuation WHEN its folded words are
    searched THEN they are found and marked as written."""
    assert best_page(["Form C.HASIL, Désa"], ["hasil", "desa"]) == (
        ("Form C.<mark>HASIL</mark>, <mark>Désa</mark>",),
        1,
    )
    assert best_page(["suarasah"], ["suara"]) == ((), None)  # a word, not a part of one
    assert best_page(["suarasah suara_sah"], ["suara"])[0] == ("suarasah <mark>suara</mark>_sah",)


def test_the_snippet_is_escaped_html():
    (html,), _ = best_page(["<script>alert(1)</script> suara & sah"], ["suara"])
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>suara</mark> &amp; sah"


def test_a_record_found_by_its_metadata_alone_names_no_page():
    assert best_page(["rincian perolehan"], ["papahan"]) == ((), None)
    assert best_page([], ["papahan"]) == ((), None)


def test_a_long_page_gives_a_short_snippet_around_the_densest_words():
    """GIVEN a long page with one searched word early and two together late WHEN both are
    searched THEN the snippet is at most SNIPPET_CHARS long and holds the two together."""
    filler = " ".join(f"kata{i}" for i in range(300))
    page = f"suara {filler} suara sah {filler}"
    (html,), page_number = best_page([page], ["suara", "sah"])
    assert page_number == 1 and "<mark>suara</mark> <mark>sah</mark>" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= SNIPPET_CHARS
