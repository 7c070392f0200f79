"""Result forms (C.Hasil) in the layouts other form makers draw, with the numbers they carry.

tests/formgen.py draws our own form; this draws the table families the tally reader must read
without knowing who made the form (issue 13), each at a "light" and a "heavy" scan:

- ``inline``: printed digits in a count column;
- ``terbilang``: printed digits (ANGKA) and the amount in words (TERBILANG);
- ``printed_boxes``: printed digits in per-digit boxes, sometimes with TERBILANG;
- ``handwritten_boxes``: pen-like digits in per-digit boxes, sometimes with TERBILANG;
- ``dpr``: a DPR/DPRD party table (party votes, candidate rows, party total) over two pages.

Every form draws a random maker's ``Style`` from its seed: face and size (DejaVu, and the
Helvetica, Times and Courier PyMuPDF carries), row height, the order of the columns, header
and label wording, letter case, ruling (full grid, rows only, none), box size and spacing.
Section I (DATA PEMILIH DAN PENGGUNA HAK PILIH, with L/P/JML or JML alone) and the ballot
sheets section come on some forms, on the first page or a page of their own. ``TallyForm``
keeps what is printed, number by number (``Expected``), so benchmarks and tests can score a
reading; ``broken`` prints one number that breaks the arithmetic, as an officer's slip would.
"""

from __future__ import annotations

import functools
import io
import itertools
import random
from dataclasses import dataclass, field

import pymupdf
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.formgen import FONT_DIR, LEFT, PAGE_PX, RIGHT, _footer, _header, _regions, _write, spell

FAMILIES = ("inline", "terbilang", "printed_boxes", "handwritten_boxes", "dpr")
LEVELS = ("light", "heavy")
FACES = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansCondensed.ttf", "helv", "tiro", "cour")
FIRST = (
    "BUDI",
    "SITI",
    "AHMAD",
    "DEWI",
    "JOKO",
    "RINA",
    "AGUS",
    "MAYA",
    "HENDRA",
    "NURUL",
    "SURYA",
    "ANI",
    "BAMBANG",
    "WULAN",
    "YUSUF",
    "KARTIKA",
    "IMAM",
    "LESTARI",
    "DIAN",
)
LAST = (
    "SANTOSO",
    "RAHAYU",
    "HIDAYAT",
    "LESTARI",
    "WIBOWO",
    "NUGROHO",
    "GUNAWAN",
    "SARI",
    "PRASETYO",
    "HASANAH",
    "SUSANTO",
    "PURNAMA",
    "SETIAWAN",
    "HALIM",
    "SIREGAR",
    "WAHYUDI",
)
TITLES = ("H.", "Hj.", "Dr.", "Ir.", "Drs.")
DEGREES = ("S.E.", "M.M.", "S.H.", "M.Si.", "S.Pd.", "M.H.")
PARTIES = (
    "PARTAI MAJU BERSAMA",
    "PARTAI KARYA RAKYAT",
    "PARTAI AMANAT BANGSA",
    "PARTAI HIJAU INDONESIA",
    "PARTAI NUSANTARA BARU",
    "PARTAI GOTONG ROYONG",
    "PARTAI BULAN TERANG",
    "PARTAI PERSATUAN DESA",
)
ELECTIONS = {
    "PPWP": ("PASANGAN CALON", 2, 4),
    "PILGUB": ("PASANGAN CALON", 2, 4),
    "PILBUP": ("PASANGAN CALON", 2, 5),
    "PILWALKOT": ("PASANGAN CALON", 2, 5),
    "DPD": ("CALON", 5, 9),
}
VOTER_ROWS = ("dpt", "dptb", "dpk", "total")
SHEET_ROWS = ("received", "returned", "unused", "used")


@dataclass(frozen=True)
class Expected:
    """One number printed on the form, keyed as the reader reports it."""

    page: int  # 1-based
    kind: str  # candidate, party, party_total, valid, invalid, ballots_used, voters, users, sheets
    key: str  # row label for table rows; "dpt", "dptb", "dpk", "total" ... for section I
    column: str  # "votes", or "L" / "P" / "JML" on a voter row
    value: int


@dataclass
class TallyForm:
    family: str
    level: str
    seed: int
    election: str
    pages: list[Image.Image]
    expected: list[Expected]
    consistent: bool  # the printed numbers obey every check
    style: Style


@dataclass
class Style:
    face: str
    size: int
    row: int
    order: tuple[str, ...]  # columns: "no", "name", "digits", "words"
    words: bool
    boxes: str  # "", "printed", "hand"
    box: tuple[int, int]
    box_gap: int
    leading_zeros: bool
    hand: float
    rules: str  # "grid", "rows", "open"
    case: str  # "upper", "title"
    two_level: bool
    totals_inline: bool
    words_case: str
    words_suffix: str
    headers: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)


def _face(face: str, size: int) -> ImageFont.FreeTypeFont:
    if face.endswith(".ttf"):
        return ImageFont.truetype(str(FONT_DIR / face), size)
    return ImageFont.truetype(io.BytesIO(_base14(face)), size)


@functools.cache
def _base14(name: str) -> bytes:
    return pymupdf.Font(name).buffer


def style_for(family: str, rng: random.Random) -> Style:
    boxes = {"printed_boxes": "printed", "handwritten_boxes": "hand"}.get(family, "")
    if family == "dpr":
        boxes = rng.choice(("", "", "printed", "hand"))
    words = family == "terbilang" or (family != "inline" and rng.random() < 0.35)
    size = rng.randint(34, 46) if not words else rng.randint(32, 40)
    order = ["name", "digits", "words"] if words else ["name", "digits"]
    if words and rng.random() < 0.4:
        order = ["name", "words", "digits"]
    if rng.random() < 0.15:
        order = order[1:] + order[:1]  # the counts left of the names
    if rng.random() < 0.85:
        order = ["no", *order]
    box_w = rng.randint(70, 100)
    return Style(
        face=rng.choice(FACES),
        size=size,
        row=max(round(size * rng.uniform(1.9, 2.7)), (box_w + 24 if boxes else 0)),
        order=tuple(order),
        words=words,
        boxes=boxes,
        box=(box_w, box_w + rng.randint(-6, 12)),
        box_gap=rng.choice((0, 0, 0, 10, 18)),
        leading_zeros=rng.random() < 0.7,
        hand=rng.uniform(0.3, 1.0) if boxes == "hand" else 0,
        rules=rng.choice(("grid",) * 6 + ("rows",) * 3 + ("open",) * (0 if boxes else 2)),
        case=rng.choice(("upper", "upper", "title")),
        two_level=words and rng.random() < 0.5,
        totals_inline=rng.random() < 0.4,
        words_case=rng.choice(("lower", "lower", "title", "upper")),
        words_suffix=rng.choice(("", "", "", " suara")),
        headers={
            "no": rng.choice(("NO. URUT", "NO", "NOMOR URUT", "NO.")),
            "digits": rng.choice(("ANGKA", "PEROLEHAN SUARA", "JUMLAH SUARA", "SUARA SAH")),
            "words": rng.choice(("TERBILANG", "HURUF", "DENGAN HURUF")),
            "votes": rng.choice(("PEROLEHAN SUARA", "SUARA SAH", "JUMLAH SUARA")),
        },
        totals={
            "valid": rng.choice(
                ("JUMLAH SELURUH SUARA SAH", "JUMLAH SUARA SAH", "TOTAL SUARA SAH")
            ),
            "invalid": rng.choice(("JUMLAH SUARA TIDAK SAH", "SUARA TIDAK SAH")),
            "ballots_used": rng.choice(
                (
                    "JUMLAH SELURUH SUARA SAH DAN SUARA TIDAK SAH",
                    "JUMLAH SUARA SAH DAN TIDAK SAH",
                    "JUMLAH SUARA SAH + SUARA TIDAK SAH",
                )
            ),
        },
    )


# --- what the form says -------------------------------------------------------------------------


def _name(rng: random.Random, pair: bool) -> str:
    def one() -> str:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.3:
            name = f"{rng.choice(TITLES)} {name}"
        if rng.random() < 0.3:
            name = f"{name}, {rng.choice(DEGREES)}"
        return name

    return f"{one()} - {one()}" if pair else one()


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in itertools.pairwise([0, *cuts, total])]


def _voters(used: int, rng: random.Random) -> dict:
    """Section I for ``used`` voters who came: {row: {"L", "P", "JML"}} for voters and users."""
    users = dict(zip(("dpt", "dptb", "dpk"), [0, 0, 0], strict=True))
    users["dptb"], users["dpk"] = rng.randint(0, min(6, used)), rng.randint(0, min(4, used))
    users["dpt"] = used - users["dptb"] - users["dpk"]
    voters = {
        "dpt": min(300, users["dpt"] + rng.randint(0, 60)),
        "dptb": users["dptb"] + rng.randint(0, 2),
        "dpk": users["dpk"],
    }
    out: dict = {"voters": {}, "users": {}}
    for row in ("dpt", "dptb", "dpk"):
        user_l = rng.randint(0, users[row])
        voter_l = user_l + rng.randint(0, voters[row] - users[row])
        out["users"][row] = {"L": user_l, "P": users[row] - user_l, "JML": users[row]}
        out["voters"][row] = {"L": voter_l, "P": voters[row] - voter_l, "JML": voters[row]}
    for part in ("voters", "users"):
        rows = out[part]
        rows["total"] = {c: sum(rows[r][c] for r in ("dpt", "dptb", "dpk")) for c in ("L", "P")}
        rows["total"]["JML"] = rows["total"]["L"] + rows["total"]["P"]
    return out


def _content(election: str, rng: random.Random) -> dict:
    """The numbers of one TPS: rows (kind, label, votes), totals, section I, ballot sheets."""
    if election in ("DPR", "DPRD PROV", "DPRD KAB/KOTA"):
        rows = []
        for party in rng.sample(PARTIES, 3):
            votes = [rng.randint(0, 12)] + [rng.randint(0, 30) for _ in range(rng.randint(2, 4))]
            rows.append(("party", party, votes[0]))
            rows += [("candidate", _name(rng, False), v) for v in votes[1:]]
            rows.append(("party_total", "JUMLAH SUARA SAH PARTAI POLITIK DAN CALON", sum(votes)))
        valid = sum(v for kind, _, v in rows if kind == "party_total")
    else:
        what, low, high = ELECTIONS[election]
        count = rng.randint(low, high)
        valid = rng.randint(40, 280)
        rows = [
            ("candidate", _name(rng, what == "PASANGAN CALON"), v)
            for v in _split(valid, count, rng)
        ]
    invalid = rng.randint(0, min(15, 300 - valid))
    used = valid + invalid
    sheets = {"received": used + rng.randint(2, 20), "returned": rng.randint(0, 2)}
    sheets["used"] = used
    sheets["unused"] = sheets["received"] - sheets["returned"] - used
    totals = {"valid": valid, "invalid": invalid, "ballots_used": used}
    return {"rows": rows, "totals": totals, "section1": _voters(used, rng), "sheets": sheets}


def _break(content: dict, how: str, rng: random.Random) -> None:
    """One printed number that breaks a check (an officer's slip), chosen by ``how``."""
    delta = rng.choice((-10, -3, -1, 1, 2, 9, 20))
    totals, section = content["totals"], content["section1"]
    if how == "valid":
        totals["valid"] = max(0, totals["valid"] + delta) or totals["valid"] + 5
    elif how == "ballots_used":
        totals["ballots_used"] = max(0, totals["ballots_used"] + delta) or 7
    elif how == "party_total":
        at = next(i for i, row in enumerate(content["rows"]) if row[0] == "party_total")
        kind, label, votes = content["rows"][at]
        content["rows"][at] = (kind, label, max(0, votes + delta) or votes + 4)
    elif how == "voter_row":
        row = section["voters"]["dpt"]
        row["JML"] = row["L"] + row["P"] + (delta if row["L"] + row["P"] + delta >= 0 else 3)
    elif how == "users":
        section["users"]["total"]["JML"] += abs(delta)
        section["users"]["total"]["L"] += abs(delta)
    else:
        raise ValueError(how)


# --- drawing ------------------------------------------------------------------------------------


class Sheet:
    """One page being drawn: the image, the running y, the fonts of the maker's style."""

    def __init__(self, style: Style, rng: random.Random, number: int):
        self.image = Image.new("L", PAGE_PX, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.style, self.rng, self.number = style, rng, number
        self.font = _face(style.face, style.size)
        self.y = 0

    def fits(self, height: int) -> bool:
        return self.y + height < PAGE_PX[1] - 700

    def text(self, xy, text: str, font, anchor: str = "lm") -> None:
        self.draw.text(xy, text, font=font, fill=0, anchor=anchor)

    def fitted(self, text: str, width: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        size = self.style.size
        face = self.style.face
        if bold:
            face = {"helv": "hebo", "tiro": "tibo", "cour": "cobo"}.get(
                face, face.replace(".ttf", "-Bold.ttf")
            )
        while size > 20 and self.draw.textlength(text, font=_face(face, size)) > width - 30:
            size -= 2
        return _face(face, size)


def _case(text: str, style: Style) -> str:
    return text.title() if style.case == "title" else text


def _widths(style: Style, columns: tuple[str, ...]) -> list[int]:
    box_w = 3 * style.box[0] + 2 * style.box_gap + 70 if style.boxes else 0
    fixed = {"no": 150 + style.size, "digits": max(300, box_w), "words": 17 * style.size}
    fixed |= {"L": max(260, box_w), "P": max(260, box_w), "JML": max(260, box_w)}
    rest = RIGHT - LEFT - sum(fixed.get(c, 0) for c in columns)
    return [fixed.get(c, rest) for c in columns]


def _rules(sheet: Sheet, xs: list[int], top: int, bottom: int, vertical: bool = True) -> None:
    style = sheet.style
    if style.rules == "open":
        return
    sheet.draw.line((LEFT, top, RIGHT, top), fill=0, width=3)
    sheet.draw.line((LEFT, bottom, RIGHT, bottom), fill=0, width=3)
    if style.rules == "grid" and vertical:
        for x in [*xs, RIGHT]:
            sheet.draw.line((x, top, x, bottom), fill=0, width=3)


def _count(sheet: Sheet, box: tuple[int, int, int, int], value: int, kind: str) -> None:
    """A number in its cell: digits (inline or in boxes) or words."""
    style, (x0, y0, x1, y1) = sheet.style, box
    middle = (y0 + y1) // 2
    if kind == "words":
        words = spell(value)
        words = {"upper": words.upper(), "title": words.title()}.get(style.words_case, words)
        words += style.words_suffix
        sheet.text((x0 + 20, middle), words, sheet.fitted(words, x1 - x0))
        return
    if not style.boxes:
        sheet.text((x1 - 30, middle), str(value), sheet.font, anchor="rm")
        return
    w, h = style.box
    digits = f"{value:03d}" if style.leading_zeros else f"{value:>3d}"
    left = x1 - 30 - 3 * w - 2 * style.box_gap
    top = middle - h // 2
    for i, digit in enumerate(digits):
        bx = left + i * (w + style.box_gap)
        sheet.draw.rectangle((bx, top, bx + w, top + h), outline=0, width=3)
        if digit == " ":
            continue
        center = (bx + w // 2, top + h // 2)
        if style.boxes == "hand":
            _write(sheet.image, digit, center, style.hand, sheet.rng, h)
        else:
            sheet.text(center, digit, _face(style.face, round(h * 0.62)), anchor="mm")


def _table_header(sheet: Sheet, columns, labels: dict, xs: list[int], widths) -> None:
    style = sheet.style
    two = style.two_level and "digits" in columns and "words" in columns
    height = style.row * (2 if two else 1)
    top = sheet.y
    _rules(sheet, xs, top, top + height)
    for column, x, w in zip(columns, xs, widths, strict=True):
        label = labels.get(column, "")
        if two and column in ("digits", "words"):
            label = "ANGKA" if column == "digits" else style.headers["words"]
            sheet.text(
                (x + w // 2, top + style.row * 3 // 2),
                label,
                sheet.fitted(label, w, True),
                anchor="mm",
            )
            continue
        sheet.text((x + w // 2, top + height // 2), label, sheet.fitted(label, w, True), "mm")
    if two:
        at = [columns.index("digits"), columns.index("words")]
        x0 = xs[min(at)]
        x1 = xs[max(at)] + widths[max(at)]
        if style.rules != "open":
            sheet.draw.line((x0, top + style.row, x1, top + style.row), fill=0, width=3)
        spans = style.headers["votes"]
        sheet.text(
            ((x0 + x1) // 2, top + style.row // 2), spans, sheet.fitted(spans, x1 - x0, True), "mm"
        )
    sheet.y = top + height


def _table_row(sheet: Sheet, columns, xs, widths, cells: dict) -> None:
    style, top = sheet.style, sheet.y
    bottom = top + style.row
    _rules(sheet, xs, top, bottom)
    for column, x, w in zip(columns, xs, widths, strict=True):
        value = cells.get(column)
        if value is None:
            continue
        if column in ("digits", "words", "L", "P", "JML"):
            _count(sheet, (x, top, x + w, bottom), value, "words" if column == "words" else "d")
        elif column == "no":
            sheet.text((x + w // 2, (top + bottom) // 2), str(value), sheet.font, "mm")
        else:
            sheet.text((x + 25, (top + bottom) // 2), value, sheet.fitted(value, w))
    sheet.y = bottom


def _heading(sheet: Sheet, text: str) -> None:
    """A section title, in capitals as forms print them."""
    text = text.upper()
    sheet.y += 30
    sheet.text((LEFT, sheet.y + 30), text, sheet.fitted(text, RIGHT - LEFT, True))
    sheet.y += 90


def _totals(sheet: Sheet, totals: dict, expected: list, columns) -> None:
    style = sheet.style
    if not style.totals_inline:
        _heading(sheet, _case("IV. JUMLAH SUARA SAH DAN TIDAK SAH", style))
        widths = _widths(style, columns)
        xs = list(itertools.accumulate([LEFT, *widths[:-1]]))
        _table_header(sheet, columns, {"no": "", "name": "URAIAN", "digits": "JUMLAH"}, xs, widths)
    widths = _widths(style, columns)
    xs = list(itertools.accumulate([LEFT, *widths[:-1]]))
    for letter, key in zip("ABC", ("valid", "invalid", "ballots_used"), strict=True):
        label = _case(style.totals[key], style)
        if "no" not in columns:
            label = f"{letter}. {label}"
        cells = {"no": letter, "name": label, "digits": totals[key], "words": totals[key]}
        _table_row(sheet, columns, xs, widths, cells)
        expected.append(Expected(sheet.number, key, key, "votes", totals[key]))


def _candidates(sheet: Sheet, rows: list, expected: list, election: str, number: dict) -> list:
    """Draw table rows until the page is full; return the rows left for the next page.
    ``number`` carries the party and candidate numbering over from the page before."""
    first = not number
    if first:
        number |= {"party": 0, "candidate": 0}
    style = sheet.style
    columns = style.order
    widths = _widths(style, columns)
    xs = list(itertools.accumulate([LEFT, *widths[:-1]]))
    what = "PARTAI POLITIK DAN CALON" if election.startswith("DPR") and election != "DPD" else None
    what = what or ELECTIONS.get(election, ("PASANGAN CALON",))[0]
    if first:
        _heading(sheet, _case(f"III. DATA PEROLEHAN SUARA {what}", style))
    labels = {
        "no": style.headers["no"],
        "name": f"NAMA {what}",
        "digits": style.headers["digits"],
        "words": style.headers["words"],
    }
    if not style.words:
        labels["digits"] = style.headers["votes"]
    _table_header(sheet, columns, labels, xs, widths)
    for at, (kind, label, votes) in enumerate(rows):
        if not sheet.fits(style.row):
            return rows[at:]
        if kind == "party":
            number["party"] += 1
            number["candidate"] = 0
        elif kind == "candidate":
            number["candidate"] += 1
        no = {"party": number["party"], "candidate": number["candidate"]}.get(kind, "")
        text = _case(label, style)
        if "no" not in columns and no != "":
            text = f"{no}. {text}"
        cells = {"no": no, "name": text, "digits": votes, "words": votes}
        _table_row(sheet, columns, xs, widths, cells)
        expected.append(Expected(sheet.number, kind, label, "votes", votes))
    return []


def _section_one(sheet: Sheet, section: dict, expected: list) -> None:
    style, rng = sheet.style, sheet.rng
    columns = ("no", "name", "L", "P", "JML") if rng.random() < 0.75 else ("no", "name", "JML")
    widths = _widths(style, columns)
    xs = list(itertools.accumulate([LEFT, *widths[:-1]]))
    long = rng.random() < 0.5
    labels = {
        "no": "NO",
        "name": "URAIAN",
        "L": "LAKI-LAKI" if long else "L",
        "P": "PEREMPUAN" if long else "P",
        "JML": "JUMLAH" if long else "JML",
    }
    _heading(sheet, _case("I. DATA PEMILIH DAN PENGGUNA HAK PILIH", style))
    _table_header(sheet, columns, labels, xs, widths)
    names = {
        "dpt": "Jumlah pemilih dalam DPT",
        "dptb": "Jumlah pemilih dalam DPTb",
        "dpk": "Jumlah pemilih dalam DPK",
        "total": "Jumlah pemilih (1+2+3)",
    }
    for part, heading in (("voters", "A. DATA PEMILIH"), ("users", "B. PENGGUNA HAK PILIH")):
        sheet.text(
            (LEFT + 25, sheet.y + style.row // 2),
            _case(heading, style),
            sheet.fitted(heading, RIGHT - LEFT, True),
        )
        sheet.y += style.row
        for n, row in enumerate(VOTER_ROWS, 1):
            label = (
                names[row]
                if part == "voters"
                else names[row].replace("pemilih", "pengguna hak pilih")
            )
            if row == "total" and part == "users":
                label = "Jumlah seluruh pengguna hak pilih (1+2+3)"
            label = label.upper() if style.case == "upper" else label
            values = section[part][row]
            _table_row(sheet, columns, xs, widths, {"no": n, "name": label, **values})
            for column in columns[2:]:
                expected.append(Expected(sheet.number, part, row, column, values[column]))


def _sheets(sheet: Sheet, sheets: dict, expected: list) -> None:
    """Section II: what became of the ballot sheets."""
    style = sheet.style
    _heading(sheet, "II. DATA PENGGUNAAN SURAT SUARA")
    cols = ("no", "name", "JML")
    widths = _widths(style, cols)
    xs = list(itertools.accumulate([LEFT, *widths[:-1]]))
    labels = {
        "received": "Jumlah surat suara yang diterima",
        "returned": "Jumlah surat suara yang dikembalikan karena rusak/keliru coblos",
        "unused": "Jumlah surat suara yang tidak digunakan",
        "used": "Jumlah surat suara yang digunakan",
    }
    for n, row in enumerate(SHEET_ROWS, 1):
        label = labels[row].upper() if style.case == "upper" else labels[row]
        _table_row(sheet, cols, xs, widths, {"no": n, "name": label, "JML": sheets[row]})
        expected.append(Expected(sheet.number, "sheets", row, "JML", sheets[row]))


def tally_form(family: str, level: str, seed: int, *, broken: str | None = None) -> TallyForm:
    """A generated result form of ``family`` at scan ``level``; ``broken`` names the check one
    printed number breaks ("valid", "ballots_used", "party_total", "voter_row", "users")."""
    rng = random.Random(f"tally-{family}-{seed}")
    style = style_for(family, rng)
    election = (
        rng.choice(("DPR", "DPRD PROV", "DPRD KAB/KOTA"))
        if family == "dpr"
        else (rng.choice(("PPWP", "PPWP", "PILGUB", "PILBUP", "PILWALKOT", "DPD")))
    )
    content = _content(election, rng)
    with_section = rng.random() < (0.35 if family == "dpr" else 0.6)
    with_section = with_section or broken in ("voter_row", "users")
    if broken:
        _break(content, broken, rng)
    expected: list[Expected] = []
    pages: list[Sheet] = []

    def new_page() -> Sheet:
        sheet = Sheet(style, rng, len(pages) + 1)
        sheet.y = _header(sheet.draw, election, "C.HASIL", 2024)
        if sheet.number == 1:
            places = [
                ("PROVINSI", "Jawa Tengah"),
                ("KABUPATEN/KOTA", "Karanganyar"),
                ("KECAMATAN", "Jaten"),
                ("KELURAHAN/DESA", "Papahan"),
                ("TPS", f"{rng.randint(1, 40):03d}"),
            ]
            sheet.y = _regions(sheet.draw, sheet.y, places)
        pages.append(sheet)
        return sheet

    sheet = new_page()
    if with_section:
        _section_one(sheet, content["section1"], expected)
        if rng.random() < 0.4:
            if not sheet.fits(style.row * 5 + 120):
                sheet = new_page()
            _sheets(sheet, content["sheets"], expected)
        if family == "dpr" or not sheet.fits(style.row * (len(content["rows"]) + 7)):
            sheet = new_page()
    rows = content["rows"]
    numbering: dict = {}
    if family == "dpr":  # always over two pages: break inside the table, even inside a party
        cut = rng.randint(len(rows) // 3, 2 * len(rows) // 3)
        rest = _candidates(sheet, rows[:cut], expected, election, numbering) + rows[cut:]
        sheet = new_page()
        rest = _candidates(sheet, rest, expected, election, numbering)
    else:
        rest = _candidates(sheet, rows, expected, election, numbering)
    while rest:
        sheet = new_page()
        rest = _candidates(sheet, rest, expected, election, numbering)
    if not sheet.fits(style.row * 5):
        sheet = new_page()
    _totals(sheet, content["totals"], expected, style.order)
    images = []
    for page in pages:
        _footer(page.draw, min(page.y + 120, PAGE_PX[1] - 700), None, page.number, len(pages))
        images.append(degrade(page.image, level, random.Random(f"{seed}-{page.number}-scan")))
    return TallyForm(family, level, seed, election, images, expected, broken is None, style)


def degrade(image: Image.Image, level: str, rng: random.Random) -> Image.Image:
    """A scan of the printed page: "light" is a clean flatbed scan with a little dust and
    slant; "heavy" a worn copy on a cheap scanner: dust, blur, grey paper and faded ink, a
    slant up to 1.2 degrees and strong JPEG compression."""
    heavy = level == "heavy"
    draw = ImageDraw.Draw(image)
    specks = (0.012 if heavy else 0.002) * image.width * image.height / 1000
    for _ in range(int(specks * rng.uniform(0.7, 1.3))):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        r = rng.choice((0, 0, 1, 1, 2))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randrange(0, 120))
    angle = rng.uniform(-1.2, 1.2) if heavy else rng.uniform(-0.3, 0.3)
    image = image.rotate(angle, Image.Resampling.BICUBIC, fillcolor=255)
    if heavy:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.9)))
        paper, ink = rng.randint(205, 235), rng.randint(25, 70)
        image = image.point(lambda v: ink + (paper - ink) * v // 255)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=rng.randint(35, 55))
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return image
