"""What the machine read from the pages, reconciled with what the uploader typed.

Rules, per required metadata field ("sure" = confidence at least extract.REVIEW_THRESHOLD):
- typed, and read the same            → kept;
- typed, read differently            → the typed value is kept, the record goes to review,
                                        unless the reading is noise (confidence < NOISE);
- not typed, read and sure            → the read value is filled in;
- not typed, read but unsure          → filled in, and the record goes to review;
- neither typed nor read              → left empty, and the record goes to review.
Vote counts are stored as read, with the arithmetic checks; an inconsistent or unsure tally
is flagged for auditors and never "corrected". A result form (C.Hasil) on which no vote table
could be read at all is flagged too: the auditor should know its numbers were not checked.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial

from archive_app.domain.entities import PageReadings, Record
from archive_app.domain.metadata import REQUIRED_FIELDS, MetadataError, validate_metadata
from ingest import extract, tally
from ingest.codes import parse_codes, read_codes
from ingest.header import parse_header
from ingest.models import ProcessedDocument, Tally
from vocabulary.text import same

TALLY_FORMS = ("C.HASIL", "C.HASIL.SALINAN")  # result forms at the TPS carry a vote table
# Below this a reading that contradicts the typed value is taken for noise and the typed value
# stands without review. The wrong header readings seen on 100 generated forms (bench/
# extract_bench.py: "Seberang Ulu" for "Seberang Ulu I") scored 0.65-0.69, so they still
# reach a person; what scores lower is a guess from a smudged or missing header.
NOISE = 0.5


def page_readers(services) -> dict:
    """The readers the pipeline runs on every OCR'd page (ARCHIVE_PAGE_READERS picks them)."""
    settings = services.settings
    readers = {
        "codes": read_codes,
        "header": extract.header_reader(settings.vocabulary),
        "tally": partial(tally.read_tally, max_voters=settings.max_tps_voters),
    }
    return {name: readers[name] for name in _enabled(settings)}


def _enabled(settings) -> list[str]:
    return [n.strip() for n in settings.page_readers.split(",") if n.strip()]


def reconcile(services, record: Record, given: dict, result: ProcessedDocument) -> PageReadings:
    vocabulary = services.settings.vocabulary
    read, disputes = _read_fields(result, vocabulary)
    values = {k: v for k, v in record.metadata.as_dict().items()}
    reasons = [
        f"{c.field}: the code on the form says {c.code_value!r}, "
        f"the printed header reads {c.header_value!r}"
        for c in disputes
    ]
    for name in REQUIRED_FIELDS:
        typed = given.get(name)
        reading = read.get(name)
        if typed not in (None, "", 0):
            disagrees = reading is not None and not same(typed, reading.value)
            if disagrees and reading.confidence >= NOISE:
                sure = "" if reading.confidence >= extract.REVIEW_THRESHOLD else " (unsure)"
                reasons.append(f"{name}: typed {typed!r}, the page reads {reading.value!r}{sure}")
            continue
        if reading is None:
            reasons.append(f"{name}: neither given nor read from the page")
            continue
        values[name] = reading.value
        if reading.confidence < extract.REVIEW_THRESHOLD:
            reasons.append(f"{name}: read {reading.value!r} with low confidence")
    metadata = _valid(values, vocabulary, reasons, record)
    found = _tally(result) if metadata.form_type in TALLY_FORMS or not metadata.form_type else None
    if (
        found is None
        and metadata.form_type in TALLY_FORMS
        and "tally" in _enabled(services.settings)
    ):
        found = tally.assemble([], [], services.settings.max_tps_voters)  # nothing read: flagged
    return PageReadings(
        metadata=metadata,
        extracted={
            k: {"value": v.value, "confidence": round(v.confidence, 3), "source": v.source}
            for k, v in read.items()
        },  # fmt: skip
        review_reasons=reasons,
        tally=_tally_json(found) if found else None,
        tally_consistent=found.consistent if found else None,
        tally_low_confidence=bool(
            found and found.consistent is not False and tally.needs_review(found)
        ),
    )


def _read_fields(result: ProcessedDocument, vocabulary):
    """(field readings, disputes between a code and the header) over the whole document:
    every code found on any page, and the header of the first page that has one."""
    codes = [c for page in result.pages for c in _list(page.readings.get("codes"))]
    header = next((h for p in result.pages if (h := p.readings.get("header"))
                   and isinstance(h, dict) and "error" not in h), None)  # fmt: skip
    if header is None and result.pages:  # a kept text layer: no word table, just the text
        header = parse_header(result.pages[0].text, vocabulary)
    code_fields = parse_codes(codes, vocabulary)
    header = header or {}
    return extract.merge(code_fields, header), extract.conflicts(code_fields, header)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _valid(values: dict, vocabulary, reasons: list, record: Record):
    """The settled metadata; a read value the rules refuse is dropped and sent to review."""
    raw = {k: ("" if v in (None, 0) else v) for k, v in values.items()}
    try:
        return validate_metadata(raw, vocabulary, partial=True)
    except MetadataError as exc:
        for name, message in exc.fields.items():
            reasons.append(f"{name}: the value read is not valid ({message})")
            raw[name] = record.metadata.as_dict().get(name) or ""
        return validate_metadata(raw, vocabulary, partial=True)


def _tally(result: ProcessedDocument) -> Tally | None:
    """The tally of the page where the most numbers were read (the totals' page)."""
    found = [t for p in result.pages if isinstance(t := p.readings.get("tally"), Tally)]
    if not found:
        return None
    return max(found, key=lambda t: sum(r.votes is not None for r in t.rows)
               + sum(v is not None for v in (t.valid, t.invalid, t.ballots_used)))  # fmt: skip


def _tally_json(t: Tally) -> dict:
    data = asdict(t)
    data["rows"] = [asdict(r) for r in t.rows]
    data["problems"] = list(t.problems)
    return data
