"""How records look in JSON: one shape for the API, the search hits and the UI's polling."""

from __future__ import annotations

from flask import url_for

from archive_app.domain.entities import Document, Page
from archive_app.domain.metadata import format_tps


def metadata_json(doc: Document) -> dict:
    meta = doc.metadata.as_dict()
    meta["tps_label"] = format_tps(doc.metadata.tps)
    return meta


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def document_json(doc: Document, pages: list[Page] | None = None) -> dict:
    body = {
        "id": doc.id,
        "status": doc.status.value,
        "metadata": metadata_json(doc),
        "pages": doc.page_count,
        "sha256": doc.sha256,
        "ocr_confidence": round(doc.ocr_confidence, 1) if doc.ocr_confidence is not None else None,
        "error": doc.error or None,
        "created_at": _iso(doc.created_at),
        "created_by": doc.created_by,
        "processed_at": _iso(doc.processed_at),
        "progress": {"done": doc.pages_done, "total": doc.page_count},
        "original_name": doc.original_name,
        "size": doc.size,
        "indexed": doc.index_state.value == "indexed",
        "links": {
            "self": url_for("api.get_document", doc_id=doc.id),
            "original": url_for("api.download", doc_id=doc.id, what="original"),
            "pdf": url_for("api.download", doc_id=doc.id, what="pdf"),
            "text": url_for("api.download", doc_id=doc.id, what="text"),
        },
    }
    if pages is not None:
        body["page_details"] = [
            {
                "number": p.number,
                "source": p.source,
                "confidence": round(p.confidence, 1) if p.confidence is not None else None,
                "words": p.words,
                "rotation": p.rotation,
                "view": url_for("api.page_image", doc_id=doc.id, number=p.number, size="view"),
                "thumb": url_for("api.page_image", doc_id=doc.id, number=p.number, size="thumb"),
            }
            for p in pages
        ]
    return body


def hit_json(doc: Document, score: float, highlights) -> dict:
    return {
        "id": doc.id,
        "score": round(score, 4),
        "status": doc.status.value,
        "metadata": metadata_json(doc),
        "highlights": list(highlights),
        "pages": doc.page_count,
        "thumbnail": (
            url_for("api.page_image", doc_id=doc.id, number=1, size="thumb")
            if doc.page_count
            else None
        ),
    }
