"""Why a file was refused, in the language of the person uploading it.

The refusals are written (and stored with a batch's items) in English by code that knows
no request (ingest.sniff, intake.uploads, intake.zips, intake.batches); a stored sentence
must read the same whatever language its reader chose. The table below matches those
sentences and says them again as Indonesian messages, the source language of the
catalogues: ``translated`` passes them through gettext (English readers get en.po's words),
``in_indonesian`` gives the Indonesian itself. An unknown sentence passes through unchanged
rather than disappear.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext

from archive_app.domain.languages import N_

_WHAT = {"PDF": "PDF", "PNG image": N_("gambar PNG"), "JPEG image": N_("gambar JPEG"),
         "TIFF image": N_("gambar TIFF")}  # fmt: skip

# the end of ingest.sniff's page_size refusals, whatever the page
_NOT_A_PAGE = (
    r", which is not the size or shape of a scanned page\. Each side must be (?P<min>\d+) to "
    r"(?P<max>\d+) (?:pixels|mm), and the long side at most (?P<k>\d+) times the short side\."
)

# (English pattern, Indonesian template): the first full match wins.
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), t)
    for p, t in [
        (r"The file is empty\.", N_("Berkas kosong.")),
        (r"This file is not a PDF, TIFF, JPEG or PNG scan, so it cannot be archived\.",
         N_("Berkas ini bukan pindaian PDF, TIFF, JPEG atau PNG, "
            "sehingga tidak dapat diarsipkan.")),
        (r"The (?P<what>.+) is damaged or incomplete and cannot be read\. Please upload it again\.",
         N_("Berkas %(what)s rusak atau tidak lengkap sehingga tidak terbaca. Unggah ulang.")),
        (r"The PDF is password-protected\. Please upload it without a password\.",
         N_("PDF dilindungi kata sandi. Unggah tanpa kata sandi.")),
        (r"The file has more than (?P<n>\d+) pages\. Please split it into smaller files\.",
         N_("Berkas lebih dari %(n)s halaman. Pecah menjadi beberapa berkas.")),
        (r"The image is too large \((?P<w>\d+) x (?P<h>\d+) pixels\)\. "
         r"The limit is (?P<mp>[\d.]+) megapixels\.",
         N_("Gambar terlalu besar (%(w)s x %(h)s piksel). Batasnya %(mp)s megapiksel.")),
        (r"The image is too large\. The limit is (?P<mp>[\d.]+) megapixels\.",
         N_("Gambar terlalu besar. Batasnya %(mp)s megapiksel.")),
        (r"The file is larger than (?P<n>\d+) MB\.", N_("Berkas lebih besar dari %(n)s MB.")),
        (r"The image is (?P<w>[\d.]+) x (?P<h>[\d.]+) pixels" + _NOT_A_PAGE,
         N_("Gambar berukuran %(w)s x %(h)s piksel, bukan ukuran atau bentuk halaman pindaian. "
            "Tiap sisi harus %(min)s sampai %(max)s piksel, dan sisi panjang paling banyak "
            "%(k)s kali sisi pendek.")),
        (r"Page (?P<n>\d+) of the TIFF image is (?P<w>[\d.]+) x (?P<h>[\d.]+) pixels"
         + _NOT_A_PAGE,
         N_("Halaman %(n)s gambar TIFF berukuran %(w)s x %(h)s piksel, bukan ukuran atau bentuk "
            "halaman pindaian. Tiap sisi harus %(min)s sampai %(max)s piksel, dan sisi panjang "
            "paling banyak %(k)s kali sisi pendek.")),
        (r"Page (?P<n>\d+) of the PDF is (?P<w>[\d.]+) x (?P<h>[\d.]+) mm" + _NOT_A_PAGE,
         N_("Halaman %(n)s PDF berukuran %(w)s x %(h)s mm, bukan ukuran atau bentuk halaman "
            "pindaian. Tiap sisi harus %(min)s sampai %(max)s mm, dan sisi panjang paling "
            "banyak %(k)s kali sisi pendek.")),
        (r"already archived; it had failed, so it was queued again",
         N_("sudah ada di arsip; sebelumnya gagal, jadi dimasukkan lagi ke antrean")),
        (r"already archived", N_("sudah ada di arsip")),
        (r"metadata: (?P<rest>.*)", N_("metadata tidak valid: %(rest)s")),
        (r"The ZIP file is damaged or not a ZIP: (?P<rest>.*)",
         N_("Berkas ZIP rusak atau bukan ZIP: %(rest)s")),
        (r"The ZIP holds (?P<n>\d+) files; at most (?P<max>\d+) are accepted\.",
         N_("ZIP berisi %(n)s berkas; paling banyak %(max)s yang diterima.")),
        (r"The ZIP would unpack to (?P<n>\d+) MB; at most (?P<max>\d+) MB are accepted\.",
         N_("ZIP akan terurai menjadi %(n)s MB; paling banyak %(max)s MB yang diterima.")),
        (r"its path points outside the archive \(zip-slip\); not extracted",
         N_("jalurnya menunjuk ke luar arsip (zip-slip); tidak diekstrak")),
        (r"it is a symbolic link; not extracted", N_("berupa tautan simbolik; tidak diekstrak")),
        (r"archives inside the archive are not accepted; unpack it first",
         N_("arsip di dalam arsip tidak diterima; ekstrak dulu")),
        (r"archives inside the archive are not accepted",
         N_("arsip di dalam arsip tidak diterima")),
        (r"its compression ratio is that of a zip bomb; not extracted",
         N_("rasio kompresinya seperti bom zip; tidak diekstrak")),
        (r"it is encrypted; not extracted", N_("terenkripsi; tidak diekstrak")),
        (r"it unpacks past its declared size; refused",
         N_("terurai melebihi ukuran yang dinyatakan; ditolak")),
        (r"it could not be read: (?P<rest>.*)", N_("tidak dapat dibaca: %(rest)s")),
    ]
]  # fmt: skip


def in_indonesian(message: str) -> str:
    """The refusal ``message`` in Indonesian ("" stays "")."""
    return _say(message, lambda text: text)


def translated(message: str) -> str:
    """The refusal ``message`` in the request's language (Indonesian outside a request)."""
    return _say(message, gettext)


def _say(message: str, translate: Callable[[str], str]) -> str:
    for pattern, template in _REASONS:
        match = pattern.fullmatch(message.strip())
        if match:
            words = {k: translate(_WHAT.get(v, v)) for k, v in match.groupdict().items()}
            return translate(template) % words
    return message
