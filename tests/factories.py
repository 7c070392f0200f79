"""What many tests need: the metadata of one well-formed C.Hasil record, and ways to put a
record into a given state without running OCR."""

from __future__ import annotations

META = {
    "election": "PPWP",
    "form_type": "C.HASIL",
    "year": "2024",
    "province": "Jawa Tengah",
    "regency": "Karanganyar",
    "district": "Jaten",
    "village": "Papahan",
    "tps": "1",
}


def metadata(**changes) -> dict:
    """META with some fields changed (values as a form would send them)."""
    return {**META, **{k: str(v) for k, v in changes.items()}}


def without(*names: str) -> dict:
    """META without these fields (what a batch shares, or an upload left for the page)."""
    return {k: v for k, v in META.items() if k not in names}


def mark_processed(services, record_id: str, *, review: bool) -> None:
    """The record as processing leaves it: ready, and waiting for review or not.

    Sets the row's state directly: these tests are about what happens after processing,
    and OCR would only make them slower.
    """
    from archive_app.db.models import RecordRow

    with services.metadata.records._s.write() as s:
        row = s.get(RecordRow, record_id)
        row.status = "ready"
        row.needs_review = review
        row.review_reasons = '["tps"]' if review else "[]"
