"""A form's kept tally lines (domain.tally_lines) give, with any place and flags put in, the
csv writer's lines for that form byte for byte: an export joins them instead of writing
them, and an auditor compares exports."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from archive_app.domain import spreadsheet, tally_lines

TEXT = st.sampled_from(["", "Papahan", "=1+1", "-3", "@x", "\tx", "a,b", 'say "hi"', "01",
                        "two\nlines", "two\r\nlines", "ends\r", "\nstarts", "unit\x1f", "nul\x00",
                        "Ñuñoa ✓", "JML", "PASLON 1"])  # fmt: skip
VOTES = st.one_of(st.none(), st.integers(-5, 10**6), st.sampled_from([1.5, -0.0, True]))
CONFIDENCE = st.one_of(st.sampled_from(["", 0.0, 0.93, 1.0, 1e-7]), st.floats(0, 1))
ROW = st.fixed_dictionaries({"label": TEXT, "votes": VOTES, "confidence": CONFIDENCE},
                            optional={"status": TEXT})  # fmt: skip
NUMBER = st.fixed_dictionaries({
    "key": st.sampled_from(["users.total.jml", "voters.l", "sheets.used", "row1", "valid",
                            "disabled.p", "=x"]),
    "kind": st.sampled_from(["users", "voters", "disabled", "sheets", "candidate", "total"]),
    "votes": VOTES, "confidence": CONFIDENCE, "status": TEXT,
})  # fmt: skip
TALLY = st.fixed_dictionaries({
    "rows": st.lists(ROW, max_size=6), "valid": VOTES, "invalid": VOTES,
    "ballots_used": VOTES, "consistent": st.sampled_from([True, False, None]),
    "numbers": st.lists(NUMBER, max_size=5),
}, optional={
    "confidences": st.dictionaries(st.sampled_from(["valid", "invalid"]), CONFIDENCE),
})  # fmt: skip
PLACE = st.lists(st.one_of(TEXT, st.integers()), min_size=1, max_size=9)
FLAGS = st.lists(st.sampled_from(["inconsistent", "low_confidence", "review"]), unique=True)


def writers_lines(tally: dict, place: list, flags: list[str]) -> str:
    """The form's lines as the plain csv writer writes them, cell by cell."""
    out = io.StringIO()
    consistent = "" if tally["consistent"] is None else str(tally["consistent"]).lower()
    spreadsheet.writer(out).writerows(
        [*place, name, "" if votes is None else str(votes), confidence, consistent,
         " ".join(flags), status]
        for name, votes, confidence, status in tally_lines.numbers(tally)
    )  # fmt: skip
    return out.getvalue()


@settings(max_examples=400, deadline=None)
@given(tally=TALLY, place=PLACE, flags=FLAGS)
def test_given_any_counts_place_and_flags_then_kept_lines_are_the_writers(tally, place, flags):
    lines = spreadsheet.CsvLines()
    head = lines.cells(place) + lines.sep
    flag = lines.cell(" ".join(flags))
    expected = writers_lines(tally, place, flags)
    written = "".join(f"{head}{b}{flag}{a}{lines.end}" for b, a in tally_lines.pieces(tally, lines))
    assert written == expected
    kept = tally_lines.packed(tally, spreadsheet.CsvLines())
    if kept is not None:
        assert tally_lines.unpacked(kept, head, flag, lines.end) == expected


def test_given_a_cell_holding_the_line_end_or_the_mark_then_the_form_is_not_kept():
    base = {"rows": [], "valid": 1, "invalid": 0, "ballots_used": 1, "consistent": True}
    for label in ("two\r\nlines", f"a{tally_lines.FLAGS}b"):
        tally = {**base, "rows": [{"label": label, "votes": 1, "confidence": 0.9}]}
        assert tally_lines.packed(tally, spreadsheet.CsvLines()) is None
    plain = {**base, "rows": [{"label": "two\nlines", "votes": 1, "confidence": 0.9}]}
    assert tally_lines.packed(plain, spreadsheet.CsvLines()) is not None


def test_the_kept_layout_is_pinned_to_its_version():
    """Lines kept by an older layout are used only while VERSION says they are this one. If
    this text changes, so must VERSION (records keep their lines across upgrades; ``archive
    tally-lines`` writes them again in the new layout)."""
    tally = {
        "rows": [{"label": "PASLON 1", "votes": 120, "confidence": 0.97, "status": "sure"},
                 {"label": "=HYPERLINK()", "votes": None, "confidence": "", "status": ""}],
        "valid": 120, "invalid": 3, "ballots_used": 123, "consistent": False,
        "confidences": {"valid": 0.9},
        "numbers": [{"key": "users.total.jml", "kind": "users", "votes": 200,
                     "confidence": 0.8, "status": "read"},
                    {"key": "invalid", "kind": "total", "votes": 3, "confidence": 1.0,
                     "status": "checked"}],
    }  # fmt: skip
    assert tally_lines.VERSION == 1
    assert tally_lines.packed(tally, spreadsheet.CsvLines()) == (
        "PASLON 1,120,0.97,false,\x1f,sure\r\n"
        "'=HYPERLINK(),,,false,\x1f,\r\n"
        "VALID,120,0.9,false,\x1f,\r\n"
        "INVALID,3,,false,\x1f,checked\r\n"
        "BALLOTS_USED,123,,false,\x1f,\r\n"
        "USERS.TOTAL.JML,200,0.8,false,\x1f,read"
    )
