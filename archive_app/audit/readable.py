"""The audit trail as people read it: actions as Indonesian phrases, targets by name (a
record by its title, fetched for a whole page in one query), details as labelled fields.

The stored codes stay what they are (the chain hashes them, the API and scripts filter by
them); these words are only laid over them for reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from archive_app.domain.entities import Record
from vocabulary.places import format_tps

ACTION_LABELS = {
    "login": "Masuk",
    "login.failed": "Gagal masuk",
    "login.throttled": "Masuk ditahan sementara",
    "login.unlock": "Penahanan masuk dibuka",
    "logout": "Keluar",
    "upload": "Mengunggah dokumen",
    "download": "Mengunduh berkas",
    "record.view": "Membuka dokumen",
    "search": "Mencari",
    "saved_search.save": "Menyimpan pencarian",
    "saved_search.delete": "Menghapus pencarian tersimpan",
    "metadata.review": "Meninjau metadata",
    "process.ready": "Pemrosesan selesai",
    "process.failed": "Pemrosesan gagal",
    "process.retry": "Memproses ulang",
    "batch.start": "Memulai unggahan massal",
    "batch.reject": "Berkas unggahan massal ditolak",
    "hold.place": "Menahan dokumen",
    "hold.extend": "Memperluas penahanan",
    "hold.release": "Mencabut penahanan",
    "disposition.propose": "Mengusulkan daftar",
    "disposition.approve": "Menyetujui daftar",
    "disposition.reject": "Menolak daftar",
    "disposition.execute": "Melaksanakan daftar",
    "disposition.executed": "Daftar selesai dilaksanakan",
    "disposition.destroyed": "Dokumen dimusnahkan",
    "disposition.transferred": "Dokumen diserahkan",
    "disposition.skip": "Dokumen dikecualikan dari daftar",
    "retention.schedule": "Mengubah jadwal retensi",
    "retention.refresh": "Menghitung ulang retensi",
    "retention.export": "Mengekspor daftar retensi",
    "fixity.run": "Memeriksa keutuhan berkas",
    "fixity.missing": "Berkas hilang saat diperiksa",
    "fixity.changed": "Isi berkas berubah saat diperiksa",
    "preserve.made": "Membuat salinan pelestarian",
    "preserve.failed": "Salinan pelestarian gagal",
    "user.create": "Membuat pengguna",
    "user.update": "Mengubah pengguna",
    "token.create": "Membuat token API",
    "token.revoke": "Mencabut token API",
    "audit.export": "Mengekspor jejak audit",
    "tally.export": "Mengekspor hasil hitung",
    "recap.view": "Membuka rekapitulasi",
    "recap.export": "Mengekspor rekapitulasi",
    "recap.rebuild": "Menyusun ulang rekapitulasi",
    "recap.results_import": "Mengimpor hasil resmi",
    "recap.tps_import": "Mengimpor daftar TPS",
    "index.rebuild": "Membangun ulang indeks pencarian",
    "backup.started": "Pencadangan dimulai",
    "backup.completed": "Pencadangan selesai",
    "backup.failed": "Pencadangan gagal",
    "restore.completed": "Pemulihan selesai",
    "transfer": "Memindahkan arsip",
    "transfer.audit": "Jejak audit arsip asal disalin",
}

DETAIL_LABELS = {
    "bytes": "Ukuran (bita)", "case_ref": "Nomor perkara", "changed": "Berubah",
    "changes": "Perubahan", "checked": "Diperiksa", "comment": "Catatan", "copied": "Disalin",
    "copied_bytes": "Bita disalin", "damaged": "Rusak", "destination": "Tujuan",
    "document": "Dokumen", "election": "Pemilu", "error": "Galat", "expires_at": "Berlaku sampai",
    "figures": "Angka", "file": "Berkas", "files": "Berkas", "filters": "Saringan",
    "format": "Format", "hits": "Hasil", "key": "Kunci", "keys": "Kunci", "kind": "Jenis",
    "label": "Label", "list": "Daftar", "manifest_sha256": "SHA-256 manifes",
    "mb_per_second": "MB per detik", "metadata": "Metadata", "missing": "Hilang",
    "name": "Nama", "new": "Baru", "objects": "Objek", "older_than_days": "Lebih lama dari (hari)",
    "package": "Paket", "previous": "Sebelumnya", "pruned": "Dipangkas", "query": "Kueri",
    "reason": "Alasan", "reasons": "Alasan", "records": "Dokumen", "rederived": "Dibuat ulang",
    "redone_pages": "Halaman diulang", "regions": "Wilayah", "remade": "Dibuat ulang",
    "remake_failed": "Gagal dibuat ulang", "resumed": "Dilanjutkan", "role": "Peran",
    "sample": "Sampel", "seconds": "Detik", "series": "Seri", "sha256": "SHA-256",
    "size": "Ukuran (bita)", "source": "Sumber", "stations": "TPS", "token_id": "Token",
    "username": "Nama pengguna", "transferred_from": "Dipindahkan dari",
    "source_entry": "Entri asal", "through": "Sampai entri", "via": "Melalui", "year": "Tahun",
    "before": "Sebelum",
    "after": "Sesudah", "actor": "Pelaku", "action": "Tindakan", "target": "Sasaran",
    "form_type": "Jenis formulir", "province": "Provinsi", "regency": "Kabupaten/Kota",
    "district": "Kecamatan", "village": "Desa/Kelurahan", "tps": "TPS", "title": "Judul",
    "notes": "Catatan", "record_date": "Tanggal formulir", "region_code": "Kode wilayah",
}  # fmt: skip

# What a target's kind is called; a document is named by its title instead.
TARGET_KINDS = {
    "user": "Pengguna", "hold": "Penahanan no.", "disposition": "Daftar usul no.",
    "region": "Wilayah", "batch": "Unggahan massal no.", "schedule": "Jadwal retensi versi",
    "backup": "Cadangan", "published": "Hasil resmi no.", "poll": "Pemungutan",
    "to": "Tujuan", "archive": "Arsip asal",
}  # fmt: skip

MISSING = "belum diisi"


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


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
    m = record.metadata
    head = " ".join(str(v) for v in (m.form_type, m.election, m.year) if v) or MISSING
    place = ", ".join(v for v in (m.village, m.district and f"Kec. {m.district}", m.regency) if v)
    tps = format_tps(m.tps) if m.tps else f"TPS {MISSING}"
    return " · ".join(part for part in (head, place or f"wilayah {MISSING}", tps))


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
            text = record_title(found) if found else f"Dokumen {value[:8]}… (tidak ada lagi)"
            named[code] = Target(text, value)
        elif kind in TARGET_KINDS and value:
            named[code] = Target(f"{TARGET_KINDS[kind]} {value}")
        else:
            named[code] = Target(code)
    return named


def details(values: dict) -> list[Detail]:
    """An entry's details as labelled fields, in the order they were recorded."""
    return [
        Detail(k, DETAIL_LABELS.get(k, k.replace("_", " ")), _text(v)) for k, v in values.items()
    ]


def _text(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dict) and value.keys() == {"before", "after"}:  # a corrected field
        return f"{_text(value['before'])} → {_text(value['after'])}"
    if isinstance(value, dict):
        return "; ".join(f"{DETAIL_LABELS.get(k, k)}: {_text(v)}" for k, v in value.items())
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
        raise DateRangeError("from", "Tanggal awal jatuh setelah tanggal akhir.")
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
            field, f"Tanggal tidak dikenali: «{text[:20]}». Tulis TTTT-BB-HH, mis. 2024-02-14."
        )
    return day
