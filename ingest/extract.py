"""Metadata a form carries about itself: QR codes / barcodes and the printed header.

Machine readings only assist: every field has a confidence (0-1); below ``REVIEW_THRESHOLD`` a
field is "unsure" and a human confirms it. What to fill in and what to queue for review is the
archive's decision (archive_app/records/reconcile.py); the readers only read: ``ingest.codes`` (QR
codes and barcodes, zxing-cpp) and ``ingest.header`` (the printed header, from Tesseract's
word table).

``merge``: a code wins. Agreeing sources give 1 - (1-a)(1-b) and source "qr+header"; when they
disagree the code's value is kept at ``CONFLICT_CONFIDENCE`` (below the threshold, so a human
decides) and ``conflicts`` lists both values for the reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.header import parse_header
from ingest.models import FieldReading, PageContext
from ingest.terms import CONFLICT_CONFIDENCE, same

REVIEW_THRESHOLD = 0.8  # below this a field is "unsure": a human confirms it


@dataclass(frozen=True)
class Conflict:
    field: str
    code_value: str | int
    header_value: str | int
    header_confidence: float


def merge(
    code_fields: dict[str, FieldReading], header_fields: dict[str, FieldReading]
) -> dict[str, FieldReading]:
    """One reading per field: codes win; agreement raises confidence, conflict lowers it."""
    merged = dict(header_fields)
    for name, code in code_fields.items():
        printed = header_fields.get(name)
        if printed is None:
            merged[name] = code
        elif same(code.value, printed.value):
            sure = 1 - (1 - code.confidence) * (1 - printed.confidence)
            merged[name] = FieldReading(code.value, min(sure, 0.999), "qr+header")
        else:
            merged[name] = FieldReading(code.value, min(code.confidence, CONFLICT_CONFIDENCE), "qr")
    return merged


def conflicts(
    code_fields: dict[str, FieldReading], header_fields: dict[str, FieldReading]
) -> list[Conflict]:
    """Fields where the code and the printed header disagree, for the reviewer to see both."""
    return [
        Conflict(name, code.value, header_fields[name].value, header_fields[name].confidence)
        for name, code in code_fields.items()
        if name in header_fields and not same(code.value, header_fields[name].value)
    ]


def header_reader(vocabulary):
    """A page reader that parses the header while Tesseract's word table still exists."""

    def read_header(context: PageContext) -> dict[str, FieldReading]:
        return parse_header(context.text, vocabulary, tsv_path=context.tsv_path)

    return read_header
