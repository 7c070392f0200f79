"""What each row of a result form is: a table header, a section heading, or a row of counts
with its role (a candidate, a party, a total, a line of the voter data ...).

Nothing here assumes one form maker's layout. Roles come from the words of the row's label,
matched loosely (the OCR writes "5AH" and "TlDAK"), and from the section the row is in; the
columns come from the table header when one is read (NO / NAMA / ANGKA / TERBILANG / L / P /
JML, in any order, on one or two header lines), otherwise from what the cells hold. Headings
such as NO. URUT, NAMA, ANGKA, TERBILANG or JUMLAH are never rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import terbilang
from ingest.tally_rows import Row, Token

# Header words of each kind of column (letters only, upper case).
HEADER = {
    "words": {"TERBILANG", "HURUF", "DENGANHURUF"},
    "digits": {"ANGKA"},
    "no": {"NO", "NOMOR", "URUT", "NOURUT"},
    "name": {
        "NAMA",
        "URAIAN",
        "KETERANGAN",
        "PASANGAN",
        "CALON",
        "PARTAI",
        "POLITIK",
        "PESERTA",
        "RINCIAN",
    },
    "L": {"L", "LAKILAKI", "LAKI", "LK", "PRIA"},
    "P": {"P", "PEREMPUAN", "PR", "WANITA"},
    "JML": {"JML", "LP", "TOTAL"},
    "count": {"SUARA", "PEROLEHAN", "JUMLAH", "SAH", "HASIL"},
}
NUMERIC = ("no", "digits", "L", "P", "JML")
# Name-column words that only a header prints ("PASANGAN CALON" is also a section title).
NAME_TITLES = {"NAMA", "URAIAN", "KETERANGAN", "RINCIAN"}
# Words that end the tables: the signatures and the page footer.
FOOTER = {"CATATAN", "KETUA", "SAKSI", "HALAMAN", "TANDA", "TANGAN", "KPPS", "DEMIKIAN"}
# Words of the page's title block and its region lines ("TPS : 005", "... TAHUN 2024").
TITLE = {"SERTIFIKAT", "PEMUNGUTAN", "PEMILIHAN", "PENGHITUNGAN", "MODEL", "PROVINSI",
         "KABUPATEN", "KECAMATAN", "KELURAHAN", "KABUPATENKOTA", "KELURAHANDESA", "TPS",
         "TAHUN"}  # fmt: skip
_LOOK = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "|": "I", "$": "S"})
_LETTERS = re.compile(r"[^A-Z+]")
_EDGES = "[](){}|.,:;'\"`_~-=*#!"


@dataclass(frozen=True)
class Column:
    kind: str  # one of HEADER's keys
    left: float
    right: float

    @property
    def x(self) -> float:
        return (self.left + self.right) / 2


@dataclass
class Table:
    """The columns of the table the following rows belong to, as its header reads."""

    columns: list[Column] = field(default_factory=list)

    def numeric(self) -> list[Column]:
        kinds = {c.kind for c in self.columns}
        wanted = [k for k in NUMERIC if k in kinds]
        if "digits" not in kinds and not kinds & {"L", "P", "JML"} and "count" in kinds:
            wanted.append("count")
        return [c for c in self.columns if c.kind in wanted]

    def has(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.columns)

    def nearest(self, x: float, kinds) -> Column | None:
        found = [c for c in self.numeric() if c.kind in kinds]
        return min(found, key=lambda c: abs(c.x - x), default=None)


@dataclass
class Parts:
    """A row taken apart: label, row number, counts in digits, number words."""

    label: list[Token]
    number: Token | None  # the row's number (NO. URUT) or letter
    counts: list[Token]  # count tokens in digits, left to right
    words: list[Token]  # the TERBILANG run
    junk: list[Token]
    text: str = ""  # the label as printed, dashes and brackets between its words included


def letters(text: str) -> str:
    """A word's letters in capitals, digits the OCR put for letters read as letters ("5AH");
    a bar or bracket at its ends is a ruling line, not an "I"."""
    return _LETTERS.sub("", text.strip(_EDGES).upper().translate(_LOOK))


def words_of(tokens: list[Token]) -> list[str]:
    return [w for w in (letters(t.word.text) for t in tokens) if w]


def close(word: str, target: str) -> bool:
    """Same word allowing one OCR slip in words of five letters or more."""
    if word == target:
        return True
    if len(target) < 5 or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        return sum(a != b for a, b in zip(word, target, strict=True)) <= 1
    short, long = sorted((word, target), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def has(words: list[str], *targets: str) -> bool:
    return any(close(w, t) for w in words for t in targets)


def header_columns(row: Row) -> list[Column] | None:
    """The columns a header row names, or None when the row is not a table header."""
    if row.of("num", "word"):
        return None
    found = []
    for token in row.of("text"):
        word = letters(token.word.text)
        kind = next((k for k, names in HEADER.items() if word in names), None)
        if kind is None and len(word) >= 6:
            kind = next((k for k, ns in HEADER.items() for n in ns if close(word, n)), None)
        if kind:
            found.append(Column(kind, token.word.left, token.word.right))
    kinds = {c.kind for c in found}
    specific = kinds & {"words", "digits", "no", "L", "P", "JML"}
    titled = any(letters(t.word.text) in NAME_TITLES for t in row.of("text"))
    if not found or not (specific or (titled and "count" in kinds)):
        return None
    if len(found) < 2 and not kinds & {"words", "digits"}:
        return None
    named = sum(len(letters(t.word.text)) for t in row.of("text"))
    if named > 3 * sum(len(letters(t.word.text)) for t in row.of("text") if _in(t, found)) + 8:
        return None  # a sentence that happens to hold a header word
    return _merge(found)


def _in(token: Token, columns: list[Column]) -> bool:
    return any(c.left == token.word.left for c in columns)


def _merge(found: list[Column]) -> list[Column]:
    """Neighbouring header words of one kind ("NAMA PASANGAN CALON") as one column; the
    generic count words ("PEROLEHAN SUARA") join a neighbour that names a count."""
    found.sort(key=lambda c: c.left)
    merged: list[Column] = []
    for column in found:
        if merged and merged[-1].kind == column.kind and column.left - merged[-1].right < 120:
            merged[-1] = Column(column.kind, merged[-1].left, column.right)
        else:
            merged.append(column)
    return merged


def parts(row: Row, table: Table, ordinal: bool | None) -> Parts:
    """The row's tokens by job. ``ordinal`` says whether the leftmost number of the section's
    rows is a row number (None: undecided, the header or the row itself decides)."""
    tokens = [t for t in row.tokens if t.kind != "junk"]
    junk = [t for t in row.tokens if t.kind == "junk"]
    runs: list[list[Token]] = []
    for token in tokens:
        kind = "text" if token.kind == "text" else token.kind
        if runs and runs[-1][0].kind == kind and kind != "num":
            runs[-1].append(token)
        else:
            runs.append([token])
    runs = _words_in_names(runs, row.height)
    texts = [r for r in runs if r[0].kind == "text"]
    label = max(texts, key=lambda r: sum(len(letters(t.word.text)) for t in r), default=[])
    letter = None
    if len(label) > 1 and _row_letter(label[0], label[1], row, table):
        letter, label = label[0], label[1:]
    word_runs = [r for r in runs if r[0].kind == "word"]
    words = _words_run(word_runs, table)
    nums = [r[0] for r in runs if r[0].kind == "num"]
    number = _row_number(nums, label, table, ordinal)
    if number is None and letter is not None:
        number = letter
    if number is None and texts and label and texts[0] is not label:
        first = texts[0]
        lone = first[0].word.text.strip(".)")
        if len(first) == 1 and len(letters(lone)) <= 2 and lone.isalpha():  # "A", "Cc"
            number = first[0]
    counts = [t for t in nums if t is not number]
    text = ""
    if label:
        span = (label[0].word.left, label[-1].word.right)
        text = " ".join(
            t.word.text for t in row.tokens if span[0] <= t.word.left and t.word.right <= span[1]
        )
    return Parts(label, number, counts, words, junk, text)


def _row_letter(first: Token, second: Token, row: Row, table: Table) -> bool:
    """Whether a label's first word is the row's letter ("A", "B", "C" of the totals)."""
    text = first.word.text.strip(".)")
    if len(letters(text)) > 2 or not text.isalpha():
        return False
    return second.word.left - first.word.right > 1.5 * row.height


def _words_in_names(runs: list[list[Token]], height: float) -> list[list[Token]]:
    """A number word between two parts of a name ("SITI LINA RAHAYU"), or a digit close
    between two words of a label (the "+" of "SAH + TIDAK SAH" read as "4"), is part of
    the label, and text runs side by side are one label. The word "suara" after an amount
    in words ("lima belas suara") belongs to the amount."""
    out: list[list[Token]] = []
    for i, run in enumerate(runs):
        inside = 0 < i < len(runs) - 1 and runs[i - 1][0].kind == runs[i + 1][0].kind == "text"
        close_by = inside and (
            run[0].word.left - runs[i - 1][-1].word.right < 1.2 * height
            and runs[i + 1][0].word.left - run[-1].word.right < 1.2 * height
        )
        if (run[0].kind == "word" and inside and len(run) <= 2) or (
            run[0].kind == "num" and close_by
        ):
            run = [Token(t.word, "text") for t in run]
        if out and out[-1][0].kind == "word" and _filler(run):
            out[-1] = out[-1] + [Token(t.word, "word") for t in run]
        elif out and out[-1][0].kind == "text" and run[0].kind == "text":
            out[-1] = out[-1] + run
        else:
            out.append(run)
    return out


def _filler(run: list[Token]) -> bool:
    return run[0].kind == "text" and all(
        t.word.text.strip(_EDGES).lower() in terbilang.FILLERS for t in run
    )


def _words_run(runs: list[list[Token]], table: Table) -> list[Token]:
    if not runs:
        return []
    column = next((c for c in table.columns if c.kind == "words"), None)
    if column is not None:
        return min(runs, key=lambda r: abs((r[0].word.left + r[-1].word.right) / 2 - column.x))
    return max(runs, key=len)


def _row_number(nums: list[Token], label: list[Token], table: Table, ordinal) -> Token | None:
    if not nums:
        return None
    first = nums[0]
    if table.has("no"):
        column = table.nearest(first.x, NUMERIC + ("count",))
        return first if column is not None and column.kind == "no" else None
    label_left = label[0].word.left if label else float("inf")
    if first.word.right > label_left or first.value is None or first.value > 99:
        return None
    if ordinal is None:
        return first if len(nums) > 1 else None
    return first if ordinal else None


def ordinal(values: list[int | None]) -> bool | None:
    """Whether the leftmost numbers of consecutive rows count 1, 2, 3 (restarting at 1, as
    candidates do under each party): they are row numbers, not counts."""
    read = [v for v in values if v is not None]
    if len(read) < 2:
        return None
    steps = sum(b == a + 1 or b == 1 for a, b in zip(read, read[1:], strict=False))
    return read[0] <= 2 and steps >= 0.7 * (len(read) - 1)


# --- roles ---------------------------------------------------------------------------------------


def is_footer(row: Row) -> bool:
    words = words_of(list(row.of("text")))
    return bool(words) and any(w in FOOTER for w in words[:3])


def is_title(row: Row) -> bool:
    """A line of the page's title block or its region lines, even misspelt by the OCR."""
    return any(has([letters(t.word.text)], *TITLE) for t in row.of("text"))


def section_of(words: list[str]) -> str | None:
    """The section a heading opens, from its words; None if it names none."""
    if has(words, "DISABILITAS"):
        return "disabled"
    if has(words, "PENGGUNA") and not has(words, "DATA"):
        return "users"
    if has(words, "PEMILIH") and has(words, "DATA") or has(words, "PEMILIH", "DPT"):
        return "voters"
    if has(words, "SURAT") and has(words, "SUARA"):
        return "sheets"
    if has(words, "PEROLEHAN", "PASANGAN", "CALON", "PARTAI"):
        return "votes"
    if has(words, "JUMLAH") and has(words, "SUARA"):
        return "totals"
    return None


def total_role(words: list[str], raw: str) -> str | None:
    """valid / invalid / ballots_used from a totals label, or None."""
    if not has(words, "SAH", "5AH") or has(words, "PARTAI"):
        return None
    invalid = has(words, "TIDAK") and any(close(w, "SAH") for w in words)
    if invalid:
        both = has(words, "DAN") or "+" in raw or words.count("SAH") >= 2
        return "ballots_used" if both else "invalid"
    if has(words, "JUMLAH", "SELURUH", "TOTAL") or words[-2:] == ["SUARA", "SAH"]:
        return "valid"
    return None


def voter_role(words: list[str], section: str) -> tuple[str, str] | None:
    """(kind, key) of a row of section I: kind "voters" or "users", key "dpt", "dptb",
    "dpk" or "total"; ("disabled", "voters"/"users") for the disability lines."""
    users = has(words, "PENGGUNA", "MENGGUNAKAN") or section == "users"
    if has(words, "DISABILITAS") or section == "disabled":
        return "disabled", "users" if users else "voters"
    if not (has(words, "PEMILIH", "PENGGUNA", "DPT", "DPTB", "DPK", "JUMLAH") or section):
        return None
    kind = "users" if users else "voters"
    listed = _list_name(words)
    if listed:
        return kind, listed
    if has(words, "DPTB", "DPTH", "TAMBAHAN"):
        return kind, "dptb"
    if has(words, "DPK", "KHUSUS"):
        return kind, "dpk"
    if has(words, "DPT", "TETAP"):
        return kind, "dpt"
    if has(words, "TOTAL", "SELURUH") or "+" in "".join(words):
        return kind, "total"
    if has(words, "JUMLAH") and not has(words, "DALAM"):  # "Jumlah pemilih dalam ...": a list
        return kind, "total"
    return None


LISTS = {"DPT": "dpt", "DPTB": "dptb", "DPK": "dpk", "TETAP": "dpt", "TAMBAHAN": "dptb",
         "KHUSUS": "dpk", "PEMILIHTETAP": "dpt", "PEMILIHTAMBAHAN": "dptb",
         "PEMILIHKHUSUS": "dpk"}  # fmt: skip


def _list_name(words: list[str]) -> str | None:
    """The list a line of section I counts, from what follows "dalam" ("Jumlah pemilih dalam
    DPTb"), even run together or slipped: "PILIHDALAMDPT", "OPTB", "PK" (one letter wrong
    or lost in a list's short name; none can be taken for another that way but DPT/DPTb,
    told apart by length)."""
    joined = "".join(words)
    at = joined.rfind("DALAM")
    if at < 0:
        return None
    tail = joined[at + 5 :].removeprefix("DAFTAR")
    if not tail:
        return None
    best = [(distance(tail, name), role) for name, role in LISTS.items()]
    best = [(d, role) for d, role in best if d <= (1 if len(tail) <= 5 else 2)]
    if not best:
        return None
    least = min(d for d, _ in best)
    roles = {role for d, role in best if d == least}
    return roles.pop() if len(roles) == 1 else None


def distance(a: str, b: str) -> int:
    """Levenshtein distance (short words only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def sheet_role(words: list[str]) -> str | None:
    if not has(words, "SURAT"):
        return None
    if has(words, "DITERIMA"):
        return "received"
    if has(words, "DIKEMBALIKAN", "RUSAK", "KELIRU"):
        return "returned"
    if has(words, "TIDAK", "SISA", "TERPAKAI") and has(words, "DIGUNAKAN", "TERPAKAI", "SISA"):
        return "unused"
    if has(words, "DIGUNAKAN"):
        return "used"
    return None


def vote_role(words: list[str]) -> str:
    """candidate, party or party_total for a row of the candidate table."""
    if has(words, "PARTAI") and has(words, "JUMLAH", "TOTAL"):
        return "party_total"
    if has(words, "PARTAI"):
        return "party"
    return "candidate"
