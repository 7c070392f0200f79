"""The printed header of a form (election, form type, region, TPS) read from the OCR.

Confidence = pattern score x OCR factor. The pattern score starts at 0.97 and loses a little
for each repair (label read fuzzily, no colon, junk stripped, letters read as digits, the
``1055`` colon fix) and a lot for doubt (a TPS read with fewer than three digits, a value that
does not look like a name, a year in which the vocabulary knows no such election, the MODEL
marker and the title line naming different elections). The OCR factor is the lowest
Tesseract word confidence of the value's words / 100, or 0.9 without a word table. A page
shows a header only if it has the MODEL marker or two of the region labels; otherwise
nothing is read from it (no field rather than a wrong one).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path

from ingest.models import FieldReading
from ingest.terms import CONFLICT_CONFIDENCE, letters_key, term_keys
from vocabulary.places import FIRST_YEAR, normalize_place, parse_tps

_SLASH = r"\s*[/|\\lI1]?\s*"
LABELS = {  # the region labels as printed, with the OCR slips seen on them
    "province": r"PR[O0]V[I1l]NS[I1l]",
    "regency": rf"KAB(?:UPATEN)?{_SLASH}K[O0]TA|KABUPATEN",
    "district": r"KECAMATAN",
    "village": rf"KELURAHAN{_SLASH}DESA|KELURAHAN|DESA",
    "tps": r"TP[S5$]",
}
_LABEL_LINES = {
    name: re.compile(rf"^[^0-9A-Za-z]{{0,4}}({p})(?![A-Za-z])([^0-9A-Za-z]*)(.*)$", re.I)
    for name, p in LABELS.items()
}
_FUZZY_LINE = re.compile(r"^[^0-9A-Za-z]{0,4}([A-Za-z/|]{6,})([^0-9A-Za-z]*)(.*)$")
_FUZZY = {"province": "PROVINSI", "district": "KECAMATAN", "village": "KELURAHANDESA"}
_FUZZY |= {"regency": "KABUPATENKOTA"}
_MARKER = re.compile(r"\bM[O0]DEL\s*[:.]?\s*(\S.*)$", re.I)
_YEAR = re.compile(r"TAHUN\s*[:.]?\s*(\d{4})\b", re.I)
_TITLES = (  # election title lines, letters only, most specific first
    (r"PRESIDENDANWAKILPRESIDEN", "PPWP"),
    (r"(?:DPRD|DEWANPERWAKILANRAKYATDAERAH)PROVINSI", "DPRD_PROV"),
    (r"(?:DPRD|DEWANPERWAKILANRAKYATDAERAH)KABUPATENKOTA", "DPRD_KABKOTA"),
    (r"DEWANPERWAKILANDAERAH", "DPD"),
    (r"DEWANPERWAKILANRAKYAT(?!DAERAH)|ANGGOTADPR(?!D)", "DPR"),
    (r"GUBERNURDANWAKILGUBERNUR", "PILGUB"),
    (r"BUPATIDANWAKILBUPATI", "PILBUP"),
    (r"WALIKOTADANWAKILWALIKOTA", "PILWALKOT"),
)
_DIGITISH = str.maketrans("OoQDIl|iSB", "0000111158")  # letters OCR gives for digits
CLEAN, SINGLE_SOURCE, NO_WORD_TABLE = 0.97, 0.95, 0.9


@dataclass(frozen=True)
class Line:
    """One OCR'd line and, from the TSV, where each word sits in it and its confidence."""

    text: str
    words: tuple[tuple[int, int, float], ...] = ()  # (start, end, confidence 0-100)

    def factor(self, start: int = 0, end: int | None = None, worst: bool = True) -> float:
        """OCR factor of a span: its lowest (or mean) word confidence / 100."""
        end = len(self.text) if end is None else end
        inside = [c for s, e, c in self.words if s < end and e > start]
        if not inside:
            return NO_WORD_TABLE
        return (min(inside) if worst else sum(inside) / len(inside)) / 100


def tsv_lines(path: Path) -> list[Line]:
    """The page's lines rebuilt from Tesseract's word table, in reading order."""
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    grouped: dict[tuple, list[tuple[str, float]]] = {}
    for row in csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        if len(row) >= 12 and row[0] == "5" and row[11].strip():
            grouped.setdefault(tuple(row[1:5]), []).append((row[11], max(0.0, float(row[10]))))
    lines = []
    for words in grouped.values():
        spans, at = [], 0
        for word, conf in words:
            spans.append((at, at + len(word), conf))
            at += len(word) + 1
        lines.append(Line(" ".join(w for w, _ in words), tuple(spans)))
    return lines


def parse_header(text: str, vocabulary, tsv_path: Path | None = None) -> dict[str, FieldReading]:
    """Election, form type, year, places and TPS from a page's printed header.

    ``tsv_path`` (Tesseract's word table of the same OCR run) adds word confidences; it only
    exists inside the pipeline, so use ``header_reader`` there. Without it ``text`` is used.
    """
    lines = tsv_lines(Path(tsv_path)) if tsv_path and Path(tsv_path).exists() else []
    lines = lines or [Line(t) for t in text.splitlines() if t.strip()]
    labelled = _labelled(lines)
    first = min((index for index, *_ in labelled.values()), default=min(len(lines), 15))
    zone = lines[:first]
    marker = _marker(zone, vocabulary)
    if marker is None and len(labelled) < 2:
        return {}
    fields = {}
    for name, (_, line, match, penalty) in labelled.items():
        reading = _tps(line, match, penalty) if name == "tps" else _place(line, match, penalty)
        if reading:
            fields[name] = reading
    return fields | _election_fields(zone, marker, vocabulary)


def _labelled(lines: list[Line]) -> dict[str, tuple[int, Line, re.Match[str], float]]:
    """First line of each region label: (index, line, match(label, sep, value), penalty)."""
    found: dict[str, tuple[int, Line, re.Match[str], float]] = {}
    for index, line in enumerate(lines):
        for name, pattern in _LABEL_LINES.items():
            match = pattern.match(line.text)
            if match and name not in found:
                found[name] = (index, line, match, 0.0)
                break
        else:
            match = _FUZZY_LINE.match(line.text)
            key = letters_key(match.group(1)) if match else ""
            for name, label in _FUZZY.items():
                close = SequenceMatcher(None, key, label).ratio() > 0.85 if key else False
                if match and close and name not in found:
                    found[name] = (index, line, match, 0.08)
    return found


def _has_colon(separator: str) -> bool:
    return ":" in separator or ";" in separator


_JUNK = r"(?:[A-Za-z]?[^A-Za-z\s]+[A-Za-z]?|[A-Za-z]|[a-z]{2})"  # "0.", "D1", "“1", "h", "ot"


def _split_value(match: re.Match) -> tuple[str, int, bool, float]:
    """(value, its start in the line, colon seen, penalty) after a label.

    The colon stands apart from label and value, so it is read as a word of its own, or as
    junk: ``PROVINSI h | : Jawa``, ``KECAMATAN 1 Jaten``, ``TPS D1 041``. Short junk tokens
    up to a colon, or one junk token where no colon is seen, are skipped (``: 1 Ulu`` stays a
    name). A lost colon is tolerated but is a sign of a rough read; junk other than the usual
    "1" more so.
    """
    separator, value, start = match.group(2), match.group(3), match.start(3)
    if _has_colon(separator):
        return value, start, True, 0.0 if separator.strip() in (":", ";") else 0.03
    junk = re.match(r"(?:\S{1,3}\s+){0,3}\S{0,3}[:;]\s*(?=\S)", value)
    if junk:
        return value[junk.end() :], start + junk.end(), True, 0.05
    junk = re.match(rf"({_JUNK})\s+(?=\S)", value)
    if junk:
        usual = junk.group(1) in ("1", "l", "I", "|", "!", "“1")
        return value[junk.end() :], start + junk.end(), True, 0.05 if usual else 0.1
    return value, start, False, 0.05


def _place(line: Line, match: re.Match, penalty: float) -> FieldReading | None:
    value, start, _, repaired = _split_value(match)
    score = CLEAN - penalty - repaired
    cleaned = re.sub(r"(?:[^\w)]|_)+$", "", value)
    stripped = value.rstrip()[len(cleaned) :]
    if stripped:  # trailing junk; "|", "!" may have been a letter (Ulu I)
        score -= 0.25 if re.search(r"[|!1lI]", stripped) else 0.03
    name = normalize_place(cleaned)
    shaped = re.fullmatch(r"(?=.*[A-Za-z]{3})[A-Za-z0-9][A-Za-z0-9 .'()/\-]*", name)
    if not shaped or re.search(r"\d[A-Za-z]|[A-Za-z]\d", name):
        score -= 0.3  # not shaped like an Indonesian place name ("1Ulu"): OCR noise in it
    if not name or len(name) > 100:
        return None
    return FieldReading(name, score * line.factor(start, start + len(cleaned)), "header")


def _tps(line: Line, match: re.Match, penalty: float) -> FieldReading | None:
    """The TPS is printed with three digits (``005``), which is what repairs misreads.

    ``: 005`` read as ``1005`` (four digits, no colon seen) is the colon read as "1". One or
    two digits mean a printed digit was lost: ``55`` may be ``055`` or ``155``, so unsure. A
    three-digit ``1xx`` without a colon may be the colon plus a lost digit: a little unsure.
    The number is the last one on the line (nothing is printed after it) and its last three
    digits: what comes before is junk from the colon (``TPS 01160``), but a long number
    before it makes the reading unsure (``TPS 201 414``). Dust inside it (``2.49``) is dropped.
    """
    value, start, colon, repaired = _split_value(match)
    tokens = list(re.finditer(r"(?<!\S)(?=\S*\d)[0-9OoQDIl|iSB.,']+(?=\W*(?:\s|$))", value))
    if not tokens:
        return None
    token = tokens[-1]
    printed = token.group().strip(".,'")
    digits = re.sub(r"[.,']", "", printed).translate(_DIGITISH)
    score = CLEAN - penalty - repaired - (0.1 if digits != printed else 0.0)
    before = match.group(3)[: start - match.start(3) + token.start()]
    if sum(c.isdigit() for c in before) >= 2:
        score -= 0.3  # another number before it: which one is the TPS?
    if len(digits) == 4 and digits[0] == "1" and not colon:
        digits = digits[1:]  # the colon, read as "1"
    elif len(digits) != 3:
        digits, score = digits[-3:], score - 0.4
    elif digits[0] == "1" and not colon:
        score -= 0.1
    number = parse_tps(digits)
    if number is None:
        return None
    span = (start + token.start(), start + token.end())
    return FieldReading(number, score * line.factor(*span), "header")


def _marker(zone: list[Line], vocabulary) -> tuple | None:
    """(form term, election code or None, confidence) from "MODEL C.HASIL-PPWP"."""
    for line in zone:
        match = _MARKER.search(line.text)
        parsed = _split_marker(match.group(1), vocabulary) if match else None
        if match and parsed:
            form, election, score = parsed
            return form, election, score * line.factor(match.start(1), match.end(1))
    return None


def _split_marker(rest: str, vocabulary) -> tuple | None:
    """Split "C.HASIL.SALINAN-DPD" into form and election: the longest form that leaves a
    known election wins; "C.HASIL-KWK" leaves the election to the title line."""
    key, best = letters_key(rest), None
    for form_key, term in term_keys(vocabulary, "form_type"):
        if form_key and key.startswith(form_key):
            election, exact = _election_prefix(key[len(form_key) :], vocabulary)
            rank = (election is not None, exact, len(form_key))
            if best is None or rank > best[0]:
                best = (rank, term, election, CLEAN - (0 if exact else 0.05))
    return best[1:] if best else None


def _election_prefix(key: str, vocabulary) -> tuple[str | None, bool]:
    """(election code, exact) for what follows the form in the marker; junk after is allowed."""
    for known, term in term_keys(vocabulary, "election") if key else ():
        if key.startswith(known):
            return term.code, key == known
    return None, not key


def _election_fields(zone: list[Line], marker: tuple | None, vocabulary) -> dict:
    fields, title, year = {}, None, None
    for line in zone:
        key = letters_key(line.text)
        code = next((c for p, c in _TITLES if re.search(p, key)), None)
        if code and vocabulary.election(code) and title is None:
            title = (code, CLEAN * line.factor(worst=False))
        found = _YEAR.search(line.text)
        if found and (code or _MARKER.search(line.text)) and year is None:
            year = (int(found.group(1)), line.factor(found.start(1), found.end(1)))
    if marker:
        fields["form_type"] = FieldReading(marker[0].code, marker[2], "header")
    election = _election(marker[1:] if marker and marker[1] else None, title)
    if election:
        fields["election"] = election
    if year and FIRST_YEAR <= year[0] <= date.today().year + 1:
        known = election and vocabulary.election_day(election.value, year[0])
        score = CLEAN - (0 if known or not election else 0.35)
        fields["year"] = FieldReading(year[0], score * year[1], "header")
    return fields


def _election(marker: tuple | None, title: tuple | None) -> FieldReading | None:
    """Marker and title agreeing confirm each other; disagreeing, the marker's is unsure."""
    if marker and title:
        if marker[0] != title[0]:
            return FieldReading(marker[0], CONFLICT_CONFIDENCE, "header")
        return FieldReading(marker[0], 1 - (1 - marker[1]) * (1 - title[1]), "header")
    one = marker or title
    return FieldReading(one[0], SINGLE_SOURCE * one[1], "header") if one else None
