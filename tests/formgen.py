"""Synthetic scanned KPU tally forms (C.HASIL) for tests and benchmarks.

Real forms cannot be committed (personal data, licences), so tests draw a look-alike: an A4 page
at 300 dpi with the KPU header, the region labels, a candidate table with printed counts and the
totals. ``unique_word`` is printed in the notes line so a test can look for a word that only OCR
could have read. Output is deterministic for a given ``seed``.

``digit_boxes=True`` draws the counts the way real C.Hasil forms carry them: each number written
into three adjacent per-digit boxes (hundreds, tens, units), right-aligned in the count cell.
Leading positions hold a written ``0`` by default (``005``; ``leading_zeros=False`` leaves them
blank, as some officers do). ``handwriting`` (0.0-1.0) imitates a pen in the boxes: per digit
a DejaVu face, size, rotation, shear, offset, stroke width and ink darkness. ``valid_override``
and ``ballots_override`` print totals that break the arithmetic, for tests of the tally checks.
"""

from __future__ import annotations

import functools
import io
import random
from pathlib import Path

import pymupdf
from PIL import Image, ImageChops, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAGE_PX = (2480, 3508)  # A4 at 300 dpi
DPI = 300
LEFT, RIGHT = 200, 2280

ELECTION_TITLES = {
    "PPWP": "PRESIDEN DAN WAKIL PRESIDEN",
    "DPR": "ANGGOTA DEWAN PERWAKILAN RAKYAT",
    "DPD": "ANGGOTA DEWAN PERWAKILAN DAERAH",
    "DPRD PROV": "ANGGOTA DPRD PROVINSI",
    "DPRD KAB/KOTA": "ANGGOTA DPRD KABUPATEN/KOTA",
    "PILGUB": "GUBERNUR DAN WAKIL GUBERNUR",
    "PILBUP": "BUPATI DAN WAKIL BUPATI",
    "PILWALKOT": "WALIKOTA DAN WAKIL WALIKOTA",
}
# Fictional names: the forms must look real to OCR, not name real people.
CANDIDATES = [
    "BUDI SANTOSO - SITI RAHAYU",
    "AHMAD HIDAYAT - DEWI LESTARI",
    "SURYA WIBOWO - RINA KARTIKA",
    "HENDRA GUNAWAN - MAYA SARI",
    "AGUS PRASETYO - NURUL HASANAH",
]
# Pen imitation: faces whose digits differ the way two officers' hands do.
HAND_FACES = (
    "DejaVuSans.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansCondensed-Oblique.ttf",
    "DejaVuSans-ExtraLight.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerifCondensed.ttf",
)  # fmt: skip
BOX_W, BOX_H, BOXED_ROW = 96, 104, 130  # per-digit box and the taller row that holds it


_UNITS = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")


def spell(number: int) -> str:
    """A count in Indonesian words, as a TERBILANG column prints it: 84 is "delapan puluh
    empat", 1984 "seribu sembilan ratus delapan puluh empat". Written apart from the reader's
    parser (ingest/terbilang.py) so that tests can check one against the other."""
    if not 0 <= number < 1_000_000:
        raise ValueError(f"{number} is out of range")
    if number == 0:
        return "nol"
    thousands, rest = divmod(number, 1000)
    words = []
    if thousands:
        words.append("seribu" if thousands == 1 else f"{_below_thousand(thousands)} ribu")
    if rest:
        words.append(_below_thousand(rest))
    return " ".join(words)


def _below_thousand(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words = []
    if hundreds:
        words.append("seratus" if hundreds == 1 else f"{_UNITS[hundreds]} ratus")
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif tens == 1:
        words.append(f"{_UNITS[units]} belas")
    else:
        if tens:
            words.append(f"{_UNITS[tens]} puluh")
        if units:
            words.append(_UNITS[units])
    return " ".join(words)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


@functools.lru_cache(maxsize=64)
def _face(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, font) -> None:
    x = (PAGE_PX[0] - draw.textlength(text, font=font)) / 2
    draw.text((x, y), text, font=font, fill=0)


def _header(draw: ImageDraw.ImageDraw, election: str, form_type: str, year: int) -> int:
    model = f"MODEL {form_type}-{election}"
    font = _font(44, bold=True)
    width = draw.textlength(model, font=font)
    draw.rectangle((RIGHT - width - 40, 150, RIGHT, 240), outline=0, width=4)
    draw.text((RIGHT - width - 20, 170), model, font=font, fill=0)
    title = ELECTION_TITLES.get(election, election)
    _centered(draw, 330, "SERTIFIKAT HASIL PENGHITUNGAN PEROLEHAN SUARA", _font(50, bold=True))
    _centered(draw, 410, f"PEMILIHAN UMUM {title} TAHUN {year}", _font(46, bold=True))
    _centered(draw, 490, "DI TEMPAT PEMUNGUTAN SUARA", _font(46))
    draw.line((LEFT, 580, RIGHT, 580), fill=0, width=5)
    return 660


def _regions(draw: ImageDraw.ImageDraw, y: int, values: list[tuple[str, str]]) -> int:
    font = _font(48)
    for label, value in values:
        draw.text((LEFT + 50, y), label, font=font, fill=0)
        draw.text((LEFT + 650, y), ":", font=font, fill=0)
        draw.text((LEFT + 700, y), value, font=font, fill=0)
        y += 90
    return y + 60


def _row(draw, y: int, cells: list[str], xs: list[int], font, height: int = 110) -> int:
    draw.rectangle((LEFT, y, RIGHT, y + height), outline=0, width=3)
    for x in xs[1:]:
        draw.line((x, y, x, y + height), fill=0, width=3)
    for text, x in zip(cells, xs, strict=True):
        draw.text((x + 25, y + (height - font.size) // 2 - 4), text, font=font, fill=0)
    return y + height


def _table(image: Image.Image, y: int, fields: dict, rng: random.Random) -> int:
    draw = ImageDraw.Draw(image)
    votes, invalid = tuple(fields["votes"]), fields["invalid"]
    xs = [LEFT, LEFT + 260, LEFT + 1500]
    bold, font = _font(40, bold=True), _font(46)
    boxed = fields.get("digit_boxes", False)
    height = BOXED_ROW if boxed else 110

    def count_row(y: int, first: str, label: str, value: int) -> int:
        if not boxed:
            return _row(draw, y, [first, label, str(value)], xs, font)
        _row(draw, y, [first, label, ""], xs, font, height)
        _boxes(image, (RIGHT - 80 - 3 * BOX_W, y + (height - BOX_H) // 2), value, fields, rng)
        return y + height

    draw.text((LEFT, y), "I. PEROLEHAN SUARA PASANGAN CALON", font=_font(48, bold=True), fill=0)
    y = _row(draw, y + 90, ["NO. URUT", "NAMA PASANGAN CALON", "PEROLEHAN SUARA"], xs, bold)
    for number, count in enumerate(votes, start=1):
        y = count_row(y, str(number), CANDIDATES[(number - 1) % len(CANDIDATES)], count)
    y += 90
    draw.text((LEFT, y), "II. JUMLAH SUARA", font=_font(48, bold=True), fill=0)
    y += 90
    valid = _given(fields.get("valid_override"), sum(votes))
    ballots = _given(fields.get("ballots_override"), valid + invalid)
    totals = [
        ("A", "JUMLAH SELURUH SUARA SAH", valid),
        ("B", "JUMLAH SUARA TIDAK SAH", invalid),
        ("C", "JUMLAH SUARA SAH DAN TIDAK SAH", ballots),
    ]
    for letter, label, value in totals:
        y = count_row(y, letter, label, value)
    return y + 100


def _given(override: int | None, computed: int) -> int:
    return computed if override is None else override


def _boxes(image: Image.Image, origin: tuple[int, int], value: int, fields: dict, rng) -> None:
    """Three adjacent per-digit boxes (hundreds, tens, units) with a digit written in each."""
    if not 0 <= value <= 999:
        raise ValueError(f"{value} does not fit three digit boxes")
    draw = ImageDraw.Draw(image)
    x, y = origin
    draw.rectangle((x, y, x + 3 * BOX_W, y + BOX_H), outline=0, width=3)
    for i in (1, 2):
        draw.line((x + i * BOX_W, y, x + i * BOX_W, y + BOX_H), fill=0, width=3)
    text = f"{value:03d}" if fields.get("leading_zeros", True) else f"{value:>3d}"
    hand = float(fields.get("handwriting", 0.0))
    for i, digit in enumerate(text):
        if digit != " ":
            _write(image, digit, (x + i * BOX_W + BOX_W // 2, y + BOX_H // 2), hand, rng)


def _write(
    image: Image.Image, digit: str, center: tuple[int, int], hand: float, rng, box_h: int = BOX_H
) -> None:
    """One digit as a pen might write it, darkened onto the page so box lines stay visible;
    sized to the box (``box_h`` tall) as a writer fills it."""
    face = rng.choice(HAND_FACES) if hand else HAND_FACES[0]
    size = round(80 * box_h / BOX_H * (1 + rng.uniform(-0.15, 0.12) * hand))
    stroke = rng.choice((0, 0, 1, 2)) if hand else 0
    ink = rng.randrange(0, 80) if hand else 0
    tile = Image.new("L", (160, 160), 255)
    ImageDraw.Draw(tile).text(
        (80, 80), digit, font=_face(face, size), fill=ink, anchor="mm",
        stroke_width=stroke, stroke_fill=ink,
    )  # fmt: skip
    if hand:
        shear = rng.uniform(-0.25, 0.25) * hand
        affine = (1, shear, -shear * 80, 0, 1, 0)
        tile = tile.transform(tile.size, Image.Transform.AFFINE, affine, fillcolor=255)
        tile = tile.rotate(rng.uniform(-10, 10) * hand, Image.Resampling.BILINEAR, fillcolor=255)
    dx, dy = (
        round(rng.uniform(-0.1, 0.1) * hand * side * box_h / BOX_H) for side in (BOX_W, BOX_H)
    )
    box = (center[0] - 80 + dx, center[1] - 80 + dy, center[0] + 80 + dx, center[1] + 80 + dy)
    image.paste(ImageChops.darker(image.crop(box), tile), box)


def _footer(draw, y: int, unique_word: str | None, number: int, total: int) -> None:
    font = _font(46)
    draw.text((LEFT, y), f"CATATAN : {unique_word or '-'}", font=font, fill=0)
    y += 200
    for x, role in ((LEFT + 80, "KETUA KPPS"), (LEFT + 1300, "SAKSI")):
        draw.text((x, y), role, font=font, fill=0)
        draw.line((x, y + 260, x + 700, y + 260), fill=0, width=3)
    _centered(draw, PAGE_PX[1] - 200, f"Halaman {number} dari {total}", _font(40))


def _speckle(image: Image.Image, noise: float, rng: random.Random) -> None:
    """Scanner dust: ``noise`` 1.0 puts one speck in roughly every 1,000 pixels."""
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(int(noise * width * height / 1000)):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.choice((0, 0, 1, 1, 2))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randrange(0, 120))


def _rotate(image: Image.Image, degrees: int) -> Image.Image:
    """Rotate clockwise as the scanner saw it; right angles stay lossless."""
    right_angles = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    degrees %= 360
    if degrees == 0:
        return image
    if degrees in right_angles:
        return image.transpose(right_angles[degrees])
    return image.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def draw_page(number: int = 1, total: int = 1, *, noise: float = 0.0, seed: int = 0, **fields):
    """One form page as a grayscale PIL image; ``fields`` are make_form's keyword arguments."""
    image = Image.new("L", PAGE_PX, 255)
    draw = ImageDraw.Draw(image)
    y = _header(draw, fields["election"], fields["form_type"], fields["year"])
    regions = [
        ("PROVINSI", fields["province"]),
        ("KABUPATEN/KOTA", fields["regency"]),
        ("KECAMATAN", fields["district"]),
        ("KELURAHAN/DESA", fields["village"]),
        ("TPS", f"{fields['tps']:03d}"),
    ]
    y = _regions(draw, y, regions)
    y = _table(image, y, fields, random.Random(f"{seed}-{number}-pen"))
    _footer(draw, y, fields["unique_word"], number, total)
    if noise:
        _speckle(image, noise, random.Random(f"{seed}-{number}"))
    return image


def make_form(
    path: Path,
    *,
    election: str = "PPWP",
    form_type: str = "C.HASIL",
    year: int = 2024,
    province: str = "Jawa Tengah",
    regency: str = "Karanganyar",
    district: str = "Jaten",
    village: str = "Papahan",
    tps: int = 5,
    votes: tuple[int, ...] = (123, 45, 67),
    invalid: int = 3,
    unique_word: str | None = None,
    rotate: int = 0,
    fmt: str = "png",
    pages: int = 1,
    noise: float = 0.0,
    seed: int = 0,
    digit_boxes: bool = False,
    handwriting: float = 0.0,
    leading_zeros: bool = True,
    valid_override: int | None = None,
    ballots_override: int | None = None,
) -> Path:
    """Write a scanned-looking form to ``path`` and return it.

    Page ``i`` (0-based) of a multi-page file shows TPS ``tps + i`` so tests can tell pages apart.
    ``rotate`` is the clockwise angle the page was scanned at (any angle; 90/180/270 lossless).
    The count options (``digit_boxes`` ... ``ballots_override``) are described in the module doc.
    """
    fields = dict(election=election, form_type=form_type, year=year, province=province)
    fields |= dict(regency=regency, district=district, village=village, votes=votes)
    fields |= dict(invalid=invalid, unique_word=unique_word, digit_boxes=digit_boxes)
    fields |= dict(handwriting=handwriting, leading_zeros=leading_zeros)
    fields |= dict(valid_override=valid_override, ballots_override=ballots_override)
    images = [
        _rotate(draw_page(i + 1, pages, noise=noise, seed=seed, tps=tps + i, **fields), rotate)
        for i in range(pages)
    ]
    path = Path(path)
    if fmt == "png":
        images[0].save(path, "PNG", dpi=(DPI, DPI))
    elif fmt == "jpeg":
        images[0].save(path, "JPEG", quality=85, dpi=(DPI, DPI))
    elif fmt == "tiff":
        images[0].save(
            path, "TIFF", dpi=(DPI, DPI), compression="tiff_lzw", save_all=True,
            append_images=images[1:],
        )  # fmt: skip
    elif fmt == "pdf":
        _image_pdf(path, images)
    else:
        raise ValueError(f"unknown fmt {fmt!r}")
    return path


def _image_pdf(path: Path, images: list[Image.Image]) -> None:
    """Image-only PDF, as a scanner would write it: one page-filling image per page."""
    record = pymupdf.open()
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        width, height = (72 * px / DPI for px in image.size)
        page = record.new_page(width=width, height=height)
        page.insert_image(page.rect, stream=buffer.getvalue())
    record.save(path, deflate=True, no_new_id=True)  # no random /ID: same seed, same bytes
    record.close()


def make_text_pdf(path: Path, text: str) -> Path:
    """A born-digital PDF with a real text layer; ``\\f`` in ``text`` starts a new page."""
    record = pymupdf.open()
    for page_text in text.split("\f"):
        page = record.new_page(width=595, height=842)
        page.insert_textbox(pymupdf.Rect(72, 72, 523, 770), page_text, fontsize=12)
    record.save(path, no_new_id=True)
    record.close()
    return Path(path)
