"""Recapitulation forms (D.Hasil Kecamatan, D.Hasil Kabupaten/Kota) with the numbers they
carry, for the recap reader's tests and benchmark.

A recap form is a table: one row per paslon (or candidate) and the totals (valid, invalid,
both), one column per child region (the villages of a district, the districts of a
regency) headed by its code and name, then the total (JUMLAH AKHIR). Wide recaps run over
several pages, a few children per page; the total column stands on the last page. As in
tests/formgen_tally.py each form draws a maker's ``Style`` from its seed (face, size, row
height, ruling, how the child's code is printed: its own part "2001", or dotted in full
"33.13.05.2001"), and is scanned "light" or "heavy" (``degrade``). ``RecapForm.expected``
keeps what is printed, column by column, keyed as the reader keys it; ``broken`` prints a
total that is not the sum of its columns (a recap slip) or a column that differs from the
forms under it (``children`` given by the caller, changed here).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tests.formgen import LEFT, PAGE_PX, RIGHT, _centered, _font, _regions
from tests.formgen_tally import FACES, _face, _name, _split, degrade

FAMILIES = ("short_codes", "full_codes", "kabkota")
LEVELS = ("light", "heavy")
VILLAGES = (
    "PAPAHAN",
    "NGRINGO",
    "JATEN",
    "JETIS",
    "SROYO",
    "SURUHKALANG",
    "DAGEN",
    "BRUJUL",
    "JATIKUWUNG",
    "WONOREJO",
    "SUKOSARI",
    "GEDONGAN",
)
DISTRICTS = (
    "JATIPURO",
    "JATIYOSO",
    "JUMAPOLO",
    "JUMANTONO",
    "MATESIH",
    "TAWANGMANGU",
    "NGARGOYOSO",
    "KARANGPANDAN",
    "KARANGANYAR",
    "TASIKMADU",
    "JATEN",
    "COLOMADU",
)
TOTAL_LABELS = {
    "valid": ("JUMLAH SUARA SAH", "JUMLAH SELURUH SUARA SAH"),
    "invalid": ("JUMLAH SUARA TIDAK SAH", "SUARA TIDAK SAH"),
    "ballots_used": ("JUMLAH SUARA SAH DAN TIDAK SAH", "JUMLAH SUARA SAH DAN SUARA TIDAK SAH"),
}


@dataclass(frozen=True)
class Printed:
    page: int
    column: str  # a child's code (digits), or "" for the total
    key: str  # row1, row2 ... valid, invalid, ballots_used
    value: int


@dataclass
class RecapForm:
    family: str
    level: str
    seed: int
    election: str
    form_type: str
    place: str  # the form's own code (digits): a district's or a regency's
    pages: list[Image.Image]
    expected: list[Printed]
    children: dict[str, dict[str, int]]  # child code -> {key: value} as the forms sum it
    consistent: bool


@dataclass
class Style:
    face: str
    size: int
    row: int
    rules: str  # grid | rows
    full_codes: bool
    per_page: int
    separators: bool  # 1.234 for thousands


def style_for(family: str, rng: random.Random) -> Style:
    size = rng.randint(30, 38)
    return Style(
        face=rng.choice(FACES),
        size=size,
        row=round(size * rng.uniform(2.1, 2.7)),
        rules=rng.choice(("grid", "grid", "rows")),
        full_codes=family == "full_codes" or (family == "kabkota" and rng.random() < 0.5),
        per_page=rng.randint(3, 5),
        separators=rng.random() < 0.7,
    )


def _count(value: int, style: Style) -> str:
    return f"{value:,}".replace(",", ".") if style.separators else str(value)


def recap_form(
    family: str,
    level: str,
    seed: int,
    *,
    children: dict[str, dict[str, int]] | None = None,
    broken: str | None = None,
) -> RecapForm:
    """A generated recap form of ``family`` at scan ``level``. ``children`` (child code ->
    {row1.., valid, invalid, ballots_used}) are the sums of the forms under it; drawn at
    random when not given. ``broken``: "total" prints a total that is not the sum of its
    columns, "column" a child's figure that differs from its forms."""
    rng = random.Random(f"recap-{family}-{seed}")
    style = style_for(family, rng)
    election = rng.choice(("PPWP", "PPWP", "PILGUB", "PILBUP", "DPD"))
    kabkota = family == "kabkota"
    place = "3313" if kabkota else "331305"
    names = DISTRICTS if kabkota else VILLAGES
    count = rng.randint(2, 9)
    codes = (
        [f"3313{n:02d}" for n in sorted(rng.sample(range(1, 18), count))]
        if kabkota
        else [f"331305{2000 + n:04d}" for n in sorted(rng.sample(range(1, 15), count))]
    )
    candidates = rng.randint(2, 4) if election != "DPD" else rng.randint(4, 6)
    labels = [_name(rng, election != "DPD") for _ in range(candidates)]
    if children is None:
        children = {}
        for code in codes:
            valid = rng.randint(800, 6000) * (12 if kabkota else 1)
            votes = _split(valid, candidates, rng)
            invalid = rng.randint(0, valid // 40)
            figures = {f"row{i + 1}": v for i, v in enumerate(votes)}
            children[code] = figures | {
                "valid": valid,
                "invalid": invalid,
                "ballots_used": valid + invalid,
            }
    codes = sorted(children)
    printed = {code: dict(values) for code, values in children.items()}
    if broken == "column":
        code = rng.choice(codes)
        printed[code]["row1"] += rng.choice((-50, -7, 9, 120))
        printed[code]["valid"] = sum(v for k, v in printed[code].items() if k.startswith("row"))
        printed[code]["ballots_used"] = printed[code]["valid"] + printed[code]["invalid"]
    keys = [f"row{i + 1}" for i in range(candidates)] + ["valid", "invalid", "ballots_used"]
    total = {k: sum(printed[c][k] for c in codes) for k in keys}
    if broken == "total":
        total["row2"] += rng.choice((-30, 11, 400))
    form_type = "D.HASIL.KABKOTA" if kabkota else "D.HASIL.KECAMATAN"
    groups = [codes[i : i + style.per_page] for i in range(0, len(codes), style.per_page)]
    pages, expected = [], []
    for number, group in enumerate(groups, 1):
        last = number == len(groups)
        image, shown = _page(
            style,
            rng,
            election,
            form_type,
            kabkota,
            number,
            len(groups),
            group,
            names,
            printed,
            total if last else None,
            labels,
            keys,
        )
        expected += shown
        pages.append(degrade(image, level, random.Random(f"{seed}-{number}-recap-scan")))
    return RecapForm(
        family, level, seed, election, form_type, place, pages, expected, children, broken is None
    )


def _page(
    style, rng, election, form_type, kabkota, number, of, group, names, printed, total, labels, keys
) -> tuple[Image.Image, list[Printed]]:
    image = Image.new("L", PAGE_PX, 255)
    draw = ImageDraw.Draw(image)
    model = f"MODEL {form_type.replace('D.HASIL.', 'D.HASIL ')}-{election}"
    font = _font(40, bold=True)
    width = draw.textlength(model, font=font)
    draw.rectangle((RIGHT - width - 40, 150, RIGHT, 230), outline=0, width=4)
    draw.text((RIGHT - width - 20, 165), model, font=font, fill=0)
    stage = "KABUPATEN/KOTA" if kabkota else "KECAMATAN"
    _centered(
        draw,
        300,
        "SERTIFIKAT REKAPITULASI HASIL PENGHITUNGAN PEROLEHAN SUARA",
        _font(44, bold=True),
    )
    _centered(
        draw,
        370,
        f"DARI SETIAP {'KECAMATAN' if kabkota else 'KELURAHAN/DESA'} DI TINGKAT {stage} TAHUN 2024",
        _font(40, bold=True),
    )
    draw.line((LEFT, 450, RIGHT, 450), fill=0, width=5)
    places = [("PROVINSI", "Jawa Tengah"), ("KABUPATEN/KOTA", "Karanganyar")]
    if not kabkota:
        places.append(("KECAMATAN", "Jaten"))
    y = _regions(draw, 500, places)
    face = _face(style.face, style.size)
    small = _face(style.face, max(22, style.size - 8))
    columns = [*group] + ([""] if total is not None else [])
    label_w = 820
    no_w = 110
    count_w = (RIGHT - LEFT - label_w - no_w) // max(len(columns), 4)
    xs = [LEFT, LEFT + no_w] + [LEFT + no_w + label_w + i * count_w for i in range(len(columns))]
    right = xs[-1] + count_w
    head = style.row * 2
    _hline(draw, y, right)
    draw.text((LEFT + no_w // 2, y + head // 2), "NO", font=face, fill=0, anchor="mm")
    draw.text((LEFT + no_w + label_w // 2, y + head // 2), "URAIAN", font=face, fill=0, anchor="mm")
    for at, code in enumerate(columns):
        cx = xs[2 + at] + count_w // 2
        if code:
            shown_code = (
                _dotted(code)
                if style.full_codes
                else code[len(code) - (2 if len(code) == 6 else 4) :]
            )
            index = int(code[-2:]) if len(code) == 6 else int(code[-2:])
            draw.text(
                (cx, y + head // 3),
                shown_code,
                font=small if style.full_codes else face,
                fill=0,
                anchor="mm",
            )
            draw.text(
                (cx, y + 2 * head // 3),
                names[index % len(names)][:12],
                font=small,
                fill=0,
                anchor="mm",
            )
        else:
            draw.text((cx, y + head // 3), "JUMLAH", font=face, fill=0, anchor="mm")
            draw.text((cx, y + 2 * head // 3), "AKHIR", font=face, fill=0, anchor="mm")
    top = y
    y += head
    _hline(draw, y, right)
    shown = []
    for at, key in enumerate(keys):
        if key.startswith("row"):
            no, label = str(at + 1), labels[at]
        else:
            no, label = "ABC"[keys.index(key) - len(labels)], rng.choice(TOTAL_LABELS[key])
        draw.text((LEFT + no_w // 2, y + style.row // 2), no, font=face, fill=0, anchor="mm")
        text_font = face
        while draw.textlength(label, font=text_font) > label_w - 30 and text_font.size > 20:
            text_font = _face(style.face, text_font.size - 2)
        draw.text(
            (LEFT + no_w + 20, y + style.row // 2), label, font=text_font, fill=0, anchor="lm"
        )
        for c_at, code in enumerate(columns):
            value = total[key] if not code else printed[code][key]
            draw.text(
                (xs[2 + c_at] + count_w - 25, y + style.row // 2),
                _count(value, style),
                font=face,
                fill=0,
                anchor="rm",
            )
            shown.append(Printed(number, code, key, value))
        y += style.row
        if style.rules == "grid" or key in ("valid",):
            _hline(draw, y, right)
    if style.rules == "grid":
        for x in [*xs, right]:
            draw.line((x, top, x, y), fill=0, width=3)
    _hline(draw, y, right)
    draw.text((LEFT, y + 120), "CATATAN : -", font=_font(40), fill=0)
    for x, role in (
        (LEFT + 80, "KETUA PPK" if not kabkota else "KETUA KPU"),
        (LEFT + 1300, "SAKSI"),
    ):
        draw.text((x, y + 300), role, font=_font(40), fill=0)
    _centered(draw, PAGE_PX[1] - 200, f"Halaman {number} dari {of}", _font(36))
    return image, shown


def _hline(draw, y: int, right: int) -> None:
    draw.line((LEFT, y, right, y), fill=0, width=3)


def _dotted(code: str) -> str:
    parts, start = [], 0
    for cut in (2, 4, 6, 10):
        if len(code) >= cut:
            parts.append(code[start:cut])
            start = cut
    return ".".join(parts)
