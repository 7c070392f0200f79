"""Finding the tables of a result form from the page OCR's words alone, whatever the layout.

Pages here are word tables written by hand (as Tesseract would give them) over a blank image,
so the tests see the layout logic only: which rows are rows, which words are the count, the
amount in words and the label, with the columns in any order.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ingest import tally
from ingest.models import PageContext, Tally

HEADER_TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
)


def page(folder: Path, lines: list[tuple[int, list[tuple[str, int]]]], number: int = 1):
    """A page context whose word table holds ``lines``: (top, [(word, left)]), each word
    30 px high and 22 px a letter wide, read with confidence 93."""
    out = [HEADER_TSV]
    for n, (top, words) in enumerate(lines, start=1):
        for i, (text, left) in enumerate(words, start=1):
            out.append(f"5\t1\t{n}\t1\t1\t{i}\t{left}\t{top}\t{22 * len(text)}\t30\t93\t{text}")
    tsv = folder / f"page{number}.tsv"
    tsv.write_text("\n".join(out) + "\n", encoding="utf-8")
    text = "\n".join(" ".join(w for w, _ in words) for _, words in lines)
    blank = Image.new("L", (2480, 3508), 255)
    return PageContext(number, folder / "page.png", 300, 0, text, tsv, blank)


def words(text: str, left: int, gap: int = 12) -> list[tuple[str, int]]:
    out = []
    for word in text.split():
        out.append((word, left))
        left += 22 * len(word) + gap
    return out


def row(top: int, *cells: tuple[str, int]) -> tuple[int, list[tuple[str, int]]]:
    return top, [w for text, left in cells for w in words(text, left)]


def numbers(reading: Tally) -> list:
    return [(r.label, r.votes, r.status) for r in reading.rows]


# The issue's forms: ANGKA then TERBILANG after the names, and the header above them.
ISSUE_PAGE = [
    row(700, ("III. DATA PEROLEHAN SUARA PASANGAN CALON", 200)),
    row(800, ("NO. URUT", 220), ("NAMA PASANGAN CALON", 700), ("ANGKA", 1380), ("TERBILANG", 1750)),
    row(
        900,
        ("1", 250),
        ("H. SITI NUGROHO - JOKO RAHAYU, M.M.", 420),
        ("84", 1420),
        ("delapan puluh empat", 1650),
    ),
    row(
        1000,
        ("2", 250),
        ("AHMAD HIDAYAT - DEWI LESTARI", 420),
        ("112", 1400),
        ("seratus dua belas", 1650),
    ),
    row(1100, ("3", 250), ("SURYA WIBOWO - RINA KARTIKA", 420), ("7", 1440), ("tujuh", 1650)),
    row(1300, ("IV. JUMLAH SUARA SAH DAN TIDAK SAH", 200)),
    row(
        1400, ("A", 250), ("JUMLAH SELURUH SUARA SAH", 420), ("203", 1400), ("dua ratus tiga", 1650)
    ),
    row(1500, ("B", 250), ("JUMLAH SUARA TIDAK SAH", 420), ("4", 1440), ("empat", 1650)),
    row(
        1600,
        ("C", 250),
        ("JUMLAH SELURUH SUARA SAH DAN SUARA TIDAK SAH", 420),
        ("207", 1400),
        ("dua ratus tujuh", 1650),
    ),
    row(1900, ("CATATAN : -", 200)),
]


def test_given_the_issues_angka_and_terbilang_layout_when_read_then_every_number_confirmed(
    tmp_path,
):
    reading = tally.read_tally(page(tmp_path, ISSUE_PAGE))
    assert numbers(reading) == [
        ("H. SITI NUGROHO - JOKO RAHAYU, M.M.", 84, "confirmed"),
        ("AHMAD HIDAYAT - DEWI LESTARI", 112, "confirmed"),
        ("SURYA WIBOWO - RINA KARTIKA", 7, "confirmed"),
    ]
    assert (reading.valid, reading.invalid, reading.ballots_used) == (203, 4, 207)
    assert reading.consistent is True and not tally.needs_review(reading)
    assert reading.rows[0].words.text == "delapan puluh empat"


def test_given_header_words_when_read_then_no_heading_is_ever_a_row(tmp_path):
    reading = tally.read_tally(page(tmp_path, ISSUE_PAGE))
    labels = " ".join(n.label for n in reading.numbers).upper().split()
    for heading in ("URUT", "ANGKA", "TERBILANG", "NAMA"):
        assert heading not in labels
    assert [n.kind for n in reading.numbers].count("candidate") == 3


def test_given_columns_in_another_order_when_read_then_the_same_numbers(tmp_path):
    """TERBILANG first, then ANGKA, then the names: the maker's order is not assumed."""
    lines = [
        row(700, ("DATA PEROLEHAN SUARA", 200)),
        row(800, ("NO", 220), ("TERBILANG", 420), ("ANGKA", 1000), ("NAMA CALON", 1500)),
        row(900, ("1", 250), ("dua puluh satu", 420), ("21", 1100), ("HENDRA HASANAH", 1300)),
        row(1000, ("2", 250), ("tiga", 420), ("3", 1120), ("KARTIKA HALIM, S.H.", 1300)),
        row(1100, ("A", 250), ("dua puluh empat", 420), ("24", 1100), ("JUMLAH SUARA SAH", 1300)),
    ]
    reading = tally.read_tally(page(tmp_path, lines))
    assert numbers(reading) == [
        ("HENDRA HASANAH", 21, "confirmed"),
        ("KARTIKA HALIM, S.H.", 3, "confirmed"),
    ]
    assert reading.valid == 24 and reading.consistent is True


def test_given_digits_and_words_that_disagree_on_the_page_then_both_shown_and_flagged(tmp_path):
    lines = [*ISSUE_PAGE]
    lines[2] = row(
        900, ("1", 250), ("H. SITI NUGROHO", 420), ("84", 1420), ("sembilan puluh empat", 1650)
    )
    reading = tally.read_tally(page(tmp_path, lines))
    first = reading.rows[0]
    assert (first.status, first.digits.value, first.words.value) == ("disputed", 84, 94)
    assert first.votes == 84, "the sums fit the digits, and the number stays disputed"
    assert any(i.code == "disputed" for i in reading.issues) and tally.needs_review(reading)


def test_given_a_numbered_row_whose_count_is_missing_then_it_is_unread_and_reviewed(tmp_path):
    lines = [*ISSUE_PAGE]
    lines[3] = row(1000, ("2", 250), ("AHMAD HIDAYAT - DEWI LESTARI", 420))
    reading = tally.read_tally(page(tmp_path, lines))
    assert numbers(reading)[1] == ("AHMAD HIDAYAT - DEWI LESTARI", None, "unread")
    assert tally.needs_review(reading)


VOTERS = [
    row(600, ("I. DATA PEMILIH DAN PENGGUNA HAK PILIH", 200)),
    row(
        700,
        ("NO", 220),
        ("URAIAN", 700),
        ("JUMLAH", 1420),
        ("LAKI-LAKI", 1700),
        ("PEREMPUAN", 2000),
    ),
    row(800, ("A. DATA PEMILIH", 220)),
    row(
        900,
        ("1", 250),
        ("Jumlah pemilih dalam DPT", 420),
        ("230", 1450),
        ("110", 1750),
        ("120", 2050),
    ),
    row(
        1000, ("2", 250), ("Jumlah pemilih dalam DPTb", 420), ("3", 1480), ("1", 1780), ("2", 2080)
    ),
    row(1100, ("3", 250), ("Jumlah pemilih dalam DPK", 420), ("2", 1480), ("2", 1780), ("0", 2080)),
    row(
        1200,
        ("4", 250),
        ("Jumlah pemilih (1+2+3)", 420),
        ("235", 1450),
        ("113", 1750),
        ("122", 2050),
    ),
    row(1300, ("B. PENGGUNA HAK PILIH", 220)),
    row(
        1400,
        ("1", 250),
        ("Jumlah pengguna hak pilih dalam DPT", 420),
        ("200", 1450),
        ("100", 1750),
        ("100", 2050),
    ),
    row(
        1500,
        ("4", 250),
        ("Jumlah seluruh pengguna hak pilih", 420),
        ("207", 1450),
        ("101", 1750),
        ("106", 2050),
    ),
]


def test_given_voter_data_with_jml_first_when_read_then_each_count_in_its_column(tmp_path):
    reading = tally.read_tally(page(tmp_path, VOTERS))
    dpt = {n.column: n.votes for n in reading.numbers if n.key.startswith("voters.dpt.")}
    assert dpt == {"L": 110, "P": 120, "JML": 230}
    total = reading.number("users.total.JML")
    assert (total.votes, total.kind, total.role) == (207, "users", "total")
    assert {c.code for c in reading.checks} == {
        "lp_sum",
        "voter_rows_sum",
        "users_over_row",
        "users_over_voters",
    }
    assert all(c.holds for c in reading.checks)
    assert reading.number("voters.dpt.L").status == "confirmed"


def test_given_a_voter_line_whose_l_and_p_miss_its_jml_then_that_line_is_named(tmp_path):
    lines = [*VOTERS]
    lines[3] = row(
        900,
        ("1", 250),
        ("Jumlah pemilih dalam DPT", 420),
        ("231", 1450),
        ("110", 1750),
        ("120", 2050),
    )
    reading = tally.read_tally(page(tmp_path, lines))
    failing = [i for i in reading.issues if i.code == "lp_sum"]
    assert [i.params["key"] for i in failing] == ["voters.dpt"]
    assert (failing[0].params["sum"], failing[0].params["JML"]) == (230, 231)
    assert reading.consistent is False


def test_given_voter_data_on_one_page_and_votes_on_the_next_then_checked_together(tmp_path):
    first = tally.read_tally(page(tmp_path, VOTERS, 1))
    second = tally.read_tally(page(tmp_path, ISSUE_PAGE, 2))
    both = tally.combine([second, first])
    users = next(c for c in both.checks if c.code == "users_ballots")
    assert (users.holds, users.params["ballots_used"], users.params["users"]) == (True, 207, 207)
    assert both.number("row1").page == 2 and both.number("voters.dpt.L").page == 1


def test_given_an_amount_in_words_wrapped_onto_a_second_line_then_read_whole(tmp_path):
    lines = [*ISSUE_PAGE]
    lines[3] = row(1000, ("2", 250), ("AHMAD HIDAYAT - DEWI LESTARI", 420), ("112", 1400),
                   ("seratus dua", 1650))  # fmt: skip
    lines.insert(4, row(1040, ("belas", 1650)))
    reading = tally.read_tally(page(tmp_path, lines))
    second = reading.rows[1]
    assert (second.status, second.words.value, second.words.text) == (
        "confirmed",
        112,
        "seratus dua belas",
    )
    assert len(reading.rows) == 3


def test_given_a_sum_line_in_the_candidate_table_then_it_is_not_taken_for_a_candidate(tmp_path):
    lines = [*ISSUE_PAGE]
    lines.insert(5, row(1200, ("JUMLAH PEROLEHAN SUARA PASANGAN CALON", 420), ("203", 1400)))
    reading = tally.read_tally(page(tmp_path, lines))
    assert [r.label for r in reading.rows] == [
        "H. SITI NUGROHO - JOKO RAHAYU, M.M.", "AHMAD HIDAYAT - DEWI LESTARI",
        "SURYA WIBOWO - RINA KARTIKA"]  # fmt: skip
    assert len(reading.numbers) == 6, "nor for anything else"


def test_given_a_voter_header_read_in_part_then_three_counts_are_l_p_and_jml(tmp_path):
    """The OCR lost the header's JML: the line's three counts still go to L, P and JML."""
    lines = [
        row(600, ("I. DATA PEMILIH DAN PENGGUNA HAK PILIH", 200)),
        row(700, ("NO", 220), ("URAIAN", 700), ("L", 1480), ("P", 1780)),
        row(900, ("1", 250), ("Jumlah pemilih dalam DPT", 420), ("110", 1450), ("120", 1750),
            ("230", 2050)),
    ]  # fmt: skip
    reading = tally.read_tally(page(tmp_path, lines))
    dpt = {n.column: n.votes for n in reading.numbers if n.key.startswith("voters.dpt.")}
    assert dpt == {"L": 110, "P": 120, "JML": 230}
