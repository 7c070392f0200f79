"""The services' own sentences (validation, holds, schedules, searches), in the reader's
language.

The rules that write them (the domain, the services, the search query parser) know no
request and are shared with the CLI, so they write English, as the API always did. Where a
person reads one, on a page or in an API message, it goes through this table: each known
sentence is said again as an Indonesian message (the catalogues' source language) and
passed through gettext. An unknown sentence is shown as written.
"""

from __future__ import annotations

import re

from flask_babel import gettext

from archive_app.domain.languages import N_

_SENTENCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), t)
    for p, t in [
        # domain/metadata.py: a field of an upload or a review
        (r"This field is required\.", N_("Kolom ini wajib diisi.")),
        (r"Unknown election code (?P<code>.+)\.", N_("Kode pemilihan %(code)s tidak dikenal.")),
        (r"Unknown form type (?P<code>.+)\.", N_("Jenis formulir %(code)s tidak dikenal.")),
        (r"Year must be between (?P<a>\d+) and (?P<b>\d+)\.",
         N_("Tahun harus antara %(a)s dan %(b)s.")),
        (r"At most (?P<n>\d+) characters\.", N_("Paling banyak %(n)s karakter.")),
        (r"TPS must be a number from 1 to (?P<n>\d+)\.",
         N_("TPS harus berupa angka 1 sampai %(n)s.")),
        (r"Use the Kemendagri code form 33, 33\.13, 33\.13\.05 or 33\.13\.05\.2001\.",
         N_("Gunakan bentuk kode Kemendagri 33, 33.13, 33.13.05 atau 33.13.05.2001.")),
        (r"Use the form YYYY-MM-DD\.", N_("Gunakan bentuk TTTT-BB-HH.")),
        (r"Remove the invisible control characters from this text\.",
         N_("Hapus karakter kontrol tak terlihat dari teks ini.")),
        # recordkeeping/holds.py
        (r"A hold needs a reason and a case reference\.",
         N_("Penahanan memerlukan alasan dan nomor perkara.")),
        (r"Give either document_ids or a query, not both or neither\.",
         N_("Berikan document_ids atau query, salah satu saja.")),
        (r"Unknown records: (?P<ids>.*)", N_("Arsip tidak dikenal: %(ids)s")),
        (r"A query-scoped hold needs at least one search term or filter\.",
         N_("Penahanan atas pencarian memerlukan paling sedikit satu kata atau saringan.")),
        (r"Releasing a hold needs a reason\.", N_("Pencabutan penahanan memerlukan alasan.")),
        # domain/disposition.py, recordkeeping/disposition.py
        (r"The action must be destroy or transfer\.",
         N_("Tindakan harus pemusnahan (destroy) atau penyerahan (transfer).")),
        (r"A disposition list needs at least one record\.",
         N_("Daftar penyusutan memerlukan paling sedikit satu arsip.")),
        # search/query.py
        (r"tps must be a number from 1 to (?P<n>\d+)", N_("tps harus berupa angka 1 sampai %(n)s")),
        (r"year must be a number", N_("year harus berupa angka")),
        (r"flag must be one of (?P<v>.*)", N_("flag harus salah satu dari %(v)s")),
        (r"retention must be one of (?P<v>.*)", N_("retention harus salah satu dari %(v)s")),
        (r"cursor is not one this server gave out( for this search)?",
         N_("cursor ini bukan yang diberikan server ini")),
        (r"Urutan harus salah satu dari (?P<v>.+) \(sort must be one of .+\)",
         N_("Urutan harus salah satu dari %(v)s")),
        (r"A page number reaches the first (?P<n>\d+) hits \(page (?P<p>\d+) at (?P<k>\d+)"
         r" a page\): narrow the search, or follow its cursor",
         N_("Nomor halaman menjangkau %(n)s hasil pertama (halaman %(p)s dengan %(k)s per"
            " halaman): persempit pencarian, atau ikuti cursor-nya")),
        # domain/saved_searches.py (written in both languages; said in one)
        (r"Beri nama pencarian ini \(Give this search a name\)\.",
         N_("Beri nama pencarian ini.")),
        (r"Nama paling panjang (?P<n>\d+) karakter \(a name has at most \d+ characters\)\.",
         N_("Nama paling panjang %(n)s karakter.")),
        # recap/comparison.py: the region a recapitulation is asked for
        (r"region must be a region or TPS code, e\.g\. (?P<e>\S+)",
         N_("region harus kode wilayah atau TPS, misalnya %(e)s")),
        (r"give region or the province \.\.\. tps codes, not both",
         N_("Berikan region atau kode province sampai tps, salah satu saja.")),
        (r"year must be an election year, e\.g\. (?P<e>\d+)",
         N_("year harus tahun pemilu, misalnya %(e)s")),
        (r"year is required for this election", N_("year wajib diisi untuk pemilu ini")),
        (r"election must be one of (?P<v>.+)", N_("election harus salah satu dari %(v)s")),
        (r"level must be one of (?P<v>.+)", N_("level harus salah satu dari %(v)s")),
        (r"(?P<name>[a-z]+) must be a code \(digits\), e\.g\. (?P<e>\S+)",
         N_("%(name)s harus berupa kode (angka), misalnya %(e)s")),
        (r"(?P<name>[a-z]+) must be a (?P<w>\d+)-digit code, e\.g\. (?P<e>\S+)",
         N_("%(name)s harus kode %(w)s angka, misalnya %(e)s")),
        (r"(?P<name>[a-z]+) (?P<raw>\S+) is not inside (?P<code>\S+)",
         N_("%(name)s %(raw)s tidak berada di dalam %(code)s")),
        # records/review.py: why a record cannot be confirmed now
        (r"the record was changed meanwhile: open it again",
         N_("arsip ini baru saja diubah: buka lagi")),
        (r"the record does not wait for review", N_("arsip ini tidak menunggu tinjauan")),
        (r"the record is under a legal hold", N_("arsip ini ditahan karena penahanan hukum")),
        (r"the record is on disposition list (?P<n>\d+) \((?P<status>[^)]+)\)",
         N_("arsip ini ada di daftar penyusutan %(n)s (%(status)s)")),
        (r"the record is (?P<state>[a-z_]+)", N_("status arsip ini %(state)s")),
        (r"this form type or election moves the record to another retention series",
         N_("jenis formulir atau pemilihan ini memindahkan arsip ke seri retensi lain")),
        # domain/retention.py: a schedule being edited
        (r"(?P<where>.+): every series needs a unique code",
         N_("%(where)s: setiap seri memerlukan kode yang unik")),
        (r"(?P<where>.+): retention years must be between 0 and 200",
         N_("%(where)s: masa retensi harus antara 0 dan 200 tahun")),
        (r"(?P<where>.+): name at least one form type",
         N_("%(where)s: sebutkan paling sedikit satu jenis formulir")),
        (r"(?P<where>.+): a series code has at most (?P<n>\d+) characters",
         N_("%(where)s: kode seri paling panjang %(n)s karakter")),
        (r"a schedule needs at least one series",
         N_("jadwal memerlukan paling sedikit satu seri")),
        (r"(?P<where>.+): unknown form type (?P<code>.+)",
         N_("%(where)s: jenis formulir %(code)s tidak dikenal")),
        (r"(?P<where>.+): unknown election (?P<code>.+)",
         N_("%(where)s: pemilihan %(code)s tidak dikenal")),
        (r"series (?P<a>\S+) and (?P<b>\S+) both cover (?P<form>\S+) for election (?P<e>\S+)",
         N_("seri %(a)s dan %(b)s sama-sama mencakup %(form)s untuk pemilihan %(e)s")),
    ]
]  # fmt: skip


def said(message: object) -> str:
    """``message`` (a sentence or an exception) in the request's language."""
    text = str(message)
    for pattern, template in _SENTENCES:
        match = pattern.fullmatch(text.strip())
        if match:
            return gettext(template, **{k: v or "" for k, v in match.groupdict().items()})
    return text


def said_fields(fields: dict) -> dict:
    """A form's errors (field -> sentence) in the request's language."""
    return {name: said(message) for name, message in fields.items()}
