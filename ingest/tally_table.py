"""One page of a result form read as its tables: every row with counts, what it is, and the
digits and words of each count with where they stand on the page.

Two passes over the page's rows (ingest/tally_rows.py). The first takes each row apart
(label, row number, counts in digits, number words) under the table header above it, and
looks for per-digit boxes on the rows whose counts the page OCR did not read cleanly; all
boxes of the page are then read by one digits-only OCR call (ingest/tally_cells.py). The
second walks the rows top to bottom, keeping the section they are in (voter data, ballot
sheets, votes, totals), and gives each row with a count its role (ingest/tally_layout.py).
A numbered row whose count cell is empty or unreadable is kept, unread; a row without any
count (a heading, a header) is not a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from ingest import tally_gaps, terbilang
from ingest.models import Reading
from ingest.tally_boxes import BoxGroup, Levelled, find_boxes
from ingest.tally_cells import DigitsRead, printed_piece, read_groups
from ingest.tally_layout import (
    Column,
    Parts,
    Table,
    has,
    header_columns,
    is_footer,
    is_title,
    letters,
    ordinal,
    parts,
    section_of,
    sheet_role,
    total_role,
    vote_role,
    voter_role,
    words_of,
)
from ingest.tally_rows import Row, Token, Word

MIXED = 0.5  # most a count is trusted when the OCR took a letter for one of its digits
SPLIT = 0.9  # digits further apart than this many word heights are two numbers
VOTER_KINDS = ("voters", "users", "disabled")

Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass
class Found:
    """A row of counts: its role, label, and the readings of each of its counts."""

    kind: str  # candidate, party, party_total, valid, invalid, ballots_used, voters, users,
    # disabled, sheets
    role: str  # section I: dpt, dptb, dpk, total (disabled: voters, users); sheets: received...
    label: str
    digits: dict[str, Reading | None]  # column ("votes", "L", "P", "JML") -> digits reading
    words: Reading | None = None  # the amount in words, for the row's main count


@dataclass
class _Entry:
    row: Row
    table: Table
    parts: Parts
    groups: list[BoxGroup] = field(default_factory=list)
    group_reads: list[DigitsRead] = field(default_factory=list)
    # first token of a printed count -> strip reading
    again: dict[int, DigitsRead] = field(default_factory=dict)
    in_boxes: bool = False  # no boxes found on the row, though its table has them
    # counts the page OCR left unread, read from their cells: (page box, strip reading)
    gap_reads: list[tuple[tuple[int, int, int, int], DigitsRead]] = field(default_factory=list)


class Page:
    """Page size, for boxes as shares of it."""

    def __init__(self, size: tuple[int, int]):
        self.width, self.height = size

    def box(self, words: list[Word] | tuple[Word, ...]) -> Box | None:
        if not words:
            return None
        return self.share(
            (
                min(w.left for w in words),
                min(w.top for w in words),
                max(w.right for w in words),
                max(w.bottom for w in words),
            )
        )

    def share(self, box: Box) -> Box:
        x0, y0, x1, y1 = box
        w, h = self.width, self.height
        return (
            round(max(0, x0) / w, 4),
            round(max(0, y0) / h, 4),
            round(min(w, x1) / w, 4),
            round(min(h, y1) / h, 4),
        )


def read_page(rows: list[Row], image: Image.Image, slope: float, dpi: int) -> list[Found]:
    """The rows of counts on a page, top to bottom."""
    placed = _rows_in_tables(rows)
    if not placed:
        return []
    entries = _take_apart(placed)
    _find_boxes(entries, image, slope, dpi)
    return _roles(entries, Page(image.size))


def _rows_in_tables(rows: list[Row]) -> list[tuple[Row, Table]]:
    """Rows from the first table header or section heading to the signatures, each with the
    header it stands under (two header lines in a row are one header). Before the first
    header, the lines of the title block are not rows: a title that names a section
    ("... PEROLEHAN SUARA") would otherwise take the election's year for a count."""
    placed: list[tuple[Row, Table]] = []
    table, started, last_header = Table(), False, -2
    for i, row in enumerate(rows):
        if started and is_footer(row):
            break
        columns = header_columns(row)
        if columns is not None:
            merged = table.columns + columns if last_header == i - 1 else columns
            table, started, last_header = Table(_kinds(merged)), True, i
            continue
        if not table.columns and is_title(row):
            continue  # the title block ("... TAHUN 2024", "TPS : 005") is never a row
        if not started:
            started = section_of(words_of(row.of("text"))) is not None
            if not started:
                continue
        placed.append((row, table))
    return placed


def _kinds(columns: list[Column]) -> list[Column]:
    """A header with L or P columns calls its JUMLAH column JML."""
    kinds = {c.kind for c in columns}
    if kinds & {"L", "P"}:
        return [Column("JML", c.left, c.right) if c.kind == "count" else c for c in columns]
    return columns


def _take_apart(placed: list[tuple[Row, Table]]) -> list[_Entry]:
    """Parts of every row, deciding per table whether the leftmost numbers are row numbers."""
    by_table: dict[int, list[Row]] = {}
    for row, table in placed:
        by_table.setdefault(id(table), []).append(row)
    numbered: dict[int, bool | None] = {}
    for key, group in by_table.items():
        firsts: list[int | None] = []
        for row in group:
            tokens = [t for t in row.tokens if t.kind != "junk"]
            label_left = next((t.word.left for t in tokens if t.kind == "text"), None)
            lead = tokens[0] if tokens else None
            if lead is not None and lead.kind == "num" and label_left and lead.x < label_left:
                firsts.append(lead.value)
        numbered[key] = ordinal(firsts)
    return [_Entry(row, table, parts(row, table, numbered[id(table)])) for row, table in placed]


def _needs_boxes(entry: _Entry) -> bool:
    """Rows that may hold per-digit boxes: every labelled row (the page OCR reads box sides
    as digits, "058" in boxes as a clean "01518")."""
    return bool(entry.parts.label or entry.parts.number)


def _find_boxes(entries: list[_Entry], image: Image.Image, slope: float, dpi: int) -> None:
    wanted = [e for e in entries if _needs_boxes(e)]
    if not wanted:
        return
    level = Levelled(image, [e.row for e in entries], slope)
    labelled = [e for e in entries if e.parts.label]  # specks and box bits make rows too
    for entry in wanted:
        pitch = _pitch(entry, labelled)
        entry.groups = find_boxes(level, entry.row, pitch)
        if entry.groups:
            kept = [t for t in entry.row.tokens if not _inside(t, entry.groups)]
            entry.row = Row(tuple(kept), entry.row.level_y, entry.row.height)
            entry.parts = parts(entry.row, entry.table, _numbered(entry))
    _mark_boxed_tables(entries)
    groups = [g for e in entries for g in e.groups]
    printed = [(e, run) for e in entries for run in _digit_runs(e)]
    pieces = [printed_piece(image, _span(run)) for _, run in printed]
    gaps = _gaps(entries, image, slope)
    reads = read_groups(groups, dpi, pieces + [gap.piece for _, gap in gaps])
    at = 0
    for entry in entries:
        entry.group_reads = reads[at : at + len(entry.groups)]
        at += len(entry.groups)
    for (entry, run), again in zip(printed, reads[at : at + len(printed)], strict=True):
        entry.again[id(run[0])] = again
    for (entry, gap), read in zip(gaps, reads[at + len(printed) :], strict=True):
        entry.gap_reads.append((gap.box, read))


def _gaps(
    entries: list[_Entry], image: Image.Image, slope: float
) -> list[tuple[_Entry, tally_gaps.Gap]]:
    """The empty count cells of tables of printed counts (ingest/tally_gaps.py); tables
    with boxes are read box by box."""
    tables: dict[int, list[_Entry]] = {}
    for entry in entries:
        tables.setdefault(id(entry.table), []).append(entry)
    out = []
    for group in tables.values():
        if any(e.groups or e.in_boxes for e in group):
            continue
        rows = [_row_counts(e) for e in group]
        out += [(group[gap.at], gap) for gap in tally_gaps.find(rows, image, slope)]
    return out


def _row_counts(entry: _Entry) -> tally_gaps.RowCounts:
    p = entry.parts
    counts = [(g.box[0], g.box[2]) for g in entry.groups]
    counts += [(_span(run)[0], _span(run)[2]) for run in _digit_runs(entry)]
    number = (p.number.word.left, p.number.word.right) if p.number is not None else None
    others = [(t.word.left, t.word.right) for t in [*p.label, *p.words]]
    others += [number] if number else []
    return tally_gaps.RowCounts(entry.row, tuple(counts), tuple(others), number, bool(p.label))


def _mark_boxed_tables(entries: list[_Entry]) -> None:
    """In a table whose counts stand in boxes, a row where no boxes were found has its
    digits from the page OCR, which reads box sides as "1": those are not to be trusted."""
    boxed: dict[int, int] = {}
    for entry in entries:
        boxed[id(entry.table)] = boxed.get(id(entry.table), 0) + bool(entry.groups)
    for entry in entries:
        entry.in_boxes = not entry.groups and boxed[id(entry.table)] >= 2


def _digit_runs(entry: _Entry) -> list[list[Token]]:
    """The row's counts in digits as the page OCR read them, neighbouring digits of one
    number joined."""
    runs: list[list[Token]] = []
    for token in entry.parts.counts:
        if runs and token.word.left - runs[-1][-1].word.right < SPLIT * entry.row.height:
            runs[-1].append(token)
        else:
            runs.append([token])
    return runs


def _span(run: list[Token]) -> tuple[int, int, int, int]:
    words = [t.word for t in run]
    return (
        min(w.left for w in words),
        min(w.top for w in words),
        max(w.right for w in words),
        max(w.bottom for w in words),
    )


def _pitch(entry: _Entry, labelled: list[_Entry]) -> float:
    """The height of the row's cell: the distance to the nearest labelled row."""
    h = entry.row.height
    gaps = [abs(e.row.level_y - entry.row.level_y) for e in labelled if e is not entry]
    pitch = min([g for g in gaps if g > 1.5 * h] or [5 * h])
    return max(1.5 * h, min(pitch, 8 * h))


def _numbered(entry: _Entry) -> bool | None:
    return None if entry.parts.number is None else entry.parts.number.kind == "num" or None


def _inside(token: Token, groups: list[BoxGroup]) -> bool:
    return any(g.box[0] - 6 <= token.x <= g.box[2] + 6 for g in groups)


# --- second pass: sections and roles --------------------------------------------------------------


def _roles(entries: list[_Entry], page: Page) -> list[Found]:
    found: list[Found] = []
    section: str | None = None
    pending_label: _Entry | None = None
    for entry in entries:
        p = entry.parts
        counts = _counts(entry, page)
        words = _words(p.words, page)
        label_words = words_of(p.label)
        if not counts and words is None:
            heading = section_of(label_words)
            numbered = p.number is not None and p.number.kind == "num"
            if heading and not numbered:
                section = heading
                pending_label = None
                continue
            if numbered and p.label:  # a numbered line whose count is missing or unreadable
                classified = _classify(entry, label_words, section)
                if classified is not None:
                    found.append(_found(entry, *classified, [], None, page))
                continue
            pending_label = entry if p.label else None
            continue
        if entry.table.numeric() and _voter_header(entry.table) and section in (None, "votes"):
            section = "voters"
        if not p.label and pending_label is not None:
            label_words = words_of(pending_label.parts.label)
            p.label, p.text = pending_label.parts.label, pending_label.parts.text
        pending_label = None
        if not p.label:
            if found and not counts and words is not None and p.number is None:
                found[-1] = _wrapped(found[-1], p.words, page)
            continue
        found_row = _classify(entry, label_words, section)
        if found_row is None:
            continue
        kind, role = found_row
        found.append(_found(entry, kind, role, counts, words, page))
        if section is None and kind in ("candidate", "party"):
            section = "votes"
    return found


def _voter_header(table: Table) -> bool:
    return any(c.kind in ("L", "P", "JML") for c in table.columns)


def _classify(entry: _Entry, words: list[str], section: str | None) -> tuple[str, str] | None:
    raw = " ".join(t.word.text for t in entry.parts.label)
    total = total_role(words, raw)
    if total:
        return total, ""
    sheet = sheet_role(words)
    if sheet and section in ("sheets", None, "voters", "users"):
        return "sheets", sheet
    if section in VOTER_KINDS or (section is None and _voter_header(entry.table)):
        found = voter_role(words, section or "")
        return found if found else None
    if section == "sheets":
        return None
    role = vote_role(words)
    if role == "candidate" and has(words, "JUMLAH", "TOTAL"):  # a sum, not a candidate
        voters = has(words, "PEMILIH", "PENGGUNA", "DPT", "DPTB", "DPK")
        return voter_role(words, "") if voters else None
    return role, ""


def _wrapped(row: Found, more: list[Token], page: Page) -> Found:
    """A row whose amount in words runs on to a second line ("seratus dua puluh" / "tiga"):
    the second line's words are added when the whole reads as one number."""
    if row.words is None or not row.words.text:
        return row
    joined = terbilang.parse(f"{row.words.text} {' '.join(t.word.text for t in more)}")
    if joined is None:
        return row
    first, rest = row.words, page.box([t.word for t in more])
    box = (
        first.box
        if rest is None or first.box is None
        else (
            min(first.box[0], rest[0]),
            min(first.box[1], rest[1]),
            max(first.box[2], rest[2]),
            max(first.box[3], rest[3]),
        )
    )
    text = f"{first.text} {' '.join(t.word.text for t in more)}"
    confidence = min(first.confidence or 1.0, min(t.word.conf for t in more) / 100)
    if joined.fuzzy:
        confidence *= terbilang.FUZZY
    reading = Reading(joined.value, confidence, text, box, "words")
    return Found(row.kind, row.role, row.label, row.digits, reading)


def _found(
    entry: _Entry,
    kind: str,
    role: str,
    counts: list[tuple[float, Reading]],
    words: Reading | None,
    page: Page,
) -> Found:
    label = entry.parts.text
    if kind in VOTER_KINDS:
        columns = _voter_columns(entry.table, counts)
        return Found(kind, role, label, columns, words)
    main = _main_count(entry.table, counts)
    return Found(kind, role, label, {"votes": main}, words)


def _main_count(table: Table, counts: list[tuple[float, Reading]]) -> Reading | None:
    if not counts:
        return None
    if len(counts) == 1:
        return counts[0][1]
    digits = [c for c in table.numeric() if c.kind in ("digits", "count")]
    if digits:
        return min(counts, key=lambda c: abs(c[0] - digits[0].x))[1]
    x, reading = counts[-1]
    return Reading(
        reading.value, min(reading.confidence, MIXED), reading.text, reading.box, reading.source
    )


def _voter_columns(table: Table, counts: list[tuple[float, Reading]]) -> dict[str, Reading | None]:
    """A line of section I: its counts under the header's L / P / JML columns, one count a
    column; three counts under a header read only in part are L, P and JML in that order."""
    columns = sorted((c for c in table.numeric() if c.kind in ("L", "P", "JML")), key=lambda c: c.x)
    kinds = [c.kind for c in columns]
    if len(counts) == 3:
        order = kinds if len(columns) == 3 else ["L", "P", "JML"]
        return {k: r for k, (_, r) in zip(order, counts, strict=True)}
    if not columns:
        return {"JML": counts[-1][1] if counts else None}
    if not counts:
        return dict.fromkeys(kinds)
    out: dict[str, Reading | None] = dict.fromkeys(kinds)
    pairs = sorted((abs(c.x - x), c.kind, i) for c in columns for i, (x, _) in enumerate(counts))
    used: set[int] = set()
    for _, kind, i in pairs:
        if out[kind] is None and i not in used:
            out[kind] = counts[i][1]
            used.add(i)
    return out


def _counts(entry: _Entry, page: Page) -> list[tuple[float, Reading]]:
    """The row's counts in digits, left to right, as (page x, reading): from the boxes, and
    from the page OCR's digits (neighbouring digits of one number joined)."""
    out: list[tuple[float, Reading]] = []
    for group, (value, confidence, text) in zip(entry.groups, entry.group_reads, strict=True):
        out.append(
            (
                (group.box[0] + group.box[2]) / 2,
                Reading(value, confidence, text, page.share(group.box), "boxes"),
            )
        )
    for cell, (value, confidence, text) in entry.gap_reads:
        if value is not None:  # never sure alone: the arithmetic may confirm it
            reading = Reading(value, min(confidence, MIXED), text, page.share(cell), "print")
            out.append(((cell[0] + cell[2]) / 2, reading))
    for run in _digit_runs(entry):
        text = "".join(str(t.value) for t in run)
        confidence = min(max(0.0, t.word.conf) for t in run) / 100
        if not all(t.clean for t in run) or len(run) > 1:
            confidence = min(confidence, MIXED)
        again = entry.again.get(id(run[0]))
        if again and again[0] is not None and again[0] != int(text):
            confidence = min(confidence, MIXED)  # read again, the digits came out otherwise
        if entry.in_boxes:
            confidence = min(confidence, MIXED)
        box = page.box([t.word for t in run])
        x = (run[0].word.left + run[-1].word.right) / 2
        out.append(
            (x, Reading(int(text), confidence, " ".join(t.word.text for t in run), box, "print"))
        )
    return sorted(out, key=lambda c: c[0])


def _words(tokens: list[Token], page: Page) -> Reading | None:
    """The amount in words; a word the OCR ran in from a neighbouring cell at either end is
    left out when the rest reads as a number."""
    if not tokens:
        return None
    text = " ".join(t.word.text for t in tokens)
    parsed = terbilang.parse(text)
    for cut in ((1, 0), (0, 1), (1, 1)):
        if parsed is not None or len(tokens) - sum(cut) < 1:
            break
        kept = tokens[cut[0] : len(tokens) - cut[1]]
        trimmed = terbilang.parse(" ".join(t.word.text for t in kept))
        if trimmed is not None:
            tokens, parsed = kept, trimmed
            text = " ".join(t.word.text for t in tokens)
    confidence = min(max(0.0, t.word.conf) for t in tokens) / 100
    if parsed is None:
        return Reading(None, 0.0, text, page.box([t.word for t in tokens]), "words")
    if parsed.fuzzy:
        confidence *= terbilang.FUZZY
    return Reading(parsed.value, confidence, text, page.box([t.word for t in tokens]), "words")


__all__ = ["Found", "read_page", "letters"]
