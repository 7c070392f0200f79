"""The recap's rules (domain/recap.py, domain/recap_compare.py) and KPU codes
(vocabulary/regions.py), without any store."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive_app.domain import recap
from archive_app.domain import recap_compare as rules
from archive_app.domain.recap import Part
from ingest import extract
from tests.recap_helpers import numbers
from vocabulary import regions


def test_codes_are_read_in_every_written_form_and_shown_dotted():
    assert regions.digits("33.13.05.2001") == "3313052001"
    assert regions.digits(" 33 13 05 2001 001 ") == "3313052001001"
    assert regions.digits("33.1") is None and regions.digits("33.13.05.20011") is None
    assert regions.digits("٣٣") is None and regions.digits(3313) == "3313"
    assert regions.dotted("3313052001001") == "33.13.05.2001.001"
    assert regions.ancestors("3313052001") == ["", "33", "3313", "331305", "3313052001"]
    assert regions.parent("3313052001001") == "3313052001" and regions.parent("33") == ""
    assert regions.tps_code("3313052001", 5) == "3313052001005"
    with pytest.raises(regions.CodeError):
        regions.tps_code("3313052001", 0)
    assert regions.parse("33.13", "regency") == "3313"
    with pytest.raises(regions.CodeError, match="district"):
        regions.parse("33.13", "district")


def test_candidate_codes_are_ballot_numbers_or_party_and_candidate():
    paslon = numbers([10, 20, 30])
    figures = recap.figures_of(paslon)
    assert [figures[c].votes for c in ("1", "2", "3", "valid")] == [10, 20, 30, 60]
    dpr = [
        {"key": "row1", "kind": "party", "votes": 3, "status": "read"},
        {"key": "row2", "kind": "candidate", "votes": 5, "status": "read"},
        {"key": "row3", "kind": "party_total", "votes": 8, "status": "confirmed"},
        {"key": "row4", "kind": "party", "votes": 1, "status": "read"},
        {"key": "row5", "kind": "candidate", "votes": 2, "status": "unsure"},
        {"key": "row6", "kind": "candidate", "votes": None, "status": "unread"},
        {"key": "row7", "kind": "party_total", "votes": 3, "status": "read"},
    ]
    codes = recap.candidate_codes(dpr)
    assert codes == {
        "row1": "1.0",
        "row2": "1.1",
        "row3": "1",
        "row4": "2.0",
        "row5": "2.1",
        "row6": "2.2",
        "row7": "2",
    }
    assert rules.contest("2") and not rules.contest("2.1") and not rules.contest("valid")


def test_a_form_adds_its_sure_and_unsure_votes_apart_and_counts_what_it_could_not_read():
    found = numbers([10, None, 30], statuses={"row1": "unsure", "row3": "read"})
    part = recap.contribution(recap.figures_of(found), listed=True)
    assert (part["1"].unsure, part["1"].confirmed, part["3"].read) == (10, 0, 30)
    assert part["2"].unread == 1 and part["2"].total == 0
    assert part["_listed"].forms == 1 and "_unlisted" not in part
    assert recap.contribution({}, listed=None).keys() == {"_forms", "_empty"}
    moved = recap.delta(part, recap.contribution(recap.figures_of(numbers([12, 1, 30])), False))
    assert moved["1"] == Part(confirmed=12, unsure=-10, label="PASLON 1")
    assert moved["_listed"].forms == -1 and moved["_unlisted"].forms == 1
    assert "3" not in moved or moved["3"].read == -30


def test_the_officers_copy_is_counted_before_a_witness_copy_then_the_earliest():
    forms = [
        ("b", "C.HASIL.SALINAN", "2024-02-14"),
        ("c", "C.HASIL", "2024-02-16"),
        ("a", "C.HASIL", "2024-02-15"),
    ]
    assert recap.counted_first(forms) == "a"
    assert recap.counted_first([]) is None


def test_differences_second_minus_first_explained_only_by_what_missing_forms_could_add():
    found = rules.compare(
        "3313",
        "recap_forms",
        {"1": 100, "2": 90, "3": None},
        {"1": 150, "2": 90, "3": 4},
        missing=1,
        unread={},
        max_voters=300,
    )
    assert found.deltas == {"1": 50} and found.explained
    below = rules.compare("3313", "recap_forms", {"1": 100}, {"1": 99}, missing=5, max_voters=300)
    assert not below.explained  # missing forms only ever add votes
    beyond = rules.compare("3313", "recap_forms", {"1": 0}, {"1": 301}, missing=1, max_voters=300)
    assert not beyond.explained
    assert rules.compare("33", "published_recap", {"1": 5}, {"1": 5}) is None
    assert rules.compare("33", "published_recap", None, {"1": 5}) is None


def test_impact_is_the_change_of_the_leading_margin():
    totals = {"1": 1000, "2": 900, "3": 50, "valid": 1950}
    pair = rules.leaders(totals)
    assert pair == ("1", "2") and rules.margin(totals) == 100
    for_third = rules.Difference("33", "published_forms", {"3": 600})
    against_leader = rules.Difference("34", "published_forms", {"1": -30, "2": 20})
    assert for_third.impact(pair) == 0 and for_third.swing == 600
    assert against_leader.impact(pair) == 50 and against_leader.size == 50
    ranked = rules.ranked([for_third, against_leader], pair)
    assert [d.region for d in ranked] == ["34", "33"]


def test_a_tps_published_figure_is_held_against_the_form_and_its_voters():
    form = {"1": 102, "2": 50, "ballots_used": 160, "users.dptb.JML": 4}
    published = {"1": 702, "2": 50, "ballots_used": 760}
    listed = rules.tps_findings(form, published, dpt=250)
    assert [f.params for f in listed if f.code == "published_differs"] == [
        {"candidate": "1", "form": 102, "published": 702},
        {"candidate": "ballots_used", "form": 160, "published": 760},
    ]
    found = {f.code: f.params for f in listed}
    assert found["published_over_voters"]["most"] == 254
    assert "form_over_voters" not in found
    assert rules.tps_findings(form, {}, dpt=None) == []
    assert "melebihi" in rules.describe("published_over_voters", found["published_over_voters"])


def test_a_header_read_surely_that_names_another_tps_is_a_misfiled_scan():
    filed = {"region_code": "33.13.05.2001", "village": "Papahan", "tps": 3}
    sure = {
        "tps": {"value": 4, "confidence": 0.9},
        "village": {"value": "PAPAHAN", "confidence": 0.95},
    }
    finding = rules.misfiled(filed, sure)
    assert finding.params == {"header": "TPS 004", "filed": "TPS 003"}
    assert rules.misfiled(filed, {"tps": {"value": 4, "confidence": 0.5}}) is None
    assert rules.misfiled(filed, {"region_code": {"value": "33.13.05", "confidence": 0.99}}) is None
    assert rules.SURE_READING == extract.REVIEW_THRESHOLD


def test_a_page_saved_again_is_the_same_page_another_form_is_not():
    import io

    from PIL import Image

    from ingest.page_hash import page_hash
    from tests.formgen import draw_page

    fields = dict(
        election="PPWP",
        form_type="C.HASIL",
        year=2024,
        province="Jawa Tengah",
        regency="Karanganyar",
        district="Jaten",
        village="Papahan",
        votes=(120, 45, 67),
        invalid=3,
        unique_word=None,
        digit_boxes=True,
        handwriting=0.6,
        leading_zeros=True,
        valid_override=None,
        ballots_override=None,
    )
    page = draw_page(tps=5, **fields)
    saved = io.BytesIO()
    page.save(saved, "JPEG", quality=45)
    again = Image.open(io.BytesIO(saved.getvalue()))
    smaller = page.resize((page.width // 2, page.height // 2))
    other = draw_page(tps=6, **{**fields, "votes": (121, 44, 67)})
    first = page_hash(page)
    assert recap.same_page(*first, *page_hash(again))
    assert recap.same_page(*first, *page_hash(smaller))
    assert not recap.same_page(*first, *page_hash(other))
    assert not recap.same_page("", "", *first)


@given(
    st.integers(0, 40).flatmap(
        lambda limit: st.tuples(
            st.just(limit),
            st.lists(
                st.tuples(st.integers(0, 255), st.integers(-60, 60)), min_size=1, max_size=400
            ),  # fmt: skip
        )
    )
)
def test_cells_within_agrees_with_cell_by_cell(case):
    """The lane arithmetic says what the plain definition says, at every cell."""
    limit, pairs = case
    a = bytes(x for x, _ in pairs)
    b = bytes(min(255, max(0, x + d)) for x, d in pairs)
    plain = max(abs(x - y) for x, y in zip(a, b, strict=True)) <= limit
    assert recap.cells_within(a, b, limit) == plain
    assert recap.cells_within(b, a, limit) == plain
