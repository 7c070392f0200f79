"""Synthetic page records for the search benchmarks: plausible places, forms and OCR text.

Deterministic for a seed, generated in batches so a million records never sit in memory.
Every record carries the form's printed template (so "suara" is in all of them), a Zipf-
distributed tail of handwritten words from a 20,000-word vocabulary, and numbers; about
1 in 1,000 contains "sengketa".
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
# Printed on every form of the template: these words are in every record.
PRINTED = (
    "model c hasil sertifikat hasil penghitungan perolehan suara pemilihan umum tahun di tempat "
    "pemungutan suara provinsi kabupaten kota kecamatan kelurahan desa tps data pemilih jumlah "
    "suara sah tidak sah ketua anggota kpps saksi tanda tangan"
)
TEMPLATE = PRINTED.split()
VOCABULARY_SIZE = 20_000  # handwritten names, notes and remarks: a long Zipf tail
BASE = datetime(2024, 2, 14, 8, 0, 0)


def vocabulary(seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    words = {
        _name(rng).lower() + rng.choice(["", "an", "o", "i", "wati", "di"])
        for _ in range(VOCABULARY_SIZE * 2)
    }
    return sorted(words)[:VOCABULARY_SIZE]


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
    words_pool = vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words_pool))]  # Zipf
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
            variable = rng.choices(words_pool, weights=weights, k=25)
            numbers = [str(rng.randint(0, 300)) for _ in range(12)]
            if rng.random() < 0.001:
                variable.append("sengketa")
            text = " ".join(TEMPLATE + variable + numbers)
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
                **{k: v for k, v in meta.as_dict().items() if k != "record_date"},
            )
            out.append((row, IndexDocument(doc_id, meta.as_dict(), (text,), created)))
            made += 1
        yield out
