"""What the machine read from the pages, reconciled with what the uploader typed.

Rules, per required metadata field ("sure" = confidence at least extract.REVIEW_THRESHOLD):
- typed, and read the same            → kept;
- typed, read differently            → the typed value is kept, the record goes to review,
                                        unless the reading is noise (confidence < NOISE);
- not typed, read and sure            → the read value is filled in;
- not typed, read but unsure          → filled in, and the record goes to review;
- neither typed nor read              → left empty, and the record goes to review.
Vote counts are stored as read, with the arithmetic checks; an inconsistent or unsure tally
is flagged for auditors and never "corrected". The pages of a form are checked together (its
voter data may be on one page, a party table may run over two). A tally with any number
unread, unsure or disputed, or whose checks fail or cannot be made, sends the record to
review with the reasons. A result form (C.Hasil) on which no vote table could be read at all
is flagged too: the auditor should know its numbers were not checked.
"""

from __future__ import annotations

from functools import partial

from archive_app.domain.entities import PageReadings, Record
from archive_app.domain.metadata import (
    REQUIRED_FIELDS,
    MetadataError,
    validate_metadata,
    without_controls,
)
from ingest import extract, tally
from ingest.codes import parse_codes, read_codes
from ingest.header import parse_header
from ingest.models import Issue, ProcessedDocument, Reading, Tally, TallyRow
from ingest.tally_issues import describe
from vocabulary.text import same

TALLY_FORMS = ("C.HASIL", "C.HASIL.SALINAN")  # result forms at the TPS carry a vote table
RECAP_FORMS = ("D.HASIL.KECAMATAN", "D.HASIL.KABKOTA")  # a column per child region
# Below this a reading that contradicts the typed value is taken for noise and the typed value
# stands without review. The wrong header readings seen on 100 generated forms (bench/
# extract_bench.py: "Seberang Ulu" for "Seberang Ulu I") scored 0.65-0.69, so they still
# reach a person; what scores lower is a guess from a smudged or missing header.
NOISE = 0.5
TALLY_REASONS = 8  # review reasons listed from a tally; the rest are counted


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
    found = _settled_tally(services, metadata.form_type, result)
    if found is not None and tally.needs_review(found):
        reasons += _tally_reasons(found)
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
    try:
        return validate_metadata(raw, vocabulary, partial=True)
    except MetadataError as exc:
        refused = exc.fields
    # A value stored before today's rules (a record date in 9999, a NUL in a title): the
    # record processed again must not fail on it. It is kept without its control characters
    # if that is enough, else cleared, and a person looks at it.
    for name, message in refused.items():
        reasons.append(f"{name}: the stored value is not valid ({message})")
        raw[name] = without_controls(str(raw.get(name) or ""))
    try:
        return validate_metadata(raw, vocabulary, partial=True)
    except MetadataError as exc:
        raw.update({name: "" for name in exc.fields})
        return validate_metadata(raw, vocabulary, partial=True)


def _settled_tally(services, form_type: str, result: ProcessedDocument) -> Tally | None:
    """The form's tally; on a result form where no vote table was read (and the tally reader
    ran), an empty one that says so."""
    if form_type in RECAP_FORMS:
        pages = [p.readings.get("tally") for p in result.pages]
        read = [t for t in pages if isinstance(t, Tally)]
        return tally.combine_recap(read) if read else None
    if form_type and form_type not in TALLY_FORMS:
        return None
    found = _tally(result, services.settings.max_tps_voters)
    if found is None and form_type in TALLY_FORMS and "tally" in _enabled(services.settings):
        return tally.no_table()
    return found


def _tally(result: ProcessedDocument, max_voters: int) -> Tally | None:
    """The form's tally: its pages' tables checked together."""
    found = [p.readings.get("tally") for p in result.pages]
    found = [t for t in found if isinstance(t, Tally)]
    return tally.combine(found, max_voters=max_voters) if found else None


def _tally_reasons(t: Tally) -> list[str]:
    """Why the tally sends the record to review, as review reasons (English, like the
    others); the Indonesian sentences are on the tally's issues."""
    sentences = [f"tally: {describe(i, 'en')}" for i in t.issues]
    if t.consistent is None and not any(i.code == "no_table" for i in t.issues):
        sentences.insert(0, "tally: the arithmetic could not be checked on the numbers read")
    if len(sentences) > TALLY_REASONS:
        more = len(sentences) - TALLY_REASONS + 1
        sentences = sentences[: TALLY_REASONS - 1] + [f"tally: and {more} more problems"]
    return sentences or ["tally: a number could not be confirmed"]


def _tally_json(t: Tally) -> dict:
    """The tally as stored: the main figures as they always were (rows, valid, invalid,
    ballots_used, confidences, consistent, problems), then every number with both readings
    and where it stands on its page, the checks, and the issues as code and parameters with
    their sentences."""
    return {
        "rows": [_row_json(r) for r in t.rows],
        "valid": t.valid,
        "invalid": t.invalid,
        "ballots_used": t.ballots_used,
        "confidences": {k: round(v, 3) for k, v in t.confidences.items()},
        "consistent": t.consistent,
        "problems": list(t.problems),
        "numbers": [_number_json(n) for n in t.numbers],
        "checks": [
            {
                "code": c.code,
                "holds": c.holds,
                "sure": c.sure,
                "numbers": list(c.numbers),
                "params": c.params,
            }
            for c in t.checks
        ],
        "issues": [issue_json(i) for i in t.issues],
        "review": tally.needs_review(t),
    }


def issue_json(issue: Issue) -> dict:
    return {
        "code": issue.code,
        "params": issue.params,
        "numbers": list(issue.numbers),
        "message": describe(issue, "id"),
        "message_en": describe(issue, "en"),
    }


def _row_json(r: TallyRow) -> dict:
    return {
        "label": r.label,
        "votes": r.votes,
        "confidence": round(r.confidence, 3),
        "kind": r.kind,
        "party": r.party,
        "status": r.status,
        "key": r.key,
    }


def _number_json(n: TallyRow) -> dict:
    return {
        "key": n.key,
        "kind": n.kind,
        "role": n.role,
        "column": n.column,
        "label": n.label,
        "party": n.party,
        "votes": n.votes,
        "confidence": round(n.confidence, 3),
        "status": n.status,
        "page": n.page,
        "box": list(n.box) if n.box else None,
        "digits": _reading_json(n.digits),
        "words": _reading_json(n.words),
    }


def _reading_json(r: Reading | None) -> dict | None:
    if r is None:
        return None
    return {
        "value": r.value,
        "confidence": round(r.confidence, 3),
        "text": r.text,
        "box": list(r.box) if r.box else None,
        "source": r.source,
    }
