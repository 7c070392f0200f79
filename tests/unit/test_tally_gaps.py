"""A count the page OCR left unread is found in its column and read from the page image.

GIVEN a table whose counts stand one above the other, and a row whose count the page OCR
did not read, WHEN the table's empty count cells are looked at, THEN that cell's ink is cut
out and the digits strip reads it; an empty cell crossed by a ruling line gives nothing.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ingest.tally_boxes import DIGIT_PX
from ingest.tally_cells import read_groups
from ingest.tally_gaps import RowCounts, columns, find
from ingest.tally_rows import Row, Token, Word
from tests.formgen import FONT_DIR

HEIGHT = 30  # the rows' text height, pixels
COUNT = (900, 980)  # where the count column stands


def table(printed: dict[int, str], read: set[int], rules: frozenset[int] = frozenset()):
    """A page with a label on each of four rows, the ``printed`` counts drawn in the count
    column, the page OCR having read those in ``read``; ``rules`` rows have a line drawn
    through their cell."""
    image = Image.new("L", (1400, 560), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 40)
    rows = []
    for i in range(4):
        y = 70 + 130 * i
        draw.text((100, y), f"PASANGAN {i + 1}", font=font, fill=0, anchor="lm")
        if i in printed:
            draw.text((COUNT[0], y), printed[i], font=font, fill=0, anchor="lm")
        if i in rules:
            draw.line((COUNT[0] - 60, y + 5, COUNT[1] + 60, y + 5), fill=0, width=3)
        word = Word("PASANGAN", 100, y - HEIGHT // 2, 220, HEIGHT, 95.0, ("1", "1", str(i)))
        row = Row((Token(word, "text"),), float(y), float(HEIGHT))
        counts = (COUNT,) if i in read else ()
        rows.append(RowCounts(row, counts, ((100, 380),), None, True))
    return image, rows


def test_given_a_count_the_ocr_missed_when_gaps_are_read_then_it_is_found_and_read():
    image, rows = table({0: "123", 1: "91", 2: "45"}, read={0, 2})
    assert columns(rows) == [COUNT]
    [gap] = find(rows, image, 0.0)
    assert gap.at == 1 and gap.piece.height == DIGIT_PX
    assert COUNT[0] - 5 <= gap.box[0] < gap.box[2] <= COUNT[1] + 40
    [(value, confidence, text)] = read_groups([], 300, [gap.piece])
    assert value == 91, text


def test_given_empty_cells_with_a_ruling_line_when_gaps_are_read_then_nothing_is_made_up():
    image, rows = table({0: "123", 2: "45"}, read={0, 2}, rules=frozenset({1, 3}))
    assert find(rows, image, 0.0) == []


def test_given_a_count_in_one_row_only_when_gaps_are_read_then_no_column_is_assumed():
    image, rows = table({0: "123", 1: "91"}, read={0})
    assert columns(rows) == [] and find(rows, image, 0.0) == []
