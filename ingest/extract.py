"""Metadata a form carries about itself: QR codes / barcodes and the printed header.

Machine readings only assist: every field has a confidence (0-1); below ``REVIEW_THRESHOLD`` a
field is "unsure" and a human confirms it. What to fill in and what to queue for review is the
archive's decision (archive_app/readings.py); this module only reads.

Code payloads (``parse_codes``). Real KPU payloads are not public, so these are understood:
  1. a JSON object with the archive's field names (election, form_type, year, province,
     regency, district, village, tps, region_code) or the key aliases below;
  2. ``key=value`` pairs separated by ``;``, ``&`` or newlines, or the query of a URL
     (``https://x/?kode=33.13.05.2001&tps=005``). Keys, any case: election/pemilihan,
     form/form_type/model, province/provinsi, regency/kabupaten/kota, district/kecamatan,
     village/kelurahan/desa, tps, kode/region_code, year/tahun;
  3. a bare Kemendagri code, optionally with the TPS: ``33.13.05.2001-TPS005``. A TPS is taken
     only after a full village code; a code alone fills ``region_code`` only.
  Values are normalised as the archive does (vocabulary codes, ``normalize_place``,
  ``parse_tps``; ``3313052001`` becomes ``33.13.05.2001``); a value the archive would refuse is
  dropped, never guessed. A cleanly decoded code gives ``CODE_CONFIDENCE``; codes on one
  document that disagree give the first one's value at ``CONFLICT_CONFIDENCE``.

Printed header (``parse_header``): confidence = pattern score x OCR factor. The pattern score
starts at 0.97 and loses a little for each repair (label read fuzzily, no colon, junk stripped,
letters read as digits, the ``1055`` colon fix) and a lot for doubt (a TPS read with fewer than
three digits, a value that does not look like a name, a year in which the vocabulary knows no
such election, the MODEL marker and the title line naming different elections). The OCR factor
is the lowest Tesseract word confidence of the value's words / 100, or 0.9 without a word table.
A page shows a header only if it has the MODEL marker or two of the region labels; otherwise
nothing is read from it (no field rather than a wrong one).

``merge``: a code wins. Agreeing sources give 1 - (1-a)(1-b) and source "qr+header"; when they
disagree the code's value is kept at ``CONFLICT_CONFIDENCE`` (below the threshold, so a human
decides) and ``conflicts`` lists both values for the reviewer.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import zxingcpp

from archive_app.domain.metadata import FIRST_YEAR, normalize_place, parse_tps
from ingest.images import open_image, reduced
from ingest.models import FieldReading, PageContext

REVIEW_THRESHOLD = 0.8  # below this a field is "unsure": a human confirms it
CODE_CONFIDENCE = 0.99
CONFLICT_CONFIDENCE = 0.5

# --- codes on the page ---------------------------------------------------------------------

_F = zxingcpp.BarcodeFormat
MATRIX = zxingcpp.BarcodeFormats(
    (_F.QRCode, _F.MicroQRCode, _F.RMQRCode, _F.DataMatrix, _F.Aztec, _F.PDF417)
)
LINEAR = zxingcpp.BarcodeFormats(
    (_F.Code128, _F.Code39, _F.Code93, _F.ITF, _F.EAN13, _F.EAN8, _F.UPCA, _F.UPCE, _F.Codabar)
)
FULL_PIXELS = 10_000_000  # ~A4 at 300 dpi: pages larger than this are reduced first
MATRIX_PIXELS = 2_500_000  # ~A4 at 150 dpi: enough for 2-D codes with modules >= 0.25 mm


def read_codes(context: PageContext) -> list[dict]:
    """Every QR code / barcode on the page: ``{"format", "text", "box", "orientation"}``.

    ``box`` is (left, top, right, bottom) in ``context.image_path`` pixels. Cost on an A4
    300-dpi page without codes is ~0.05 s (zxing on the full page with every format and
    rotation: ~0.1 s): 2-D codes are searched at ~150 dpi and again at full size only where
    zxing saw a symbol it could not decode; 1-D barcodes need the full width of their
    narrow bars, so they are always searched at ~300 dpi, where they are cheap.
    """
    with open_image(context.image_path) as image:
        full_factor = _factor(image.width * image.height, FULL_PIXELS)
        page = reduced(image, full_factor)
    small_factor = _factor(page.width * page.height, MATRIX_PIXELS)
    small = page.reduce(small_factor) if small_factor > 1 else page
    found = _decode(small, MATRIX, full_factor * small_factor, errors=True)
    if any(not code["valid"] for code in found):
        found = _decode(page, MATRIX, full_factor)
    found += _decode(page, LINEAR, full_factor)
    return _unique([code for code in found if code.pop("valid")])


def _factor(pixels: int, target: int) -> int:
    return max(1, round((pixels / target) ** 0.5))


def _decode(image, formats, factor: int, errors: bool = False) -> list[dict]:
    """Inverted codes are not tried (printed forms) nor downscaling (we chose the scale)."""
    codes = zxingcpp.read_barcodes(
        image, formats=formats, try_invert=False, try_downscale=False, return_errors=errors
    )
    return [_as_dict(code, factor) for code in codes]


def _as_dict(code, factor: int) -> dict:
    corners = [code.position.top_left, code.position.top_right]
    corners += [code.position.bottom_left, code.position.bottom_right]
    xs, ys = [p.x * factor for p in corners], [p.y * factor for p in corners]
    return {
        "format": code.format.name, "text": code.text, "box": [min(xs), min(ys), max(xs), max(ys)],
        "orientation": code.orientation, "valid": code.valid,
    }  # fmt: skip


def _unique(codes: list[dict]) -> list[dict]:
    seen, kept = set(), []
    for code in codes:
        if (code["format"], code["text"]) not in seen:
            seen.add((code["format"], code["text"]))
            kept.append(code)
    return kept


# --- code payloads -------------------------------------------------------------------------

_KEYS = {
    "election": "election", "pemilihan": "election", "form": "form_type",
    "form_type": "form_type", "model": "form_type", "province": "province",
    "provinsi": "province", "regency": "regency", "kabupaten": "regency", "kota": "regency",
    "kabupaten/kota": "regency", "district": "district", "kecamatan": "district",
    "village": "village", "kelurahan": "village", "desa": "village", "kelurahan/desa": "village",
    "tps": "tps", "kode": "region_code", "region_code": "region_code", "year": "year",
    "tahun": "year",
}  # fmt: skip
_REGION = r"\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?"
_BARE = re.compile(rf"^({_REGION})(?:\s*[-_/ ]\s*TPS\s*[:.\-]?\s*(\d{{1,3}}))?$", re.IGNORECASE)
_UNDOTTED = re.compile(r"^(\d{2})(\d{2})?(\d{2})?(\d{4})?$")


def parse_codes(codes: list[dict], vocabulary=None) -> dict[str, FieldReading]:
    """Fields from the payloads of ``read_codes`` (formats in the module docstring).

    ``vocabulary`` defaults to the shipped config/vocabulary.toml; pass the configured one.
    """
    if vocabulary is None:
        from config.vocabulary import load_vocabulary

        vocabulary = load_vocabulary()
    fields: dict[str, FieldReading] = {}
    for code in codes:
        for name, raw in payload_fields(str(code.get("text", ""))).items():
            value = _normal(name, raw, vocabulary)
            if value is None:
                continue
            known = fields.get(name)
            if known is None:
                fields[name] = FieldReading(value, CODE_CONFIDENCE, "qr")
            elif not same(known.value, value):
                fields[name] = FieldReading(known.value, CONFLICT_CONFIDENCE, "qr")
    return fields


def payload_fields(text: str) -> dict[str, str]:
    """Raw field values from one payload, not yet normalised; {} if it is none of ours."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        pairs = data.items() if isinstance(data, dict) else []
    elif re.match(r"https?://", text, re.IGNORECASE):
        pairs = parse_qsl(urlsplit(text).query)
    elif "&" in text and not re.search(r"[;\n]", text):
        pairs = parse_qsl(text)  # a query string: "+" and %-escapes decoded
    elif "=" in text:
        split = [p.partition("=") for p in re.split(r"[;&\n]", text)]
        pairs = [(k, v) for k, eq, v in split if eq]
    else:
        bare = _BARE.match(text)
        if not bare:
            return {}
        found = {"region_code": bare.group(1)}
        if bare.group(2) and bare.group(1).count(".") == 3:
            found["tps"] = bare.group(2)
        return found
    keyed = ((_KEYS.get(str(k).strip().lower()), v) for k, v in pairs)
    return {name: str(v).strip() for name, v in keyed if name and str(v).strip()}


def _normal(name: str, raw: str, vocabulary) -> str | int | None:
    if name in ("election", "form_type"):
        term = find_term(vocabulary, name, raw)
        return term.code if term else None
    if name == "tps":
        return parse_tps(raw)
    if name == "year":
        year = int(raw) if raw.isdigit() else 0
        return year if FIRST_YEAR <= year <= date.today().year + 1 else None
    if name == "region_code":
        undotted = _UNDOTTED.match(raw)
        code = ".".join(p for p in undotted.groups() if p) if undotted else raw
        return code if re.fullmatch(_REGION, code) else None
    place = normalize_place(raw)
    return place if 0 < len(place) <= 100 and re.search(r"[^\W\d_]", place) else None


# --- vocabulary ----------------------------------------------------------------------------

# Election names as printed after "MODEL C.HASIL-" (letters only) that the vocabulary spells
# differently. Candidates for aliases in config/vocabulary.toml.
ELECTION_SPELLINGS = {
    "DPRDPROVINSI": "DPRD_PROV", "DPRDKABUPATENKOTA": "DPRD_KABKOTA", "DPRDKAB": "DPRD_KABKOTA",
}  # fmt: skip


def letters_key(value: str) -> str:
    """Compare printed codes ignoring everything but letters and digits (C.HASIL == C HASIL)."""
    return re.sub(r"[^0-9A-Z]", "", str(value).upper())


def find_term(vocabulary, kind: str, value: str):
    """The vocabulary term (``kind`` "election" or "form_type") a printed or encoded name means."""
    key = letters_key(value)
    return next((term for known, term in term_keys(vocabulary, kind) if known == key), None)


def term_keys(vocabulary, kind: str) -> list[tuple[str, object]]:
    """(letters key, term) for every code, alias and spelling, longest key first."""
    terms = vocabulary.elections if kind == "election" else vocabulary.form_types
    keys = [(letters_key(name), term) for term in terms for name in (term.code, *term.aliases)]
    if kind == "election":
        spelled = ((key, vocabulary.election(code)) for key, code in ELECTION_SPELLINGS.items())
        keys += [(key, term) for key, term in spelled if term]
    return sorted(keys, key=lambda pair: -len(pair[0]))


def same(a, b) -> bool:
    """Two readings of one field agree (case, spacing and punctuation aside)."""
    if isinstance(a, int) or isinstance(b, int):
        return str(a) == str(b)
    return letters_key(a) == letters_key(b)


# --- printed header ------------------------------------------------------------------------

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


def _labelled(lines: list[Line]) -> dict[str, tuple[int, Line, re.Match, float]]:
    """First line of each region label: (index, line, match(label, sep, value), penalty)."""
    found = {}
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
                if key and name not in found and SequenceMatcher(None, key, label).ratio() > 0.85:
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
        if parsed:
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


# --- merging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    field: str
    code_value: str | int
    header_value: str | int
    header_confidence: float


def merge(
    code_fields: dict[str, FieldReading], header_fields: dict[str, FieldReading]
) -> dict[str, FieldReading]:
    """One reading per field: codes win; agreement raises confidence, conflict lowers it."""
    merged = dict(header_fields)
    for name, code in code_fields.items():
        printed = header_fields.get(name)
        if printed is None:
            merged[name] = code
        elif same(code.value, printed.value):
            sure = 1 - (1 - code.confidence) * (1 - printed.confidence)
            merged[name] = FieldReading(code.value, min(sure, 0.999), "qr+header")
        else:
            merged[name] = FieldReading(code.value, min(code.confidence, CONFLICT_CONFIDENCE), "qr")
    return merged


def conflicts(
    code_fields: dict[str, FieldReading], header_fields: dict[str, FieldReading]
) -> list[Conflict]:
    """Fields where the code and the printed header disagree, for the reviewer to see both."""
    return [
        Conflict(name, code.value, header_fields[name].value, header_fields[name].confidence)
        for name, code in code_fields.items()
        if name in header_fields and not same(code.value, header_fields[name].value)
    ]


def header_reader(vocabulary):
    """A page reader that parses the header while Tesseract's word table still exists."""

    def read_header(context: PageContext) -> dict[str, FieldReading]:
        return parse_header(context.text, vocabulary, tsv_path=context.tsv_path)

    return read_header
