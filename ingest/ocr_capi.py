"""The page OCR call, made on Tesseract's C API so that the interpreter lock is free meanwhile.

tesserocr's ``ProcessPages`` (the one call that writes the page's PDF and text and leaves the
word table in the engine) keeps the interpreter lock for the whole page, ~0.55 s, where its
``Recognize`` lets it go: the pipeline's side thread (decoding the upload, the previews, the
QR-code search; pipeline.ocr_page) could not run beside Tesseract and ran after it, on the
one busy core. Measured: a thread counting in a loop ran 50x slower beside ``ProcessPages``
than beside ``Recognize``. ctypes lets the lock go around a foreign call, so the very same
call of the very same library (the libtesseract that tesserocr loaded, found in this
process's memory map) runs here with the lock free. Same engine, models, variables and
renderers as tesserocr sets up, so the same output: on 120 generated forms the word table,
the text and the page PDF (but for its dates and id) were byte for byte those of tesserocr.

Where that library cannot be found (another platform, or a tesserocr built against a system
Tesseract that is not in the map), ``available`` is False and ocr.recognize stays on
tesserocr.
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import tesserocr  # noqa: F401  (loads the libtesseract whose C API is used here)

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
_SIGNATURES = {
    "TessBaseAPICreate": (_P, []),
    "TessBaseAPIInit3": (_I, [_P, _S, _S]),
    "TessBaseAPISetPageSegMode": (None, [_P, _I]),
    "TessBaseAPISetVariable": (_I, [_P, _S, _S]),
    "TessBaseAPIGetDatapath": (_S, [_P]),
    "TessBaseAPIProcessPages": (_I, [_P, _S, _S, _I, _P]),
    "TessBaseAPIGetTsvText": (_P, [_P, _I]),
    "TessBaseAPIClear": (None, [_P]),
    "TessBaseAPIDelete": (None, [_P]),
    "TessDeleteText": (None, [_P]),
    "TessPDFRendererCreate": (_P, [_S, _S, _I]),
    "TessTextRendererCreate": (_P, [_S]),
    "TessResultRendererInsert": (None, [_P, _P]),
    "TessDeleteResultRenderer": (None, [_P]),
}


@functools.cache
def _library() -> ctypes.CDLL | None:
    """The libtesseract already mapped into this process by tesserocr, with its C API typed."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = {line.split()[-1] for line in maps.splitlines() if "/libtesseract" in line}
    if len(paths) != 1:
        return None
    try:
        lib = ctypes.CDLL(paths.pop())
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError):
        return None
    return lib


def available() -> bool:
    return _library() is not None


class PageEngine:
    """One loaded Tesseract engine (``TessBaseAPI``), for one caller at a time."""

    def __init__(self, datapath: str, lang: str, psm: int, variables: dict[str, str]) -> None:
        lib = _library()
        assert lib is not None, "ocr_capi.available() is checked first"
        self._lib = lib
        self._handle = lib.TessBaseAPICreate()
        if lib.TessBaseAPIInit3(self._handle, datapath.encode(), lang.encode()) != 0:
            lib.TessBaseAPIDelete(self._handle)
            raise RuntimeError(f"Tesseract could not load the languages {lang!r}")
        lib.TessBaseAPISetPageSegMode(self._handle, psm)
        for name, value in variables.items():
            self.set_variable(name, value)

    def set_variable(self, name: str, value: str) -> None:
        self._lib.TessBaseAPISetVariable(self._handle, name.encode(), value.encode())

    def process_pages(self, out_base: str, image: str, timeout_ms: int, *, text_only: bool) -> bool:
        """Tesseract's ProcessPages with the PDF and the text renderers, as tesserocr's does
        with ``tessedit_create_pdf`` and ``tessedit_create_txt`` set."""
        lib, base = self._lib, out_base.encode()
        renderer = lib.TessPDFRendererCreate(
            base, lib.TessBaseAPIGetDatapath(self._handle), int(text_only)
        )
        lib.TessResultRendererInsert(renderer, lib.TessTextRendererCreate(base))
        try:
            return bool(
                lib.TessBaseAPIProcessPages(
                    self._handle, image.encode(), None, timeout_ms, renderer
                )
            )
        finally:
            lib.TessDeleteResultRenderer(renderer)  # and the text renderer inserted after it

    def tsv_text(self, page: int = 0) -> str:
        pointer = self._lib.TessBaseAPIGetTsvText(self._handle, page)
        if not pointer:
            raise RuntimeError("Tesseract has no word table: no page was read")
        try:
            return ctypes.string_at(pointer).decode("utf-8")
        finally:
            self._lib.TessDeleteText(pointer)

    def clear(self) -> None:
        self._lib.TessBaseAPIClear(self._handle)
