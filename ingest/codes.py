"""QR codes and barcodes on a form, and the metadata their payloads carry.

Payloads (``parse_codes``). Real KPU payloads are not public, so these are understood:
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
"""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import zxingcpp
from PIL import Image

from ingest.models import FieldReading, PageContext
from ingest.terms import CODE_CONFIDENCE, CONFLICT_CONFIDENCE, find_term, same
from vocabulary.numbers import whole_number
from vocabulary.places import FIRST_YEAR, normalize_place, parse_tps

# --- codes on the page ---------------------------------------------------------------------

_F = zxingcpp.BarcodeFormat
# 2-D codes are searched with try_rotate: on a busy page zxing-cpp finds a DataMatrix turned
# a quarter only that way, and PDF417 needs it too; searching QR and Aztec apart without it
# (their detectors find any turn) costs more than it saves (measured: 6 + 14 ms against 15).
MATRIX = zxingcpp.BarcodeFormats(
    (_F.QRCode, _F.MicroQRCode, _F.RMQRCode, _F.DataMatrix, _F.Aztec, _F.PDF417)
)
LINEAR = zxingcpp.BarcodeFormats(
    (_F.Code128, _F.Code39, _F.Code93, _F.ITF, _F.EAN13, _F.EAN8, _F.UPCA, _F.UPCE, _F.Codabar)
)
FULL_PIXELS = 10_000_000  # ~A4 at 300 dpi: pages larger than this are reduced first
MATRIX_PIXELS = 2_500_000  # ~A4 at 150 dpi: enough for 2-D codes with modules >= 0.25 mm
MARGIN_SHARE = 6  # upright barcodes are looked for in the outer 1/6 of the page on each side
SQUEEZE = 4  # ... in margins narrowed this many times (see _upright_in_margins)


def read_codes(context: PageContext) -> list[dict]:
    """Every QR code / barcode on the page: ``{"format", "text", "box", "orientation"}``.

    ``box`` is (left, top, right, bottom) in ``context.image_path`` pixels. Cost on an A4
    300-dpi page without codes is ~0.05 s (zxing on the full page with every format and
    rotation: ~0.1 s): 2-D codes are searched at ~150 dpi and again at full size only where
    zxing saw a symbol it could not decode; 1-D barcodes need the full width of their
    narrow bars, so they are always searched at ~300 dpi: across the whole page, and upright only
    in the side margins (``_upright_in_margins``).
    """
    image = context.gray
    full_factor = _factor(image.width * image.height, FULL_PIXELS)
    page = image.reduce(full_factor) if full_factor > 1 else image
    small_factor = _factor(page.width * page.height, MATRIX_PIXELS)
    small = page.reduce(small_factor) if small_factor > 1 else page
    found = _decode(small, MATRIX, full_factor * small_factor, errors=True)
    if any(not code["valid"] for code in found):
        found = _decode(page, MATRIX, full_factor)
    found += _decode(page, LINEAR, full_factor, rotate=False)
    found += _upright_in_margins(page, full_factor)
    return _unique([code for code in found if code.pop("valid")])


read_codes.pixels_only = True  # type: ignore[attr-defined]  # models.reads_pixels_only


def _upright_in_margins(page, factor: int) -> list[dict]:
    """1-D barcodes printed upright (bars across the page) along the left or right edge.

    Searching the whole page in both directions costs 3-4x searching it across only; forms
    print barcodes across, or upright along a side margin, so only the margins are turned.
    A margin is first narrowed ``SQUEEZE`` times: upright bars run across it, so averaging
    along them keeps every bar while zxing, turning the strip, has that many fewer lines to
    scan (both margins: 10 ms a page, 6 ms narrowed).
    """
    width = page.width // MARGIN_SHARE
    if not width:  # a page a few pixels wide has no margin to search
        return []
    narrow = max(1, width // SQUEEZE)
    scale = width / narrow
    found = []
    for left in (0, page.width - width):
        strip = page.resize((narrow, page.height), Image.Resampling.BOX,
                            box=(left, 0, left + width, page.height))  # fmt: skip
        for code in _decode(strip, LINEAR, 1):  # try_rotate: the bars run across
            x0, y0, x1, y1 = code["box"]
            box = [round((x0 * scale + left) * factor), y0 * factor,
                   round(((x1 + 1) * scale + left) * factor), y1 * factor]  # fmt: skip
            found.append({**code, "box": box})
    return found


def _factor(pixels: int, target: int) -> int:
    return max(1, round((pixels / target) ** 0.5))


def _decode(image, formats, factor: int, errors: bool = False, rotate: bool = True) -> list[dict]:
    """Inverted codes are not tried (printed forms) nor downscaling (we chose the scale)."""
    codes = zxingcpp.read_barcodes(
        _luminance(image), formats=formats, try_invert=False, try_downscale=False,
        try_rotate=rotate, return_errors=errors,
    )  # fmt: skip
    return [_as_dict(code, factor) for code in codes]


def _luminance(image) -> memoryview:
    """The 8-bit gray image as a (height, width) buffer, which zxing-cpp reads in place.

    Handed a PIL image, zxing-cpp takes a fast path only for the plain ``Image`` class; a page
    as decoded from its file (``JpegImageFile`` ...) went a generic way that cost 26 ms for one
    search of an A4 page at 300 dpi, against 3 ms from this buffer (2.4 ms to make).
    """
    return memoryview(image.tobytes()).cast("B", (image.height, image.width))


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
        from vocabulary.elections import load_vocabulary

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
        year = whole_number(raw) or 0
        return year if FIRST_YEAR <= year <= date.today().year + 1 else None
    if name == "region_code":
        undotted = _UNDOTTED.match(raw)
        code = ".".join(p for p in undotted.groups() if p) if undotted else raw
        return code if re.fullmatch(_REGION, code) else None
    place = normalize_place(raw)
    return place if 0 < len(place) <= 100 and re.search(r"[^\W\d_]", place) else None
