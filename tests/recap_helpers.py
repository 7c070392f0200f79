"""Records with vote counts for the recapitulation tests, put in place through the real
store (claim and finish, as processing does) without running OCR."""

from __future__ import annotations

import uuid

from archive_app.domain.entities import NewRecord, Page, PageReadings, StoredFile
from archive_app.domain.metadata import RecordMetadata

PAGE = Page(1, "ocr", "suara sah", 90.0, 2, 0, 2480, 3508)


def numbers(votes, invalid=2, status="confirmed", *, statuses=None, users=None, page=1) -> list:
    """A C.Hasil's numbers as the tally reader stores them: candidate rows, the totals,
    and (with ``users``) the voters who used their vote."""
    statuses = statuses or {}
    out = []
    for at, value in enumerate(votes, 1):
        key = f"row{at}"
        out.append(
            {
                "key": key,
                "kind": "candidate",
                "label": f"PASLON {at}",
                "votes": value,
                "status": statuses.get(key, status),
                "page": page,
                "column": "votes",
                "box": [0.6, 0.3 + 0.03 * at, 0.7, 0.32 + 0.03 * at],
            }
        )
    valid = sum(v for v in votes if v is not None)
    totals = [("valid", valid)]
    if invalid is not None:
        totals += [("invalid", invalid), ("ballots_used", valid + invalid)]
    for key, value in totals:
        out.append(
            {
                "key": key,
                "kind": key,
                "label": key,
                "votes": value,
                "page": page,
                "status": statuses.get(key, status),
                "column": "votes",
                "box": [0.6, 0.6, 0.7, 0.62],
            }
        )
    if users is not None:
        out.append(
            {
                "key": "users.total.JML",
                "kind": "users",
                "label": "pengguna",
                "votes": users,
                "status": status,
                "page": page,
                "column": "JML",
            }
        )
    return out


def tally(votes, invalid=2, status="confirmed", **options) -> dict:
    found = numbers(votes, invalid, status, **options)
    rows = [n for n in found if n["kind"] == "candidate"]
    by_key = {n["key"]: n for n in found}
    return {
        "rows": rows,
        "valid": by_key["valid"]["votes"],
        "invalid": invalid,
        "ballots_used": by_key.get("ballots_used", {}).get("votes"),
        "consistent": True,
        "problems": [],
        "confidences": {},
        "numbers": found,
        "checks": [],
        "issues": [],
        "review": False,
    }


def recap_tally(columns: dict[str, list[int]], total: list[int], invalid=None) -> dict:
    """A D.Hasil's numbers: each child column (by code) and the form's own total."""
    found = []
    for column, votes in [*columns.items(), ("", total)]:
        suffix = f"@{column}" if column else ""
        for n in numbers(votes, invalid):
            found.append({**n, "key": n["key"] + suffix})
    return {
        "rows": [],
        "valid": None,
        "invalid": None,
        "ballots_used": None,
        "consistent": True,
        "numbers": found,
        "checks": [],
        "issues": [],
    }


def meta(code: str, tps: int = 1, form_type="C.HASIL", election="PPWP", year=2024, **more):
    return RecordMetadata(
        election,
        form_type,
        year,
        "Jawa Tengah",
        "Karanganyar",
        "Jaten",
        more.pop("village", "Papahan"),
        tps,
        region_code=code,
        **more,
    )


def archived(
    store, metadata: RecordMetadata, found: dict | None, *, extracted=None, page_hash=("", "")
) -> str:
    """A record processed with this tally, through claim and finish."""
    record_id = uuid.uuid4().hex
    store.records.begin_upload(
        NewRecord(record_id, uuid.uuid4().hex * 2, metadata, "png", "c.png", 10, 1, "ani")
    )
    store.records.complete_upload(
        record_id, [StoredFile("original", f"k/{record_id}", "a" * 64, 10)]
    )
    store.jobs.claim(record_id, "w", 60)
    readings = PageReadings(metadata, extracted or {}, [], found, True, False, *page_hash)
    store.jobs.finish(record_id, "w", [PAGE], [], 90.0, readings)
    return record_id


def votes(store, election, year, region) -> dict:
    """{candidate: total} of a region's sums (counters left out)."""
    sums = store.recap.sums(election, year, [region])[region]
    return {c: p.total for c, p in sums.parts.items() if not c.startswith("_")}
