"""The audit trail as people read it: actions as phrases (written in Indonesian, read in the
request's language), targets by name (a record by its title, fetched for a whole page in one
query), details as labelled fields.

The stored codes stay what they are (the chain hashes them, the API and scripts filter by
them); these words are only laid over them for reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext

from archive_app.domain.entities import Record
from archive_app.domain.languages import N_
from vocabulary.places import format_tps

ACTION_LABELS = {
    "login": N_("Masuk"),
    "login.failed": N_("Gagal masuk"),
    "login.throttled": N_("Masuk ditahan sementara"),
    "login.unlock": N_("Penahanan masuk dibuka"),
    "logout": N_("Keluar"),
    "upload": N_("Mengunggah dokumen"),
    "download": N_("Mengunduh berkas"),
    "record.view": N_("Membuka dokumen"),
    "search": N_("Mencari"),
    "saved_search.save": N_("Menyimpan pencarian"),
    "saved_search.delete": N_("Menghapus pencarian tersimpan"),
    "metadata.review": N_("Meninjau metadata"),
    "process.ready": N_("Pemrosesan selesai"),
    "process.failed": N_("Pemrosesan gagal"),
    "process.retry": N_("Memproses ulang"),
    "batch.start": N_("Memulai unggahan massal"),
    "batch.reject": N_("Berkas unggahan massal ditolak"),
    "hold.place": N_("Menahan dokumen"),
    "hold.extend": N_("Memperluas penahanan"),
    "hold.release": N_("Mencabut penahanan"),
    "disposition.propose": N_("Mengusulkan daftar"),
    "disposition.approve": N_("Menyetujui daftar"),
    "disposition.reject": N_("Menolak daftar"),
    "disposition.execute": N_("Melaksanakan daftar"),
    "disposition.executed": N_("Daftar selesai dilaksanakan"),
    "disposition.destroyed": N_("Dokumen dimusnahkan"),
    "disposition.transferred": N_("Dokumen diserahkan"),
    "disposition.skip": N_("Dokumen dikecualikan dari daftar"),
    "retention.schedule": N_("Mengubah jadwal retensi"),
    "retention.refresh": N_("Menghitung ulang retensi"),
    "retention.export": N_("Mengekspor daftar retensi"),
    "fixity.run": N_("Memeriksa keutuhan berkas"),
    "fixity.missing": N_("Berkas hilang saat diperiksa"),
    "fixity.changed": N_("Isi berkas berubah saat diperiksa"),
    "preserve.made": N_("Membuat salinan pelestarian"),
    "preserve.failed": N_("Salinan pelestarian gagal"),
    "user.create": N_("Membuat pengguna"),
    "user.update": N_("Mengubah pengguna"),
    "token.create": N_("Membuat token API"),
    "token.revoke": N_("Mencabut token API"),
    "audit.export": N_("Mengekspor jejak audit"),
    "tally.export": N_("Mengekspor hasil hitung"),
    "recap.view": N_("Membuka rekapitulasi"),
    "recap.export": N_("Mengekspor rekapitulasi"),
    "recap.rebuild": N_("Menyusun ulang rekapitulasi"),
    "recap.results_import": N_("Mengimpor hasil resmi"),
    "recap.tps_import": N_("Mengimpor daftar TPS"),
    "index.rebuild": N_("Membangun ulang indeks pencarian"),
    "counts.recount": N_("Menghitung ulang jumlah tersimpan"),
    "tally.lines": N_("Menyimpan baris CSV hasil hitung"),
    "backup.started": N_("Pencadangan dimulai"),
    "backup.completed": N_("Pencadangan selesai"),
    "backup.failed": N_("Pencadangan gagal"),
    "restore.completed": N_("Pemulihan selesai"),
    "transfer": N_("Memindahkan arsip"),
    "transfer.audit": N_("Jejak audit arsip asal disalin"),
    "hold.transfer": N_("Penahanan hukum disalin dari arsip asal"),
    "disposition.transfer": N_("Daftar penyusutan disalin dari arsip asal"),
    "transfer.destroyed": N_("Dimusnahkan di sini, mengikuti pemusnahan di arsip asal"),
    "transfer.transferred": N_("Ditandai sudah diserahkan, mengikuti arsip asal"),
}

DETAIL_LABELS = {
    "origin": N_("Arsip asal"),
    "source_hold": N_("Nomor penahanan di arsip asal"),
    "source_list": N_("Nomor daftar penyusutan di arsip asal"),
    "bytes": N_("Ukuran (bita)"),
    "case_ref": N_("Nomor perkara"),
    "changed": N_("Berubah"),
    "changes": N_("Perubahan"),
    "checked": N_("Diperiksa"),
    "comment": N_("Catatan"),
    "copied": N_("Disalin"),
    "copied_bytes": N_("Bita disalin"),
    "damaged": N_("Rusak"),
    "destination": N_("Tujuan"),
    "document": N_("Dokumen"),
    "election": N_("Pemilu"),
    "error": N_("Galat"),
    "expires_at": N_("Berlaku sampai"),
    "figures": N_("Angka"),
    "file": N_("Berkas"),
    "files": N_("Berkas"),
    "filters": N_("Saringan"),
    "format": N_("Format"),
    "hits": N_("Hasil"),
    "key": N_("Kunci"),
    "keys": N_("Kunci"),
    "kind": N_("Jenis"),
    "label": N_("Label"),
    "list": N_("Daftar"),
    "manifest_sha256": N_("SHA-256 manifes"),
    "mb_per_second": N_("MB per detik"),
    "metadata": N_("Metadata"),
    "missing": N_("Hilang"),
    "name": N_("Nama"),
    "new": N_("Baru"),
    "objects": N_("Objek"),
    "older_than_days": N_("Lebih lama dari (hari)"),
    "package": N_("Paket"),
    "previous": N_("Sebelumnya"),
    "pruned": N_("Dipangkas"),
    "query": N_("Kueri"),
    "reason": N_("Alasan"),
    "reasons": N_("Alasan"),
    "records": N_("Dokumen"),
    "rederived": N_("Dibuat ulang"),
    "redone_pages": N_("Halaman diulang"),
    "regions": N_("Wilayah"),
    "remade": N_("Dibuat ulang"),
    "remake_failed": N_("Gagal dibuat ulang"),
    "resumed": N_("Dilanjutkan"),
    "retention_rows": N_("Baris retensi diperbaiki"),
    "role": N_("Peran"),
    "sample": N_("Sampel"),
    "seconds": N_("Detik"),
    "series": N_("Seri"),
    "sha256": N_("SHA-256"),
    "size": N_("Ukuran (bita)"),
    "source": N_("Sumber"),
    "stations": N_("TPS"),
    "token_id": N_("Token"),
    "username": N_("Nama pengguna"),
    "transferred_from": N_("Dipindahkan dari"),
    "source_entry": N_("Entri asal"),
    "through": N_("Sampai entri"),
    "via": N_("Melalui"),
    "year": N_("Tahun"),
    "before": N_("Sebelum"),
    "after": N_("Sesudah"),
    "actor": N_("Pelaku"),
    "action": N_("Tindakan"),
    "target": N_("Sasaran"),
    "form_type": N_("Jenis formulir"),
    "province": N_("Provinsi"),
    "regency": N_("Kabupaten/Kota"),
    "district": N_("Kecamatan"),
    "village": N_("Desa/Kelurahan"),
    "tps": N_("TPS"),
    "title": N_("Judul"),
    "notes": N_("Catatan"),
    "record_date": N_("Tanggal formulir"),
    "region_code": N_("Kode wilayah"),
}

# What a target's kind is called; a document is named by its title instead.
TARGET_KINDS = {
    "user": N_("Pengguna"),
    "hold": N_("Penahanan no."),
    "disposition": N_("Daftar usul no."),
    "region": N_("Wilayah"),
    "batch": N_("Unggahan massal no."),
    "schedule": N_("Jadwal retensi versi"),
    "backup": N_("Cadangan"),
    "published": N_("Hasil resmi no."),
    "poll": N_("Pemungutan"),
    "to": N_("Tujuan"),
    "archive": N_("Arsip asal"),
}

MISSING = N_("belum diisi")


def action_label(code: str) -> str:
    return gettext(ACTION_LABELS[code]) if code in ACTION_LABELS else code


def detail_label(key: str) -> str:
    return gettext(DETAIL_LABELS[key]) if key in DETAIL_LABELS else key.replace("_", " ")


@dataclass(frozen=True)
class Detail:
    key: str
    label: str
    text: str


@dataclass(frozen=True)
class Target:
    text: str  # what people read
    record_id: str = ""  # set for a document: the page links to its record


def record_title(record: Record) -> str:
    """Form type, election, year, place and TPS, as the document list names a record."""
    m, missing = record.metadata, gettext(MISSING)
    head = " ".join(str(v) for v in (m.form_type, m.election, m.year) if v) or missing
    district = m.district and gettext("Kec. %(district)s", district=m.district)
    place = ", ".join(v for v in (m.village, district, m.regency) if v)
    tps = format_tps(m.tps) if m.tps else gettext("TPS %(number)s", number=missing)
    region = place or gettext("wilayah %(missing)s", missing=missing)
    return " · ".join(part for part in (head, region, tps))


def targets(services, codes: list[str]) -> dict[str, Target]:
    """Each target code of a page named for reading; the records among them are read in
    one query, however many entries name them."""
    ids = {c.partition(":")[2] for c in codes if c.startswith("document:")}
    records = services.metadata.records.by_ids(sorted(ids)) if ids else {}
    named = {}
    for code in set(codes):
        kind, _, value = code.partition(":")
        if kind == "document":
            found = records.get(value)
            gone = gettext("Dokumen %(id)s… (tidak ada lagi)", id=value[:8])
            text = record_title(found) if found else gone
            named[code] = Target(text, value)
        elif kind in TARGET_KINDS and value:
            named[code] = Target(f"{gettext(TARGET_KINDS[kind])} {value}")
        else:
            named[code] = Target(code)
    return named


def details(values: dict) -> list[Detail]:
    """An entry's details as labelled fields, in the order they were recorded."""
    return [Detail(k, detail_label(k), _text(v)) for k, v in values.items()]


def _text(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("ya") if value else gettext("tidak")
    if isinstance(value, dict) and value.keys() == {"before", "after"}:  # a corrected field
        return f"{_text(value['before'])} → {_text(value['after'])}"
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(k)}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


class DateRangeError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def date_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """The UTC bounds (``until`` exclusive) of a from/to date pair typed as YYYY-MM-DD, both
    days included; DateRangeError, in words, for a date that is not one or a reversed range."""
    first, last = _day("from", start), _day("to", end)
    if first and last and first > last:
        raise DateRangeError("from", gettext("Tanggal awal jatuh setelah tanggal akhir."))
    since = datetime.combine(first, datetime.min.time()) if first else None
    until = datetime.combine(last + timedelta(days=1), datetime.min.time()) if last else None
    return since, until


def _day(field: str, text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or day.year < 1900 or day >= date.max:
        raise DateRangeError(
            field,
            gettext(
                "Tanggal tidak dikenali: «%(text)s». Tulis TTTT-BB-HH, mis. 2024-02-14.",
                text=text[:20],
            ),
        )
    return day
