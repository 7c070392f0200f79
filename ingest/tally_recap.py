"""Recapitulation forms (D.Hasil Kecamatan, D.Hasil Kabupaten/Kota): the same reader, one
column per child region.

A recap page is a table whose rows are the candidates and the totals (the row roles come
from the same label words as on a C.Hasil: ingest/tally_layout.py) and whose count columns
are the child regions, each headed by its code (its own part, "2001", or in full,
"33.13.05.2001") and name, then the total (JUMLAH, JUMLAH AKHIR). The header is found from
those codes above the first row of counts; each count is given to the column whose span
(halfway to its neighbours) holds it, read from the page OCR's digits and read again by the
digits strip (ingest/tally_cells.py): the two disagreeing make it unsure. Columns are keyed
by the code as printed (digits only); the archive puts a short code under the form's own
(archive_app/db/recap_rows.py). A column headed by a name alone is read and shown, never
joined to a region: codes are joined, names are not.

Numbers are keyed as on a C.Hasil (``row1``, ``valid`` ...) with ``@code`` for a child's
column; the total column has no suffix. Every column gets the C.Hasil's checks (candidates
sum to the valid votes, valid + invalid = both), and each row the recap's own: its columns
sum to its total (``columns_sum``), where the form prints its total.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

import tesserocr

from ingest.models import Check, Issue, PageContext, Reading, Tally, TallyRow
from ingest.ocr import TSV_HEADER, kept_engine
from ingest.tally_cells import printed_piece, read_groups
from ingest.tally_checks import evaluate, status
from ingest.tally_issues import describe
from ingest.tally_layout import close, is_footer, letters, total_role, vote_role, words_of
from ingest.tally_rows import Row, Token, parse_words, read_words, rows_of, slant

log = logging.getLogger(__name__)
_RECAP_TEXT = re.compile(r"REKAPITULASI|D\.?\s*HASIL\s*[-.]?\s*(KEC|KAB)", re.IGNORECASE)
_CODE = re.compile(r"^\d{2}(?:\.\d{2}){1,2}(?:\.\d{4})?$|^\d{4}$|^\d{2}$")
TOTAL_WORDS = {"JUMLAH", "TOTAL", "AKHIR"}
OUTSIDE_WORDS = {"PROVINSI", "KABUPATENKOTA", "REKAPITULASI", "TINGKAT", "TAHUN", "SERTIFIKAT"}
HEADER_WORDS = {
    "NO",
    "URAIAN",
    "NAMA",
    "KETERANGAN",
    "KELURAHAN",
    "DESA",
    "KECAMATAN",
    "WILAYAH",
    "KODE",
}
HEADER_ROWS = 4  # rows above the first row of counts that may hold the header
MIXED = 0.5  # the page OCR and the strip read the number differently
SPLIT = 0.9  # digits further apart than this many word heights are two numbers
NO_LIMIT = 10**9  # a recap's counts have no TPS's voter limit


def is_recap_page(text: str) -> bool:
    return bool(_RECAP_TEXT.search(text))


@dataclass(frozen=True)
class Column:
    code: str  # digits as printed; "" for the total
    x: float
    label: str = ""


def read_recap(context: PageContext) -> Tally | None:
    """Page reader for a recap page: every count under its column, checked."""
    words = read_words(context.tsv_path)
    slope = slant(words)
    rows = rows_of(words, slope)
    first = next((i for i, r in enumerate(rows) if _counts_row(r)), None)
    if first is None:
        return None
    columns = _columns(_header(rows, first, context))
    if not columns:  # counts, but no column they can be placed under: said, not guessed
        issue = Issue("columns_unread", {"page": context.number})
        return Tally((), None, None, None, {}, None, (describe(issue, "en"),), (), (), (issue,))
    return combine_recap([_numbers(rows[first:], columns, context)])


def _header(rows: list[Row], first: int, context: PageContext) -> list[Row]:
    """The table header, read again on its own: the band between the last line above the
    table (the regions block, "KECAMATAN : JATEN") and the first row of counts. The page
    OCR drops a header of two-line cells in small print now and then (all its words, seen
    on generated forms); a sparse-text pass over the band alone reads it. Its words are put
    back in page pixels."""
    above = [r for r in rows[:first] if any(t.kind != "junk" or _code(t) for t in r.tokens)]
    window = above[-HEADER_ROWS:]
    start = next((i for i in range(len(window) - 1, -1, -1) if _outside(window[i])), None)
    if start is None:
        return window
    top, bottom = window[start].bottom + 4, rows[first].top - 4
    if bottom - top < 20 or bottom - top > 12 * rows[first].height:
        return window
    width = context.gray.width
    band = context.gray.crop((0, top, width, bottom))
    words = _sparse_words(band, context.dpi)
    if not words:
        return window
    moved = [replace(w, top=w.top + top) for w in words]
    return (
        [r for r in window if r.bottom <= top]
        + rows_of(moved, 0.0)
        + [r for r in window if r.bottom > top]
    )


def _outside(row: Row) -> bool:
    """A line above the table: the regions block ("KECAMATAN : JATEN") or the title."""
    words = {letters(t.word.text) for t in row.tokens}
    if any(close(w, h) for w in words for h in ("URAIAN", "KETERANGAN")):
        return False
    return any(t.word.text.strip() == ":" for t in row.tokens) or bool(words & OUTSIDE_WORDS)


def _sparse_words(band, dpi: int) -> list:
    try:
        with kept_engine("ind+eng", tesserocr.PSM.SPARSE_TEXT) as engine:
            engine.SetImage(band)
            engine.SetSourceResolution(dpi)
            engine.Recognize()
            return parse_words(TSV_HEADER + engine.GetTSVText(0))
    except RuntimeError:  # no language data, or the engine failed on this band
        log.warning("the recap header could not be read again", exc_info=True)
        return []


def _counts_row(row: Row) -> bool:
    """A row of counts: a label, then two numbers or more (not the header, whose codes
    are numbers too)."""
    label = [t for t in row.tokens if t.kind == "text" and len(letters(t.word.text)) >= 3]
    if any(close(letters(t.word.text), w) for t in label for w in ("URAIAN", "KETERANGAN")):
        return False
    counts = [t for t in row.tokens if t.kind == "num" and label and t.x > label[-1].x]
    return len(label) >= 1 and len(counts) >= 2


def _columns(header: list[Row]) -> list[Column]:
    """The count columns from the header rows: child codes, the total's JUMLAH, and a
    column whose code could not be read (a name under no code) as "?": its counts are kept
    apart, never given to a neighbour or to a region."""
    found: list[Column] = []
    header = [row for row in header if not _outside(row)]
    edge = _label_edge(header)
    codes = sorted(
        ((t.word.conf, t) for row in header for t in row.tokens if _code(t) and t.x > edge),
        key=lambda pair: -pair[0],
    )
    for _, token in codes:  # the surest reading of each column's code (page OCR or band)
        if not any(abs(c.x - token.x) < 60 for c in found):
            found.append(Column(_code(token), token.x))
    for row in header:
        for token in row.tokens:
            if (
                letters(token.word.text) in ("JUMLAH", "TOTAL")
                and token.x > edge
                and not any(c.code == "" for c in found)
            ):
                found.append(Column("", token.x))
    if not found:
        return []
    spacing = _spacing(found)
    top = next(
        i
        for i, row in enumerate(header)
        if any(
            (_code(t) or letters(t.word.text) in ("JUMLAH", "TOTAL")) and t.x > edge
            for t in row.tokens
        )
    )
    leftmost = min(c.x for c in found) - 1.5 * spacing
    for row in header[top:]:
        for token in row.tokens:
            word = letters(token.word.text)
            if (
                token.kind == "text"
                and len(word) >= 3
                and token.x > max(edge, leftmost)
                and not any(close(word, w) for w in TOTAL_WORDS | HEADER_WORDS)
                and not any(abs(c.x - token.x) < spacing / 2 for c in found)
            ):
                found.append(Column("?", token.x))
    named = _names(header, _doubtful(found))
    return sorted(named, key=lambda c: c.x)


def _spacing(columns: list[Column]) -> float:
    xs = sorted(c.x for c in columns)
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    return sorted(gaps)[len(gaps) // 2] if gaps else 300.0


def _doubtful(columns: list[Column]) -> list[Column]:
    """Full codes of one form share their parent's digits: a code that does not (an OCR
    slip: "33.23.14" among "33.13.xx") is not trusted to name its region."""
    full = [c.code for c in columns if len(c.code) >= 6]
    if len(full) < 2:
        return columns
    parents = [code[: len(code) - (4 if len(code) == 10 else 2)] for code in full]
    common = max(set(parents), key=parents.count)
    return [
        replace(c, code="?") if len(c.code) >= 6 and not c.code.startswith(common) else c
        for c in columns
    ]


def _code(token: Token) -> str:
    """A column header's region code as digits ("2001", "3313052001"), or ""."""
    raw = token.word.text.strip("|[](){}:;,'\"")
    return raw.replace(".", "") if _CODE.match(raw) else ""


def _label_edge(header: list[Row]) -> float:
    """Right of the label column: past the URAIAN / NAMA header word."""
    for row in header:
        for token in row.tokens:
            if any(close(letters(token.word.text), w) for w in ("URAIAN", "KETERANGAN")):
                return token.word.right + 40
    return 0.0


def _names(header: list[Row], columns: list[Column]) -> list[Column]:
    """Each child column's name, the header word nearest below its code."""
    out = []
    for column in columns:
        if not column.code:
            out.append(column)
            continue
        near = [
            t.word.text
            for row in header
            for t in row.tokens
            if t.kind == "text"
            and abs(t.x - column.x) < 120
            and letters(t.word.text)
            and letters(t.word.text) not in TOTAL_WORDS
        ]
        out.append(replace(column, label=" ".join(dict.fromkeys(near))[:60]))
    return out


def _numbers(rows: list[Row], columns: list[Column], context: PageContext) -> list[TallyRow]:
    edges = [(a.x + b.x) / 2 for a, b in zip(columns, columns[1:], strict=False)]
    spans = list(zip([-1e9, *edges], [*edges, 1e9], strict=True))
    left_edge = columns[0].x - _spacing(columns) / 2
    found: list[tuple[str, str, str, Column, list[Token]]] = []  # kind, label, key, col, run
    count = 0
    for row, cells in _labelled(rows, left_edge):
        label = [t for t in row.tokens if t.kind in ("text", "word") and t.word.right < left_edge]
        text = " ".join(t.word.text for t in label)
        names = words_of([t for t in label if t.kind == "text"])
        total = total_role(names, text)
        kind = total or vote_role(names)
        if not total:
            count += 1
        key = total or f"row{count}"
        shown = " ".join(
            t.word.text for t in label if len(letters(t.word.text)) > 1 or t.kind == "word"
        )
        for column, (low, high) in zip(columns, spans, strict=True):
            run = [t for t in cells if low <= t.x < high]
            if run and column.code != "?" and _one_number(run, row.height):
                found.append((kind, shown, key, column, run))
    pieces = [printed_piece(context.gray, _span(run)) for *_, run in found]
    again = read_groups([], context.dpi, pieces)
    width, height = context.gray.size
    numbers = []
    for (kind, shown, key, column, run), (value, conf, _) in zip(found, again, strict=True):
        numbers.append(
            _number(kind, shown, key, column, run, value, conf, context.number, (width, height))
        )
    return numbers


def _labelled(rows: list[Row], left_edge: float) -> list[tuple[Row, list[Token]]]:
    """Each labelled row with its counts; counts the OCR put on a line of their own (a
    number set a little high in its cell) join the nearest labelled row."""
    out: list[tuple[Row, list[Token]]] = []
    loose: list[tuple[float, list[Token]]] = []
    for row in rows:
        if is_footer(row):
            break
        label = [t for t in row.tokens if t.kind in ("text", "word") and t.word.right < left_edge]
        cells = [c for t in row.tokens if t.x >= left_edge and (c := _as_count(t)) is not None]
        if label and cells or label and _counts_row(row):
            out.append((row, cells))
        elif cells and not label:
            loose.append((row.level_y, cells))
    for level, cells in loose:
        if not out:
            break
        at = min(range(len(out)), key=lambda i: abs(out[i][0].level_y - level))
        row, have = out[at]
        if abs(row.level_y - level) < 1.6 * row.height:
            out[at] = (row, sorted(have + cells, key=lambda t: t.x))
    return out


_LARGE = re.compile(r"^\d{6,7}$|^\d{1,3}(?:[.,]\d{3}){1,2}$")


def _as_count(token: Token) -> Token | None:
    """A count token; a recap's totals run past the five digits a TPS's counts have
    ("166121", "1.234.567"), which the row typing does not take for numbers."""
    if token.kind == "num":
        return token
    text = token.word.text.strip("|[](){}:;'\"")
    if _LARGE.match(text):
        return Token(token.word, "num", int(re.sub(r"[.,]", "", text)), True)
    return None


def _one_number(run: list[Token], height: float) -> bool:
    """The tokens in one cell are one number (its digits split by the OCR), not two."""
    pairs = zip(run, run[1:], strict=False)
    return all(b.word.left - a.word.right < SPLIT * height for a, b in pairs)


def _span(run: list[Token]) -> tuple[int, int, int, int]:
    return (
        min(t.word.left for t in run),
        min(t.word.top for t in run),
        max(t.word.right for t in run),
        max(t.word.bottom for t in run),
    )


def _number(kind, label, key, column, run, again, again_conf, page, size) -> TallyRow:
    text = "".join(str(t.value) for t in run)
    value = int(text)
    confidence = min(max(0.0, t.word.conf) for t in run) / 100
    if not all(t.clean for t in run) or len(run) > 1:
        confidence = min(confidence, MIXED)
    if again is None or again != value:
        confidence = min(confidence, MIXED)
    left, top, right, bottom = _span(run)
    width, height = size
    box = (
        round(left / width, 4),
        round(top / height, 4),
        round(right / width, 4),
        round(bottom / height, 4),
    )
    reading = Reading(value, confidence, " ".join(t.word.text for t in run), box, "print")
    suffix = f"@{column.code}" if column.code else ""
    role = column.label if column.code else ""
    number = TallyRow(label, None, 0.0, kind, "votes", key + suffix, role, "", "", page, reading)
    return status(number)


# --- a recap form's pages together, checked ----------------------------------------------------


def combine_recap(pages: list[Tally] | list[list[TallyRow]]) -> Tally:
    """One checked Tally for a recap form's pages (their Tallies, or their numbers): each
    column's own checks, and each row's columns against its total. A row a column does not
    show is unread there; a page whose columns could not be read leaves every row's sum of
    columns undecided (a column is missing, not wrong)."""
    numbers: dict[str, TallyRow] = {}
    duplicates: list[Issue] = []
    lost = [
        i for p in pages if isinstance(p, Tally) for i in p.issues if i.code == "columns_unread"
    ]
    for page in pages:
        for number in page.numbers if isinstance(page, Tally) else page:
            if number.key in numbers:
                duplicates.append(
                    Issue(
                        "duplicate",
                        {
                            "key": number.key,
                            "label": number.label,
                            "pages": f"{numbers[number.key].page}, {number.page}",
                        },
                        (number.key,),
                    )
                )
                continue
            numbers[number.key] = number
    by_column: dict[str, list[TallyRow]] = {}
    for number in numbers.values():
        base, _, column = number.key.partition("@")
        by_column.setdefault(column, []).append(replace(number, key=base))
    _fill(by_column)
    final: list[TallyRow] = []
    checks: list[Check] = []
    issues: list[Issue] = list(duplicates)
    for column, found in sorted(by_column.items()):
        checked = evaluate(found, NO_LIMIT)
        suffix = f"@{column}" if column else ""
        final += [replace(n, key=n.key + suffix) for n in checked.numbers]
        checks += [replace(c, numbers=tuple(k + suffix for k in c.numbers)) for c in checked.checks]
        issues += [
            replace(
                i,
                numbers=tuple(k + suffix for k in i.numbers),
                params={
                    **i.params,
                    **({"key": i.params["key"] + suffix} if "key" in i.params else {}),
                },
            )
            for i in checked.issues
            if i.code != "no_rows" or not column
        ]
    sums = _column_sums(final, undecided=bool(lost))
    checks += sums
    issues += lost
    failed = [c for c in sums if c.holds is False]
    issues += [Issue("columns_sum", {k: v for k, v in c.params.items()}, c.numbers) for c in failed]
    clean = all(c.holds is not False for c in checks)
    if clean:
        held = {k for c in sums if c.holds for k in c.numbers}
        final = [
            replace(n, status="confirmed")
            if n.key in held and n.status in ("read", "unsure")
            else n
            for n in final
        ]
    rows = tuple(
        n for n in final if "@" not in n.key and n.kind in ("candidate", "party", "party_total")
    )
    own = {n.key: n for n in final if "@" not in n.key}
    consistent = _consistent(checks)
    return Tally(
        rows=rows,
        valid=own["valid"].votes if "valid" in own else None,
        invalid=own["invalid"].votes if "invalid" in own else None,
        ballots_used=own["ballots_used"].votes if "ballots_used" in own else None,
        confidences={
            k: own[k].confidence if k in own else 0.0 for k in ("valid", "invalid", "ballots_used")
        },
        consistent=consistent,
        problems=tuple(describe(i, "en") for i in issues),
        numbers=tuple(final),
        checks=tuple(checks),
        issues=tuple(issues),
    )


def _fill(by_column: dict[str, list[TallyRow]]) -> None:
    """Every column gets every row the form has (from any column), unread where it shows
    none, so that a missing number leaves a sum undecided instead of failing it."""
    rows: dict[str, TallyRow] = {}
    for found in by_column.values():
        for number in found:
            rows.setdefault(number.key, number)
    for found in by_column.values():
        have = {n.key for n in found}
        for key, model in rows.items():
            if key not in have:
                page, role = found[0].page, found[0].role
                found.append(
                    TallyRow(
                        model.label, None, 0.0, model.kind, "votes", key, role, "", "unread", page
                    )
                )
        found.sort(key=lambda n: _row_order(n.key))


def _row_order(key: str) -> tuple[int, int]:
    if key.startswith("row") and key[3:].isdigit():
        return 0, int(key[3:])
    return 1, ("valid", "invalid", "ballots_used").index(key) if key in (
        "valid",
        "invalid",
        "ballots_used",
    ) else 9


def _column_sums(numbers: list[TallyRow], *, undecided: bool = False) -> list[Check]:
    """Each row: its children's columns sum to its total column (undecided when a page's
    columns could not be read)."""
    by_key = {n.key: n for n in numbers}
    out = []
    for base in sorted({n.key for n in numbers if "@" not in n.key}):
        parts = [n for n in numbers if n.key.startswith(base + "@")]
        total = by_key[base]
        if not parts:
            continue
        keys = tuple(n.key for n in parts) + (base,)
        if undecided or total.votes is None or any(n.votes is None for n in parts):
            out.append(Check("columns_sum", None, keys, {}))
            continue
        summed = sum(n.votes or 0 for n in parts)
        sure = all(n.status in ("confirmed", "read") for n in [*parts, total])
        params = {"key": base, "label": total.label, "sum": summed, "total": total.votes}
        out.append(Check("columns_sum", summed == total.votes, keys, params, sure))
    return out


def _consistent(checks: list[Check]) -> bool | None:
    if any(c.holds is False and c.sure for c in checks):
        return False
    if any(c.holds is False for c in checks):
        return None
    return True if any(c.holds for c in checks) else None
