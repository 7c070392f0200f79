"""Why a file was refused, in Indonesian, for the people uploading it.

The refusals are written (and stored with a batch's items) in English, the API's language;
a person at an upload desk reads them in Indonesian. The table below matches the English
sentences the intake writes (ingest.sniff, intake.uploads, intake.zips, intake.batches) and
says them again; an unknown sentence passes through unchanged rather than disappear.
"""

from __future__ import annotations

import re

_WHAT = {"PDF": "PDF", "PNG image": "gambar PNG", "JPEG image": "gambar JPEG",
         "TIFF image": "gambar TIFF"}  # fmt: skip

# (English pattern, Indonesian template): the first full match wins.
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), t)
    for p, t in [
        (r"The file is empty\.", "Berkas kosong."),
        (r"This file is not a PDF, TIFF, JPEG or PNG scan, so it cannot be archived\.",
         "Berkas ini bukan pindaian PDF, TIFF, JPEG atau PNG, sehingga tidak dapat diarsipkan."),
        (r"The (?P<what>.+) is damaged or incomplete and cannot be read\. Please upload it again\.",
         "Berkas {what} rusak atau tidak lengkap sehingga tidak terbaca. Unggah ulang."),
        (r"The PDF is password-protected\. Please upload it without a password\.",
         "PDF dilindungi kata sandi. Unggah tanpa kata sandi."),
        (r"The file has more than (?P<n>\d+) pages\. Please split it into smaller files\.",
         "Berkas lebih dari {n} halaman. Pecah menjadi beberapa berkas."),
        (r"The image is too large \((?P<w>\d+) x (?P<h>\d+) pixels\)\. "
         r"The limit is (?P<mp>[\d.]+) megapixels\.",
         "Gambar terlalu besar ({w} x {h} piksel). Batasnya {mp} megapiksel."),
        (r"The image is too large\. The limit is (?P<mp>[\d.]+) megapixels\.",
         "Gambar terlalu besar. Batasnya {mp} megapiksel."),
        (r"The file is larger than (?P<n>\d+) MB\.", "Berkas lebih besar dari {n} MB."),
        (r"already archived; it had failed, so it was queued again",
         "sudah ada di arsip; sebelumnya gagal, jadi dimasukkan lagi ke antrean"),
        (r"already archived", "sudah ada di arsip"),
        (r"metadata: (?P<rest>.*)", "metadata tidak valid: {rest}"),
        (r"The ZIP file is damaged or not a ZIP: (?P<rest>.*)",
         "Berkas ZIP rusak atau bukan ZIP: {rest}"),
        (r"The ZIP holds (?P<n>\d+) files; at most (?P<max>\d+) are accepted\.",
         "ZIP berisi {n} berkas; paling banyak {max} yang diterima."),
        (r"The ZIP would unpack to (?P<n>\d+) MB; at most (?P<max>\d+) MB are accepted\.",
         "ZIP akan terurai menjadi {n} MB; paling banyak {max} MB yang diterima."),
        (r"its path points outside the archive \(zip-slip\); not extracted",
         "jalurnya menunjuk ke luar arsip (zip-slip); tidak diekstrak"),
        (r"it is a symbolic link; not extracted", "berupa tautan simbolik; tidak diekstrak"),
        (r"archives inside the archive are not accepted; unpack it first",
         "arsip di dalam arsip tidak diterima; ekstrak dulu"),
        (r"archives inside the archive are not accepted", "arsip di dalam arsip tidak diterima"),
        (r"its compression ratio is that of a zip bomb; not extracted",
         "rasio kompresinya seperti bom zip; tidak diekstrak"),
        (r"it is encrypted; not extracted", "terenkripsi; tidak diekstrak"),
        (r"it unpacks past its declared size; refused",
         "terurai melebihi ukuran yang dinyatakan; ditolak"),
        (r"it could not be read: (?P<rest>.*)", "tidak dapat dibaca: {rest}"),
    ]
]  # fmt: skip


def in_indonesian(message: str) -> str:
    """The refusal ``message`` in Indonesian ("" stays "")."""
    for pattern, template in _REASONS:
        match = pattern.fullmatch(message.strip())
        if match:
            words = {k: _WHAT.get(v, v) for k, v in match.groupdict().items()}
            return template.format(**words)
    return message
