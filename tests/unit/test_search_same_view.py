"""A page of hits and the count beside it, asked in one msearch, must have seen the same
refresh of the index (search/elasticsearch_index.py, ``_same_view``)."""

from __future__ import annotations

import pytest

from search.elasticsearch_index import _same_view


def answer(hits: int, total: int) -> tuple[dict, dict]:
    return {"hits": {"hits": [{}] * hits}}, {"hits": {"total": {"value": total}}}


@pytest.mark.parametrize(
    "hits,total,offset,same",
    [
        (0, 0, 0, True),
        (1, 1, 0, True),
        (21, 100, 0, True),  # a full page, with the one more that says a next page exists
        (10, 50, 40, True),  # the last page
        (0, 50, 60, True),  # past the last page
        (0, 1, 0, False),  # a page indexed between the two: counted, not listed
        (9, 50, 40, False),
        (2, 1, 0, False),  # listed, not counted
        (20, 100, 0, False),
    ],
)
def test_a_page_and_its_count_agree_only_on_one_view(hits, total, offset, same):
    page, count = answer(hits, total)
    assert _same_view(page, count, {"from": offset, "size": 21}) is same
