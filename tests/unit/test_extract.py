"""Metadata read from the page: codes (real zxing) and the printed header (real Tesseract).

Story: an archivist uploads a scanned C.Hasil; the machine proposes election, form, year,
places and TPS, each with a confidence, so that only unsure or contradicted fields need a
human. A wrong value with high confidence is the failure these tests guard against. The OCR'd
forms are processed once per module (fixtures) and several tests read each result.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from ingest import extract
from ingest.codes import parse_codes, read_codes
from ingest.extract import REVIEW_THRESHOLD
from ingest.header import parse_header
from ingest.models import FieldReading, FileKind, OcrSettings, PageContext
from ingest.pipeline import process_file
from ingest.terms import CODE_CONFIDENCE, CONFLICT_CONFIDENCE
from tests.formgen import PAGE_PX, draw_page, make_form
from tests.qr_forms import code_image, make_form_with_qr, place_code
from vocabulary.elections import load_vocabulary

VOCABULARY = load_vocabulary()
JATEN = dict(province="Jawa Tengah", regency="Karanganyar", district="Jaten", village="Papahan")
SURABAYA = dict(
    province="Jawa Timur", regency="Kota Surabaya", district="Tegalsari", village="Kedungdoro"
)


def processed(path: Path, workdir: Path):
    out = workdir / f"out-{path.stem}"
    out.mkdir()
    readers = {"codes": read_codes, "header": extract.header_reader(VOCABULARY)}
    return process_file(path, FileKind.PNG, out, OcrSettings(), readers=readers).pages[0]


def values(fields: dict[str, FieldReading]) -> dict:
    return {name: reading.value for name, reading in fields.items()}


def sure(fields: dict[str, FieldReading]) -> set[str]:
    return {name for name, reading in fields.items() if reading.confidence >= REVIEW_THRESHOLD}


def expected(election: str, form_type: str, tps: int, places: dict, year: int = 2024) -> dict:
    return dict(election=election, form_type=form_type, year=year, tps=tps, **places)


# --- whole forms through the pipeline ------------------------------------------------------


@pytest.fixture(scope="module")
def clean_with_qr(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    payload = "pemilihan=PPWP;kode=33.13.05.2001;tps=005;desa=Papahan"
    return processed(make_form_with_qr(tmp / "clean.png", payload, tps=5, **JATEN), tmp)


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("noisy")
    form = dict(election="DPRD KAB/KOTA", form_type="C.HASIL.SALINAN", tps=120, **SURABAYA)
    return processed(make_form(tmp / "noisy.png", noise=0.02, seed=7, **form), tmp)


@pytest.fixture(scope="module")
def turned_with_qr(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("turned")
    payload = '{"election": "DPD", "tps": 12, "kecamatan": "Jaten", "year": 2024}'
    form = dict(election="DPD", tps=12, noise=0.01, rotate=90, **JATEN)
    return processed(make_form_with_qr(tmp / "turned.png", payload, **form), tmp)


def test_given_a_clean_form_then_every_header_field_is_read_right_and_sure(clean_with_qr):
    header = clean_with_qr.readings["header"]
    assert values(header) == expected("PPWP", "C.HASIL", 5, JATEN)
    assert sure(header) == set(header)


def test_given_a_noisy_form_then_the_header_is_still_read_right(noisy):
    header = noisy.readings["header"]
    assert values(header) == expected("DPRD_KABKOTA", "C.HASIL.SALINAN", 120, SURABAYA)
    assert noisy.readings["codes"] == []


def test_given_a_qr_that_agrees_with_the_header_then_merged_fields_are_surer(clean_with_qr):
    codes = parse_codes(clean_with_qr.readings["codes"], VOCABULARY)
    header = clean_with_qr.readings["header"]
    merged = extract.merge(codes, header)
    assert merged["tps"] == FieldReading(5, merged["tps"].confidence, "qr+header")
    assert merged["tps"].confidence > max(codes["tps"].confidence, header["tps"].confidence)
    assert merged["region_code"].value == "33.13.05.2001"  # only the code carries it
    assert merged["district"].source == "header"
    assert extract.conflicts(codes, header) == []


def test_given_a_form_scanned_sideways_then_codes_and_header_are_read_upright(turned_with_qr):
    assert turned_with_qr.rotation in (90, 270)
    [code] = turned_with_qr.readings["codes"]
    assert code["format"] == "QRCode" and '"tps": 12' in code["text"]
    assert values(turned_with_qr.readings["header"]) == expected("DPD", "C.HASIL", 12, JATEN)
    merged = extract.merge(parse_codes([code]), turned_with_qr.readings["header"])
    assert {name for name, r in merged.items() if r.source == "qr+header"} == {
        "election", "tps", "district", "year",
    }  # fmt: skip


def test_given_a_qr_that_contradicts_the_header_then_the_code_wins_unsure(tmp_path):
    path = make_form_with_qr(tmp_path / "c.png", "tps=7;kelurahan=Ngringo", tps=5, **JATEN)
    page = processed(path, tmp_path)
    codes, header = parse_codes(page.readings["codes"]), page.readings["header"]
    merged = extract.merge(codes, header)
    assert (merged["tps"].value, merged["village"].value) == (7, "Ngringo")
    assert merged["tps"].confidence < REVIEW_THRESHOLD
    found = {(c.field, c.code_value, c.header_value) for c in extract.conflicts(codes, header)}
    assert found == {("tps", 7, 5), ("village", "Ngringo", "Papahan")}


def test_given_a_page_without_a_header_then_no_field_is_read(tmp_path):
    letter = Image.new("L", PAGE_PX, 255)
    draw = ImageDraw.Draw(letter)
    lines = [
        "Kepada Yth. Ketua KPU Kabupaten Karanganyar",
        "Dengan hormat, bersama ini kami sampaikan laporan kegiatan",
        "sosialisasi pemilihan umum tahun 2024 di wilayah kecamatan kami.",
        "Provinsi dan kabupaten telah menerima salinan laporan ini.",
        "Hormat kami, Sekretariat",
    ]
    for index, line in enumerate(lines):
        draw.text((200, 300 + 90 * index), line, fill=0, font_size=48)
    letter.save(tmp_path / "letter.png", dpi=(300, 300))
    page = processed(tmp_path / "letter.png", tmp_path)
    assert "laporan" in page.text
    assert page.readings == {"codes": [], "header": {}}


# --- the header parser on OCR text ---------------------------------------------------------

HEADER = """MODEL C.HASIL-PPWP
SERTIFIKAT HASIL PENGHITUNGAN PEROLEHAN SUARA
PEMILIHAN UMUM PRESIDEN DAN WAKIL PRESIDEN TAHUN 2024
PROVINSI : Jawa Tengah
KABUPATEN/KOTA : Karanganyar
KECAMATAN : Jaten
KELURAHAN/DESA : Papahan
{tps_line}"""


def header_with(tps_line: str = "TPS : 005", **lines: str) -> dict[str, FieldReading]:
    """The header above with its TPS line, and any of its ``marker``/``title`` lines, replaced."""
    text = HEADER.format(tps_line=tps_line)
    text = text.replace("MODEL C.HASIL-PPWP", lines.get("marker", "MODEL C.HASIL-PPWP"))
    title = "PEMILIHAN UMUM PRESIDEN DAN WAKIL PRESIDEN TAHUN 2024"
    return parse_header(text.replace(title, lines.get("title", title)), VOCABULARY)


@pytest.mark.parametrize(
    ("line", "tps", "is_sure"),
    [
        ("TPS : 005", 5, True),
        ("tps   :   005", 5, True),
        ("TPS 005", 5, True),  # colon lost: tolerated
        ("TPS 1055", 55, True),  # ": 055" with the colon read as "1": four digits expose it
        ("TPS1055", 55, True),
        ("TPS 1 055", 55, True),
        ("TPS | “1 113", 113, True),
        ("TPS 0 : 981", 981, True),  # junk before the colon
        ("TPS D1 041", 41, False),  # junk for a colon, not the usual "1": a little unsure
        ("TPS : 005 |", 5, True),
        ("TPS 201 414", 414, False),  # nothing follows the TPS, but what was 201?
        ("TPS 2.49", 249, False),  # dust read as a point
        ("TPS 01160", 160, False),  # five digits: the last three, unsure
        ("TPS 1100", 100, True),
        ("TPS 155", 155, False),  # three digits: 155, though maybe ": 55" with a 0 lost
        ("TPS : 155", 155, True),  # with its colon seen, 155 is just 155
        ("TPS : 1055", 55, False),  # colon seen AND four digits: which digit is extra?
        ("TPS : 55", 55, False),  # a printed digit was lost: 055 or 155?
        ("TPS : O55", 55, False),  # letter O read for a zero
        ("TPS : 000", None, None),
        ("TPS : 12345", 345, False),
    ],
)
def test_given_a_tps_line_then_the_three_digit_rule_repairs_or_doubts_it(line, tps, is_sure):
    reading = header_with(line).get("tps")
    if tps is None:
        assert reading is None
    else:
        assert reading.value == tps
        assert (reading.confidence >= REVIEW_THRESHOLD) is is_sure, reading


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("KECAMATAN : Jaten", "KECAMATAN Jaten", "district", "Jaten"),
        ("KECAMATAN : Jaten", "kecamatan:JATEN", "district", "Jaten"),
        ("KECAMATAN : Jaten", "KECAMATAN 1 Jaten", "district", "Jaten"),
        ("KECAMATAN : Jaten", "KECAMATAM : Jaten", "district", "Jaten"),
        ("KECAMATAN : Jaten", "_ KECAMATAN ° : Jaten.", "district", "Jaten"),
        ("KELURAHAN/DESA : Papahan", "KELURAHAN / DESA : Papahan", "village", "Papahan"),
        ("KELURAHAN/DESA : Papahan", "KELURAHANIDESA : 1 Ulu", "village", "1 Ulu"),
        ("KABUPATEN/KOTA : Karanganyar", "KABUPATEN/K0TA ‘> KARANGANYAR", "regency", "Karanganyar"),
        ("PROVINSI : Jawa Tengah", "PROVlNSI :  Jawa   Tengah .", "province", "Jawa Tengah"),
        ("PROVINSI : Jawa Tengah", "PROVINSI h : Jawa Tengah", "province", "Jawa Tengah"),
        ("PROVINSI : Jawa Tengah", "PROVINSI D0 Jawa Tengah", "province", "Jawa Tengah"),
        ("KECAMATAN : Jaten", "KECAMATAN ot Jaten", "district", "Jaten"),
        ("KELURAHAN/DESA : Papahan", "KELURAHAN/DESA —_—:: Papahan _", "village", "Papahan"),
    ],
)
def test_given_ocr_noise_on_a_region_line_then_the_value_is_still_read(old, new, field, value):
    text = HEADER.format(tps_line="TPS : 005").replace(old, new)
    assert parse_header(text, VOCABULARY)[field].value == value


@pytest.mark.parametrize(
    "line",
    [
        "KECAMATAN : Seberang Ulu |",  # was "Ulu I"? a stripped "|" may have been a letter
        "KECAMATAN : J@ten#2",  # not shaped like a place name
        "KECAMATAN : 1Jaten ©",  # a digit glued to a name
        "KECAMATAM : Jaten ‘|",  # fuzzy label and letter-like junk together
    ],
)
def test_given_a_doubtful_region_value_then_it_is_unsure(line):
    text = HEADER.format(tps_line="TPS : 005").replace("KECAMATAN : Jaten", line)
    assert parse_header(text, VOCABULARY)["district"].confidence < REVIEW_THRESHOLD


@pytest.mark.parametrize(
    ("marker", "title", "election", "form_type"),
    [
        ("MODEL C.HASIL-PPWP", "PRESIDEN DAN WAKIL PRESIDEN", "PPWP", "C.HASIL"),
        ("MODEL C HASIL-PPWP", "PRESIDEN DAN WAKIL PRESIDEN", "PPWP", "C.HASIL"),
        ("MODEL CHASIL - PPWP", "PRESIDEN DAN WAKIL PRESIDEN", "PPWP", "C.HASIL"),
        ("MODEL C.HASIL.SALINAN-DPD", "ANGGOTA DEWAN PERWAKILAN DAERAH", "DPD", "C.HASIL.SALINAN"),
        ("MODEL C.HASIL-DPRD KAB/KOTA", "ANGGOTA DPRD KABUPATEN/KOTA", "DPRD_KABKOTA", "C.HASIL"),
        ("MODEL C.HASIL-DPRD PROV", "ANGGOTA DPRD PROVINSI", "DPRD_PROV", "C.HASIL"),
        ("MODEL C.HASIL-DPR", "ANGGOTA DEWAN PERWAKILAN RAKYAT", "DPR", "C.HASIL"),
        ("MODEL C.HASIL-KWK", "GUBERNUR DAN WAKIL GUBERNUR", "PILGUB", "C.HASIL"),
        (
            "MODEL D.HASIL KECAMATAN-PPWP",
            "PRESIDEN DAN WAKIL PRESIDEN",
            "PPWP",
            "D.HASIL.KECAMATAN",
        ),
    ],
)
def test_given_a_model_marker_and_title_then_form_and_election_map_to_codes(
    marker, title, election, form_type
):
    fields = header_with(marker=marker, title=f"PEMILIHAN {title} TAHUN 2024")
    assert (fields["election"].value, fields["form_type"].value) == (election, form_type)
    assert {"election", "form_type", "year"} <= sure(fields)


def test_given_marker_and_title_naming_different_elections_then_election_is_unsure():
    fields = header_with(title="PEMILIHAN UMUM ANGGOTA DEWAN PERWAKILAN DAERAH TAHUN 2024")
    assert fields["election"].value == "PPWP"
    assert fields["election"].confidence < REVIEW_THRESHOLD


def test_given_a_year_without_that_election_then_the_year_is_unsure():
    fields = header_with(title="PEMILIHAN UMUM PRESIDEN DAN WAKIL PRESIDEN TAHUN 2023")
    assert fields["year"].value == 2023 and fields["year"].confidence < REVIEW_THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Laporan kegiatan tahun 2024\nKecamatan Jaten mengadakan rapat.",
        "NO. URUT | NAMA PASANGAN CALON\n1 BUDI SANTOSO 123\nTPS ini ditutup.",
        "PEMILIHAN UMUM PRESIDEN DAN WAKIL PRESIDEN TAHUN 2024",  # a title alone is no header
    ],
)
def test_given_text_without_a_form_header_then_nothing_is_read(text):
    assert parse_header(text, VOCABULARY) == {}


# --- code payloads -------------------------------------------------------------------------

FULL = {
    "election": "PPWP", "form_type": "C.HASIL", "year": 2024, "province": "Jawa Tengah",
    "regency": "Karanganyar", "district": "Jaten", "village": "Papahan", "tps": 5,
    "region_code": "33.13.05.2001",
}  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ('{"election": "PPWP", "form_type": "C.HASIL", "year": 2024, "province": "Jawa Tengah",'
         ' "regency": "Karanganyar", "district": "Jaten", "village": "Papahan", "tps": 5,'
         ' "region_code": "33.13.05.2001"}', FULL),
        ("pemilihan=PPWP;model=C.HASIL-PPWP;tahun=2024;provinsi=JAWA TENGAH;kabupaten=Karanganyar;"
         "kecamatan=Jaten;desa=Papahan;tps=005;kode=33.13.05.2001", FULL),
        ("election=ppwp&form=c.hasil&year=2024&province=Jawa+Tengah&regency=Karanganyar&"
         "district=Jaten&village=Papahan&tps=TPS+005&region_code=3313052001", FULL),
        ("https://kpu.example/c?tps=005&kode=33.13.05.2001",
         {"tps": 5, "region_code": "33.13.05.2001"}),
        ("Pemilihan = DPD\nTPS = 12\nKelurahan/Desa = Ngringo",
         {"election": "DPD", "tps": 12, "village": "Ngringo"}),
        ("33.13.05.2001-TPS005", {"region_code": "33.13.05.2001", "tps": 5}),
        ("33.13.05.2001 TPS 5", {"region_code": "33.13.05.2001", "tps": 5}),
        ("33.13.05", {"region_code": "33.13.05"}),
        ("33.13-TPS005", {"region_code": "33.13"}),  # a TPS belongs to a village code only
        ("tps=0;year=1800;pemilihan=PEMILU;kode=3.13;warna=merah", {}),  # refused, not guessed
        ("hello world", {}),
        ("{not json", {}),
    ],
)  # fmt: skip
def test_given_a_code_payload_then_its_fields_are_normalised(payload, fields):
    read = parse_codes([{"format": "QRCode", "text": payload}], VOCABULARY)
    assert values(read) == fields
    assert all(r.confidence == CODE_CONFIDENCE and r.source == "qr" for r in read.values())


def test_given_two_codes_that_disagree_then_the_first_value_is_kept_unsure():
    codes = [{"text": "tps=5;tahun=2024"}, {"text": "33.13.05.2001-TPS006"}]
    read = parse_codes(codes, VOCABULARY)
    assert read["tps"] == FieldReading(5, CONFLICT_CONFIDENCE, "qr")
    assert read["year"].confidence == CODE_CONFIDENCE


def test_given_readings_from_one_source_only_then_merge_keeps_them_as_they_are():
    code = {"region_code": FieldReading("33.13", 0.99, "qr")}
    header = {"district": FieldReading("Jaten", 0.9, "header")}
    assert extract.merge(code, header) == code | header
    assert extract.merge({}, {}) == {}


# --- codes on page images (zxing, no OCR) --------------------------------------------------


@pytest.fixture(scope="module")
def blank_form() -> Image.Image:
    fields = dict(election="PPWP", form_type="C.HASIL", year=2024, tps=5, **JATEN)
    return draw_page(noise=0.02, votes=(1, 2), invalid=0, unique_word=None, **fields)


def saved(page: Image.Image, path: Path) -> PageContext:
    page.save(path, dpi=(300, 300))
    return PageContext(1, path, 300, 0, "", path.with_suffix(".tsv"))


def read_page(page: Image.Image, path: Path) -> list[dict]:
    return read_codes(saved(page, path))


@pytest.mark.parametrize(
    ("code_format", "size_px", "corner", "suffix"),
    [
        ("QRCode", 300, "top-left", ".png"),
        ("QRCode", 140, "top-right", ".jpg"),
        ("DataMatrix", 60, "top-left", ".png"),  # 3-px modules: found again at full size
        ("PDF417", 500, "top-left", ".jpg"),
        ("Code128", 700, "top-left", ".png"),
        ("Aztec", 130, "top-right", ".png"),
    ],
)
def test_given_a_code_printed_on_the_form_then_read_codes_decodes_it_where_it_is(
    blank_form, tmp_path, code_format, size_px, corner, suffix
):
    payload = "33.13.05.2001-TPS005"
    page = place_code(blank_form.copy(), payload, size_px=size_px, corner=corner,
                      code_format=code_format)  # fmt: skip
    [code] = read_page(page, tmp_path / f"page{suffix}")
    assert (code["format"], code["text"]) == (code_format, payload)
    left, top, right, bottom = code["box"]
    assert top < 330 and bottom < 330  # in the header, in page pixels
    assert (left < 1240) is (corner == "top-left")


def printed(page: Image.Image, code: Image.Image, x: int, y: int) -> Image.Image:
    page.paste(ImageChops.darker(page.crop((x, y, x + code.width, y + code.height)), code), (x, y))
    return page


@pytest.mark.parametrize(("code_format", "side"), [
    ("Code128", "left"), ("Code128", "right"), ("PDF417", "left"), ("PDF417", "right"),
])  # fmt: skip
def test_given_a_barcode_printed_upright_along_a_side_margin_then_it_is_read(
    blank_form, tmp_path, code_format, side
):
    """Across the page 1-D codes are searched one way only; the margins are searched turned
    (PDF417 is found turned by the 2-D search)."""
    code = code_image("33.13.05.2001-TPS005", 700, code_format).transpose(Image.Transpose.ROTATE_90)
    page = blank_form.copy()
    x = 20 if side == "left" else page.width - 20 - code.width
    page = printed(page, code, x, 1200)
    [found] = read_page(page, tmp_path / "page.png")
    assert (found["format"], found["text"]) == (code_format, "33.13.05.2001-TPS005")
    left, top, right, bottom = found["box"]
    assert 1200 <= top < bottom <= 1200 + code.height
    assert (right < 400) if side == "left" else (left > page.width - 400)


@pytest.mark.parametrize("code_format", ["QRCode", "DataMatrix", "Aztec"])
@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270])
def test_given_a_2d_code_printed_sideways_mid_page_then_it_is_read(
    blank_form, tmp_path, code_format, turn
):
    """A form may print its 2-D code turned; zxing must find it at any quarter turn."""
    code = code_image("33.13.05.2001-TPS005", 240, code_format).transpose(turn)
    page = printed(blank_form.copy(), code, 1700, 2900)  # below the table, clear of text
    [found] = read_page(page, tmp_path / "page.png")
    assert (found["format"], found["text"]) == (code_format, "33.13.05.2001-TPS005")


@pytest.mark.parametrize("size", [(1, 1), (5, 40)])
def test_given_a_page_of_a_few_pixels_then_no_code_is_found_and_nothing_fails(tmp_path, size):
    assert read_page(Image.new("L", size, 255), tmp_path / "tiny.png") == []


@pytest.mark.parametrize("mode", ["1", "P"])
def test_given_a_bilevel_or_palette_scan_then_its_code_is_read(blank_form, tmp_path, mode):
    page = place_code(blank_form.copy(), "tps=5", size_px=300).convert(mode)
    [code] = read_page(page, tmp_path / "scan.png")  # 1-bit scans are common (linn.png is one)
    assert code["text"] == "tps=5"


def test_given_a_600_dpi_scan_then_codes_are_found_and_placed_in_its_own_pixels(
    blank_form, tmp_path
):
    page = place_code(blank_form.copy(), "tps=5", size_px=200)
    big = page.resize((page.width * 2, page.height * 2), Image.Resampling.BICUBIC)
    [code] = read_page(big, tmp_path / "big.jpg")
    assert code["text"] == "tps=5"
    assert code["box"][0] > 400 and code["box"][2] < 1000  # placed at x 200-400 at 300 dpi


def test_given_a_page_without_codes_then_reading_is_cheap_and_finds_nothing(blank_form, tmp_path):
    context = saved(blank_form, tmp_path / "page.png")
    read_codes(context)  # warm up
    started = time.perf_counter()
    assert read_codes(context) == []
    assert time.perf_counter() - started < 0.5  # ~0.05 s measured; the bound only catches a
    # regression to a much slower search (e.g. every format, inverted, at full size: ~0.3 s)
