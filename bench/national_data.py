"""A synthetic national archive: regions, polling stations, elections, forms and their pages.

One national election is about 820,000 TPS x 5 result forms x ~3 pages. This module makes
such an archive, deterministically for a seed, as table rows in bounded batches (nothing
grows with its size but the region tree):

- the region tree: 38 provinces, 514 regencies with KPU-like sizes (districts, villages,
  TPS per village), Kemendagri-style codes;
- per TPS, the 2024 general election's five C.Hasil forms (PPWP 1 page, DPD 2, DPR and
  both DPRD 3), a C.Kejadian now and then, the 2019 general election's forms for the TPS
  whose backlog was digitised, the 2020 regional elections' forms, and per district the
  D.Hasil recaps;
- page text as OCR gives it: the form's printed words, the place names of its header, a
  Zipf-distributed tail of handwritten names and remarks from a 20,000-word vocabulary,
  numbers, and OCR slips (a letter changed) on about one word in twenty;
- vote counts (``tally``) on the C.Hasil forms, review flags, a few failed and queued
  records, retention states computed from the shipped schedule, legal holds (by ids and
  by query) and a proposed disposition list, the audit trail with its hash chain;
- one word, "gugatan" (a lawsuit), on ~100,000 records whatever the size: what a
  query-scoped hold over 100k records asks for.

A smaller archive is a part of the country at the same density (its first regencies,
taken round the provinces), so a regency's questions cost the same at every size and
only the archive-wide ones grow.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from archive_app.domain.audit import GENESIS, AuditEntry, entry_hash
from archive_app.domain.retention import Schedule, compute
from bench.synthetic import PROVINCES as OLD_PROVINCES
from bench.synthetic import SYLLABLES, TEMPLATE, vocabulary

PROVINCES = [*OLD_PROVINCES, "Kepulauan Riau", "Kepulauan Bangka Belitung", "Kalimantan Utara",
             "Sulawesi Barat", "Papua Selatan", "Papua Tengah", "Papua Pegunungan",
             "Papua Barat Daya"]  # fmt: skip
# Regencies per province, roughly as KPU counts them (38 provinces, 514 regencies).
REGENCIES = [23, 33, 19, 12, 11, 17, 10, 15, 8, 6, 27, 35, 5, 38, 9, 10, 22, 14, 14, 13, 10,
             15, 13, 24, 17, 6, 11, 10, 9, 7, 7, 7, 5, 6, 4, 8, 8, 6]  # fmt: skip
GENERAL = (("PPWP", 1), ("DPR", 3), ("DPD", 2), ("DPRD_PROV", 3), ("DPRD_KABKOTA", 3))
PILKADA = (("PILGUB", 1), ("PILBUP", 1))
CANDIDATES = {"PPWP": 3, "DPD": 8, "PILGUB": 3, "PILBUP": 4}  # DPR/DPRD: 18 parties
PARTIES = 18
NUMBERS = [str(n) for n in range(301)]
VOTES = range(121)
SLIPS = "ilmnoce1"
HOLD_WORD = "gugatan"
CARRIED = ("election", "form_type", "province")  # on retention rows (migration 0023)
HOLD_RECORDS = 100_000
OPERATORS_PER_REGENCY = 2
FORM_WORDS = {
    "C.KEJADIAN": "model c kejadian khusus dan atau keberatan saksi kejadian uraian",
    "D.HASIL.KECAMATAN": "model d hasil kecamatan rekapitulasi hasil penghitungan",
}


@dataclass(frozen=True)
class Spec:
    """What to build: how many pages, from which seed, and how each record is kept."""

    pages: int
    seed: int = 18
    files_per_record: int = 2  # the original and the searchable PDF
    today: date = field(default_factory=date.today)

    @property
    def expected_records(self) -> int:
        return max(1, int(self.pages / 2.2))


@dataclass
class Regency:
    code: str
    province: str
    name: str
    districts: list[tuple[str, str, list[tuple[str, str, int]]]]  # code, name, villages


@dataclass
class Batch:
    """Rows for each table, as dicts keyed by column name."""

    documents: list[dict] = field(default_factory=list)
    retention: list[dict] = field(default_factory=list)  # record_retention
    pages: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    hold_records: list[dict] = field(default_factory=list)
    disposition_items: list[dict] = field(default_factory=list)


def _name(rng: random.Random, parts: tuple[int, int] = (2, 3)) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(*parts))).title()


def regions(seed: int) -> list[Regency]:
    """The country, its regencies in the order a partial archive takes them: round the
    provinces, so even the smallest build spans many of them."""
    rng = random.Random(seed)
    taken: set[str] = set()
    by_province: list[list[Regency]] = []
    for p, (province, count) in enumerate(zip(PROVINCES, REGENCIES, strict=True)):
        mine = []
        for r in range(count):
            name = _name(rng, (2, 4))
            while name in taken:
                name = _name(rng, (2, 4))
            taken.add(name)
            if rng.random() < 0.18:
                name = f"Kota {name}"
            code = f"{11 + p:02d}.{r + 1:02d}"
            districts = []
            for d in range(rng.randint(8, 22)):
                villages = [(f"{code}.{d + 1:02d}.{2001 + v:04d}", _name(rng), rng.randint(3, 18))
                            for v in range(rng.randint(6, 17))]  # fmt: skip
                districts.append((f"{code}.{d + 1:02d}", _name(rng), villages))
            mine.append(Regency(code, province, name, districts))
        by_province.append(mine)
    ordered = [r for group in itertools.zip_longest(*by_province) for r in group if r]
    return ordered


def _day(election: str, year: int) -> date:
    return {2024: date(2024, 2, 14), 2019: date(2019, 4, 17), 2020: date(2020, 12, 9)}[year]


class Generator:
    """Streams the archive's rows; ``holds`` and ``disposition`` describe what it placed."""

    def __init__(self, spec: Spec, schedule: Schedule, vocabulary_lookup):
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.schedule = schedule
        self.vocab = vocabulary_lookup
        self.words = vocabulary()
        self.cum = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(self.words))))
        self.hold_share = min(1.0, HOLD_RECORDS / spec.expected_records)
        self.prev_hash = GENESIS
        self.audit_id = 0
        self.file_id = 0
        self.pages_made = 0
        self.records_made = 0
        self.regencies = 0
        self.clock = datetime(2024, 2, 15, 7, 0)
        self._retention: dict[tuple, tuple] = {}
        # Hold 1: by query (a regency's DPR forms); 2-5: by ids; 3 of them released.
        self.holds: dict[int, dict] = {}
        self.disposition_items = 0

    # -- the records of one TPS ------------------------------------------------------------
    def batches(self, size: int = 5000) -> Iterator[Batch]:
        batch = Batch()
        for regency in itertools.cycle(regions(self.spec.seed)):
            if self.pages_made >= self.spec.pages:
                break
            self.regencies += 1
            for forms in self._regency_forms(regency):
                for form in forms:
                    self._record(batch, regency, *form)
                if len(batch.documents) >= size:
                    yield batch
                    batch = Batch()
                if self.pages_made >= self.spec.pages:
                    break
        if batch.documents:
            yield batch

    def _regency_forms(self, regency: Regency) -> Iterator[list[tuple]]:
        rng = self.rng
        for d_code, district, villages in regency.districts:
            for v_code, village, tps_count in villages:
                for tps in range(1, tps_count + 1):
                    place = (district, village, tps, v_code)
                    forms = [(e, 2024, "C.HASIL", n, place) for e, n in GENERAL]
                    if rng.random() < 0.08:
                        forms.append(("PPWP", 2024, "C.KEJADIAN", 1, place))
                    if rng.random() < 0.15:
                        forms += [(e, 2019, "C.HASIL", 2, place) for e, _ in GENERAL]
                        if rng.random() < 0.3:
                            forms.append(("DPR", 2019, "C.KEJADIAN", 1, place))
                    if rng.random() < 0.3:
                        forms += [(e, 2020, "C.HASIL", n, place) for e, n in PILKADA]
                    yield forms
            yield [(e, 2024, "D.HASIL.KECAMATAN", 3, (district, "", 0, d_code)) for e, _ in GENERAL]

    def _record(self, batch: Batch, regency: Regency, election, year, form, pages, place):
        rng = self.rng
        district, village, tps, region_code = place
        doc_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        self.clock += timedelta(seconds=rng.uniform(0.05, 1.0))
        created = self.clock if year == 2024 else self.clock + timedelta(days=400)
        processed = created + timedelta(seconds=rng.uniform(20, 400))
        status = "ready"
        roll = rng.random()
        if roll < 0.0008:
            status = "failed"
        elif roll < 0.0012:
            status = "queued"
        review = status == "ready" and rng.random() < 0.04
        operator = f"op-{regency.code.replace('.', '')}-{rng.randint(1, OPERATORS_PER_REGENCY)}"
        tally, consistent, low = self._tally(election, form, rng)
        held = self._holds_for(doc_id, election, regency)
        retention = self._retention_of(form, election, year, [h for h in held if h <= 3])
        row = dict(
            id=doc_id, sha256=f"{rng.getrandbits(256):064x}", status=status,
            index_state="indexed" if status == "ready" else "pending", election=election,
            form_type=form, year=year, province=regency.province, regency=regency.name,
            district=district, village=village, tps=tps, region_code=region_code, title="",
            notes="", kind="pdf", original_name=f"{region_code}-{tps:03d}-{election}.pdf",
            size=pages * rng.randint(250_000, 450_000), page_count=pages,
            pages_done=pages if status == "ready" else 0,
            ocr_confidence=round(rng.uniform(78, 96), 1) if status == "ready" else None,
            error="tesseract: page 2 could not be read" if status == "failed" else "",
            attempts=1 if status != "queued" else 0, lease_owner="", lease_until=None,
            created_at=created, created_by=operator, updated_at=processed,
            processed_at=processed if status == "ready" else None, record_date=None,
            final_state="", final_at=None, batch_id=None,
            uploader_metadata="{}", extracted="{}", needs_review=review,
            review_reasons='["tps: read 0.62"]' if review else "[]",
            tally=tally if status == "ready" else "",
            tally_consistent=consistent if status == "ready" and tally else None,
            tally_low_confidence=low and status == "ready",
        )  # fmt: skip
        batch.documents.append(row)
        batch.retention.append(dict(
            document_id=doc_id, state=retention[0], series=retention[1], action=retention[2],
            changes_at=retention[3], due_at=retention[4],
            # what migration 0023's triggers copy (off while the loader writes); the names
            # are ASCII, lowercased alike by Python and both databases
            **{f"{name}_lower": row[name].lower() for name in CARRIED},
        ))  # fmt: skip
        if status == "ready":
            header = [w.lower() for w in (regency.province, regency.name, district, village)]
            for number in range(1, pages + 1):
                text = self._text(form, header, rng)
                batch.pages.append(dict(
                    document_id=doc_id, number=number, source="ocr", text=text,
                    confidence=row["ocr_confidence"], words=text.count(" ") + 1, rotation=0,
                    width_px=2480, height_px=3508,
                ))  # fmt: skip
        self._files(batch, doc_id, created, status == "ready")
        self._audit(batch, doc_id, row, operator)
        for hold_id in held:
            batch.hold_records.append(dict(hold_id=hold_id, document_id=doc_id, added_at=created))
        if (retention[0] == "due" and retention[2] == "destroy" and not held
                and self.disposition_items < 5000):  # fmt: skip
            self.disposition_items += 1
            batch.disposition_items.append(
                dict(list_id=1, document_id=doc_id, state="pending", note="", done_at=None)
            )
        self.records_made += 1
        self.pages_made += pages

    def _text(self, form: str, header: list[str], rng: random.Random) -> str:
        printed = FORM_WORDS[form].split() if form in FORM_WORDS else TEMPLATE
        handwritten = rng.choices(self.words, cum_weights=self.cum, k=25)
        if rng.random() < self.hold_share / 2.2:
            handwritten.append(HOLD_WORD)
        if rng.random() < 0.001:
            handwritten.append("sengketa")
        words = [*printed, *header, *handwritten]
        # OCR slips: about one word in twenty has a letter misread
        for i in rng.choices(range(len(words)), k=int(len(words) * 0.05 + rng.random())):
            w = words[i]
            if len(w) > 3:
                at = int(rng.random() * len(w))
                words[i] = w[:at] + SLIPS[int(rng.random() * len(SLIPS))] + w[at + 1 :]
        words += rng.choices(NUMBERS, k=12)
        return " ".join(words)

    def _tally(self, election: str, form: str, rng: random.Random):
        if form != "C.HASIL":
            return "", None, False
        rows = []
        for n in range(CANDIDATES.get(election, PARTIES)):
            votes = VOTES[int(rng.random() * 121)]
            status = "confirmed" if rng.random() < 0.9 else rng.choice(["read", "unsure"])
            rows.append({"label": f"{n + 1}", "votes": votes,
                         "confidence": round(0.6 + 0.39 * rng.random(), 3), "kind": "candidate",
                         "party": "", "status": status, "key": f"row.{n + 1}"})  # fmt: skip
        valid = sum(r["votes"] for r in rows)
        invalid = rng.randint(0, 12)
        consistent = rng.random() > 0.02 if rng.random() > 0.03 else None
        low = rng.random() < 0.05
        numbers = [
            {"key": key, "kind": kind, "votes": value, "confidence": 0.95, "status": "confirmed"}
            for key, kind, value in (
                ("valid", "total", valid), ("invalid", "total", invalid),
                ("ballots_used", "total", valid + invalid),
                ("voters.dpt.jml", "voters", rng.randint(150, 300)),
                ("users.total.jml", "users", valid + invalid),
            )
        ]  # fmt: skip
        tally = {"rows": rows, "valid": valid, "invalid": invalid, "ballots_used": valid + invalid,
                 "confidences": {"valid": 0.95, "invalid": 0.93, "ballots_used": 0.94},
                 "consistent": consistent, "problems": [], "numbers": numbers, "checks": [],
                 "issues": [], "review": False}  # fmt: skip
        return json.dumps(tally, separators=(",", ":")), consistent, low

    def _holds_for(self, doc_id: str, election: str, regency: Regency) -> list[int]:
        """Hold 1 covers the DPR forms of the second regency built (a query hold); holds 2-5
        name a few hundred records each (4 and 5 were released since)."""
        held = []
        if election == "DPR" and regency.code == "12.01":
            held.append(1)
        if int(doc_id[:4], 16) < 3:  # ~1 in 20,000 records
            held.append(2 + int(doc_id[4], 16) % 4)
        return held

    def _retention_of(self, form, election, year, held) -> tuple:
        key = (form, election, year, bool(held))
        if key not in self._retention:
            r = compute(
                self.schedule, form_type=form, election=election,
                election_day=self.vocab.election_day(election, year), record_date=None,
                today=self.spec.today, on_hold=bool(held),
            )  # fmt: skip
            due_at = r.inactive_until if r.state.value in ("active", "inactive") else None
            self._retention[key] = (r.state.value, r.series, r.action or "", r.changes_at, due_at)
        return self._retention[key]

    def _files(self, batch: Batch, doc_id: str, at: datetime, ready: bool) -> None:
        prefix = f"records/{doc_id[:2]}/{doc_id}/"
        kinds = [("original", "original.pdf", "application/pdf"),
                 ("pdf", "searchable.pdf", "application/pdf"),
                 ("text", "text.txt", "text/plain"),
                 ("metadata", "metadata.json", "application/json")]  # fmt: skip
        for role, name, content_type in kinds[: self.spec.files_per_record if ready else 1]:
            self.file_id += 1
            blob = blob_for(name)
            batch.files.append(dict(
                id=self.file_id, document_id=doc_id, role=role, page=0, key=prefix + name,
                sha256=blob.sha256, size=blob.size, content_type=content_type, created_at=at,
                last_checked_at=None, last_check_ok=None, destroyed_at=None,
            ))  # fmt: skip

    def _audit(self, batch: Batch, doc_id: str, row: dict, operator: str) -> None:
        upload = {"sha256": row["sha256"], "name": row["original_name"], "size": row["size"]}
        entries = [AuditEntry(row["created_at"], operator, "upload", f"document:{doc_id}",
                              "10.20.30.40", upload)]  # fmt: skip
        if row["status"] == "ready":
            entries.append(AuditEntry(row["processed_at"], "system", "process.ready",
                                      f"document:{doc_id}"))  # fmt: skip
        if self.rng.random() < 0.05:
            entries.append(AuditEntry(row["updated_at"], "auditor-1", "search", "",
                                      "10.20.30.41", {"query": {"q": row["village"].lower()},
                                                      "hits": 12, "via": "web"}))  # fmt: skip
        for entry in entries:
            self.audit_id += 1
            digest = entry_hash(entry, self.prev_hash)
            batch.audit.append(dict(
                id=self.audit_id, at=entry.at, actor=entry.actor, action=entry.action,
                target=entry.target, ip=entry.ip,
                details=json.dumps(entry.details, sort_keys=True, ensure_ascii=False),
                prev_hash=self.prev_hash, hash=digest,
            ))  # fmt: skip
            self.prev_hash = digest


@dataclass(frozen=True)
class Blob:
    """Content of a synthetic stored object: deterministic, so its SHA-256 is known."""

    size: int
    sha256: str


# What each kind of stored object weighs here (a 3-page scan is ~1 MB in reality; the fixity
# and transfer figures are per file and per MB, so a fixed size per kind is enough).
BLOB_SIZES = {"original.pdf": 512_000, "searchable.pdf": 256_000, "text.txt": 2_000,
              "metadata.json": 900}  # fmt: skip
_BLOBS: dict[str, Blob] = {}


def blob_bytes(name: str) -> bytes:
    size = BLOB_SIZES[name]
    seed = hashlib.sha256(f"blob-{name}".encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def blob_for(name: str) -> Blob:
    """The blob every object called ``name`` (the key's last part) holds."""
    if name not in _BLOBS:
        _BLOBS[name] = Blob(BLOB_SIZES[name], hashlib.sha256(blob_bytes(name)).hexdigest())
    return _BLOBS[name]
