"""Synthetic page records for the search benchmarks: plausible places, forms and OCR text.

Deterministic for a seed, generated in batches so a million records never sit in memory.
Every record contains the very common word "suara"; about 1 in 1,000 contains "sengketa".
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from archive_app.domain.metadata import RecordMetadata
from search.interfaces import IndexDocument

PROVINCES = [
    "Aceh",
    "Sumatera Utara",
    "Sumatera Barat",
    "Riau",
    "Jambi",
    "Sumatera Selatan",
    "Bengkulu",
    "Lampung",
    "Banten",
    "DKI Jakarta",
    "Jawa Barat",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Jawa Timur",
    "Bali",
    "Nusa Tenggara Barat",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Kalimantan Tengah",
    "Kalimantan Selatan",
    "Kalimantan Timur",
    "Sulawesi Utara",
    "Sulawesi Tengah",
    "Sulawesi Selatan",
    "Sulawesi Tenggara",
    "Gorontalo",
    "Maluku",
    "Maluku Utara",
    "Papua",
    "Papua Barat",
]
ELECTIONS = ["PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KABKOTA", "PILGUB", "PILBUP", "PILWALKOT"]
FORMS = ["C.HASIL", "C.HASIL", "C.HASIL", "C.HASIL.SALINAN", "C.KEJADIAN", "D.HASIL.KECAMATAN"]
SYLLABLES = [
    "ka",
    "ra",
    "ng",
    "an",
    "su",
    "mo",
    "ja",
    "ten",
    "pa",
    "ha",
    "wi",
    "lo",
    "sa",
    "ri",
    "ba",
    "tu",
    "gu",
    "nung",
    "sari",
    "rejo",
    "mul",
    "yo",
    "ki",
    "dang",
    "sem",
    "bu",
]
WORDS = [
    "jumlah",
    "suara",
    "sah",
    "tidak",
    "pemilih",
    "daftar",
    "tetap",
    "tambahan",
    "pindahan",
    "surat",
    "dikembalikan",
    "digunakan",
    "rusak",
    "keliru",
    "coblos",
    "sisa",
    "penghitungan",
    "perolehan",
    "pasangan",
    "calon",
    "nomor",
    "urut",
    "kelompok",
    "penyelenggara",
    "pemungutan",
    "saksi",
    "ketua",
    "anggota",
    "tanda",
    "tangan",
    "berita",
    "acara",
    "kejadian",
    "khusus",
    "keberatan",
    "rekapitulasi",
    "hasil",
    "provinsi",
    "kabupaten",
    "kecamatan",
    "kelurahan",
    "desa",
    "tempat",
]
BASE = datetime(2024, 2, 14, 8, 0, 0)


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()


class Places:
    """A fixed geography: provinces → regencies → districts → villages."""

    def __init__(self, seed: int, regencies: int = 500, districts: int = 12, villages: int = 10):
        rng = random.Random(seed)
        self.villages = []
        for r in range(regencies):
            province = PROVINCES[r % len(PROVINCES)]
            regency = f"{_name(rng)} {r}"
            for _ in range(districts):
                district = _name(rng)
                for _ in range(villages):
                    self.villages.append((province, regency, district, _name(rng)))


def records(
    count: int, seed: int = 7, batch: int = 5000
) -> Iterator[list[tuple[dict, IndexDocument]]]:
    """Batches of (documents-table row, index document)."""
    rng = random.Random(seed)
    places = Places(seed)
    made = 0
    while made < count:
        out = []
        for _ in range(min(batch, count - made)):
            province, regency, district, village = rng.choice(places.villages)
            meta = RecordMetadata(
                election=rng.choice(ELECTIONS),
                form_type=rng.choice(FORMS),
                year=2024,
                province=province,
                regency=regency,
                district=district,
                village=village,
                tps=rng.randint(1, 30),
            )
            words = rng.choices(WORDS, k=70) + [str(rng.randint(0, 300)) for _ in range(12)]
            words.append("suara")
            if rng.random() < 0.001:
                words.append("sengketa")
            rng.shuffle(words)
            text = " ".join(words)
            doc_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            created = BASE + timedelta(seconds=made)
            row = dict(
                id=doc_id,
                sha256=uuid.UUID(int=rng.getrandbits(128)).hex * 2,
                status="ready",
                index_state="indexed",
                kind="png",
                original_name="",
                size=1,
                page_count=1,
                pages_done=1,
                ocr_confidence=90.0,
                error="",
                attempts=1,
                lease_owner="",
                created_at=created,
                created_by="bench",
                updated_at=created,
                **meta.as_dict(),
            )
            out.append((row, IndexDocument(doc_id, meta.as_dict(), (text,), created)))
            made += 1
        yield out
