"""How records look in JSON: one shape for the API, the search hits and the UI's polling."""

from __future__ import annotations

from typing import Any

from flask import url_for

from archive_app.audit import readable
from archive_app.domain.entities import DispositionList, Hold, Page, Record
from archive_app.domain.retention import Retention
from archive_app.records.reconcile import issue_json
from ingest.models import Issue
from vocabulary.places import format_tps


def metadata_json(record: Record) -> dict:
    meta = record.metadata.as_dict()
    meta["tps_label"] = format_tps(record.metadata.tps)
    return meta


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _day(value) -> str | None:
    return value.isoformat() if value else None


def record_json(
    record: Record,
    pages: list[Page] | None = None,
    retention: Retention | None = None,
    readings: dict | None = None,
) -> dict:
    body: dict[str, Any] = {
        "id": record.id,
        "status": record.status.value,
        "metadata": metadata_json(record),
        "pages": record.page_count,
        "sha256": record.sha256,
        "ocr_confidence": round(record.ocr_confidence, 1)
        if record.ocr_confidence is not None
        else None,
        "error": record.error or None,
        "created_at": _iso(record.created_at),
        "created_by": record.created_by,
        "processed_at": _iso(record.processed_at),
        "progress": {"done": record.pages_done, "total": record.page_count},
        "original_name": record.original_name,
        "size": record.size,
        "indexed": record.index_state.value == "indexed",
        "links": {
            "self": url_for("api.records.get_record", record_id=record.id),
            "original": url_for("api.records.download", record_id=record.id, what="original"),
            "pdf": url_for("api.records.download", record_id=record.id, what="pdf"),
            "pdfa": url_for("api.records.download", record_id=record.id, what="pdfa"),
            "text": url_for("api.records.download", record_id=record.id, what="text"),
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
                "view": url_for(
                    "api.records.page_image", record_id=record.id, number=p.number, size="view"
                ),
                "thumb": url_for(
                    "api.records.page_image", record_id=record.id, number=p.number, size="thumb"
                ),
            }
            for p in pages
        ]
    if retention is not None:
        body["retention"] = retention_json(retention)
    if readings is not None:
        body.update(readings_json(record, readings))
    return body


def readings_json(record: Record, readings: dict) -> dict:
    """What was read from the pages: metadata fields with confidences, whether a person must
    confirm them (and why), the vote counts with their checks, and the auditors' flags."""
    tally = readings.get("tally")
    return {
        "extracted": {
            name: {"value": r["value"], "confidence": r["confidence"], "source": r["source"]}
            for name, r in (readings.get("extracted") or {}).items()
        },
        "review": bool(readings.get("review")),
        "review_reasons": readings.get("reasons") or [],
        "tally": None if tally is None else tally_json(record, tally),
        "flags": list(record.flags),
    }


def tally_json(record: Record, tally: dict) -> dict:
    """The vote counts as read, with their checks. ``rows``, ``valid``, ``invalid``,
    ``ballots_used``, ``consistent``, ``confidences`` and ``problems`` keep their shape;
    each number (in ``rows``, ``totals``, ``voters``, ``sheets`` and the flat ``numbers``)
    also says how far it can be trusted (``status``), gives both readings (``digits`` and
    ``words``) and links to a crop of the page where each was read (``crop``)."""
    numbers = [_number(record, n) for n in tally.get("numbers", [])]
    by_key = {n["key"]: n for n in numbers}
    rows = []
    for row in tally["rows"]:
        number = by_key.get(row.get("key"), {})
        rows.append({**row, **{k: number[k] for k in _PLACE if k in number}})
    voters: dict = {}
    for n in numbers:
        if n["kind"] in ("voters", "users", "disabled"):
            voters.setdefault(n["kind"], {}).setdefault(n["role"], {})[n["column"]] = n
    return {
        "rows": rows,
        "valid": tally["valid"],
        "invalid": tally["invalid"],
        "ballots_used": tally["ballots_used"],
        "consistent": tally["consistent"],
        "confidences": tally.get("confidences", {}),
        "problems": tally.get("problems", []),
        "review": tally.get("review"),
        "totals": {k: by_key.get(k) for k in ("valid", "invalid", "ballots_used")},
        "voters": voters,
        "sheets": {n["role"]: n for n in numbers if n["kind"] == "sheets"},
        "numbers": numbers,
        "checks": tally.get("checks", []),
        "issues": [_issue(i) for i in tally.get("issues", [])],
    }


_PLACE = ("status", "page", "box", "crop", "digits", "words")


def _number(record: Record, n: dict) -> dict:
    out = {**n, "crop": _crop(record, n.get("page"), n.get("box"))}
    for name in ("digits", "words"):
        if n.get(name):
            out[name] = {**n[name], "crop": _crop(record, n.get("page"), n[name].get("box"))}
    return out


def _crop(record: Record, page: int | None, box) -> str | None:
    if not page or not box:
        return None
    shares = ",".join(f"{v:.4f}" for v in box)
    return url_for("api.records.page_crop", record_id=record.id, number=page, box=shares)


def _issue(issue: dict) -> dict:
    """An issue with its sentences made now from its code and parameters (Indonesian for
    people, English as before)."""
    stored = Issue(issue["code"], issue.get("params", {}), tuple(issue.get("numbers", ())))
    return issue_json(stored)


def retention_json(r: Retention) -> dict:
    """Part of the public contract: state, action, changes_at and holds keep their names."""
    return {
        "state": r.state.value,
        "action": r.action,
        "changes_at": _day(r.changes_at),
        "holds": [{"id": h.id, "reason": h.reason, "case_ref": h.case_ref} for h in r.holds],
        "series": r.series or None,
        "active_until": _day(r.active_until),
        "inactive_until": _day(r.inactive_until),
    }


def hold_json(h: Hold) -> dict:
    return {
        "id": h.id,
        "reason": h.reason,
        "case_ref": h.case_ref,
        "query": h.query,
        "records": h.records,
        "active": h.active,
        "created_at": _iso(h.created_at),
        "created_by": h.created_by,
        "released_at": _iso(h.released_at),
        "released_by": h.released_by or None,
        "release_reason": h.release_reason or None,
    }


def disposition_json(d: DispositionList, items=None) -> dict:
    body = {
        "id": d.id,
        "action": d.action,
        "status": d.status,
        "comment": d.comment,
        "records": d.items,
        "proposed_by": d.proposed_by,
        "proposed_at": _iso(d.proposed_at),
        "decided_by": d.decided_by or None,
        "decided_at": _iso(d.decided_at),
        "decision_comment": d.decision_comment or None,
        "executed_by": d.executed_by or None,
        "executed_at": _iso(d.executed_at),
        "report": url_for("api.dispositions.disposition_report", list_id=d.id)
        if d.report_key
        else None,
        "report_sha256": d.report_sha256 or None,
        "packages": d.packages,
    }
    if items is not None:
        body["items"] = [{"id": i, "state": state, "note": note} for i, state, note in items]
    return body


def audit_json(entry: dict) -> dict:
    """The entry with its stable ``action`` code and, beside it, the words people read."""
    return {**entry, "at": _iso(entry["at"]), "label": readable.action_label(entry["action"])}


def hit_json(record: Record, score: float, highlights) -> dict:
    return {
        "id": record.id,
        "score": round(score, 4),
        "status": record.status.value,
        "metadata": metadata_json(record),
        "highlights": list(highlights),
        "pages": record.page_count,
        "thumbnail": (
            url_for("api.records.page_image", record_id=record.id, number=1, size="thumb")
            if record.page_count
            else None
        ),
    }


def _page_url(record_id: str, number: int, size: str) -> str:
    return url_for("api.records.page_image", record_id=record_id, number=number, size=size)


def _report_url(list_id: int) -> str:
    return url_for("api.dispositions.disposition_report", list_id=list_id)
