"""Rows of the recap tables and the plain values made from them, both ways, and the one
upsert that adds to a sum on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from archive_app.db.models import ExpectedRow, RecapFormRow, RecordRow
from archive_app.domain import recap
from archive_app.domain.recap import Figure
from archive_app.domain.recap_compare import misfiled
from archive_app.domain.recap_types import FORM_LEVELS, FormEntry, poll_of
from archive_app.domain.records import Status
from vocabulary import regions

CHUNK = 400  # codes per IN (...) list


def upsert(
    s: Session,
    model: Any,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    add: Sequence[str] = (),
    replace: Sequence[str] = (),
) -> None:
    """INSERT ... ON CONFLICT: ``add`` columns are added to the stored ones, ``replace``
    columns overwrite them. Rows go in sorted by key, so concurrent writers lock the same
    rows in the same order (no deadlock on PostgreSQL)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))
    insert = sqlite_insert if s.get_bind().dialect.name == "sqlite" else pg_insert
    table = model.__table__
    stmt = insert(table)
    values: dict[str, Any] = {c: table.c[c] + stmt.excluded[c] for c in add}
    values |= {c: stmt.excluded[c] for c in replace}
    if values:
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=values)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    # One statement, many parameter sets (the driver's executemany): a multi-row VALUES
    # built per call made SQLAlchemy compile tens of thousands of bind parameters each time.
    s.flush()
    s.connection().execute(stmt, [dict(r) for r in ordered])


def sum_row(election: str, year: int, region: str, level: int, code: str, part) -> dict:
    """A recap_sums row: one candidate's part under one region (written by the rebuild and
    by the upkeep, so both agree)."""
    return {
        "election": election, "year": year, "region": region, "candidate": code,
        "level": level, "label": part.label[:200], "confirmed": part.confirmed,
        "read": part.read, "unsure": part.unsure, "unread": part.unread, "forms": part.forms,
    }  # fmt: skip


def core_table(model: Any) -> Table:
    """A model's table, for Core statements: an ORM bulk delete first evaluates its
    criteria against the session's objects and an ORM insert builds an object per row
    (in a profile of corrected forms at 20,000 TPS the ORM's bulk statements took ~15 %
    of the time, more than SQLite spent on every statement of the correction)."""
    return cast(Table, model.__table__)


def chunks(items: Iterable[str], size: int = CHUNK) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- a record as the recap sees it ------------------------------------------------------------


def place_of(level: str, region_code: str, tps: int) -> str:
    """Where a form belongs: a TPS code for a C.Hasil (its village code and TPS number), the
    district or regency code of a recap form; "" when the record's code is too short."""
    code = regions.digits(region_code) or ""
    if level == "tps":
        if len(code) < 10 or not 1 <= tps <= 999:
            return ""
        return regions.tps_code(code[:10], tps)
    width = regions.DIGITS[level]
    return code[:width] if len(code) >= width else ""


def entry_values(row: RecordRow, days: Any) -> dict[str, Any] | None:
    """The recap_forms row a record should have now, or None when it has no part in the
    recap (not a result or recap form, not ready, destroyed, or without election/year)."""
    level = FORM_LEVELS.get(row.form_type)
    if (
        level is None
        or row.status != Status.READY.value
        or row.final_state == "disposed"
        or not row.election
        or not row.year
    ):
        return None
    tally = json.loads(row.tally) if row.tally else {}
    numbers = recap.tally_numbers(tally) if tally else []
    place = place_of(level, row.region_code, row.tps)
    if level == "tps":
        figures: dict[str, Any] = {c: f.as_json() for c, f in recap.figures_of(numbers).items()}
    else:
        figures = {}
        for column, found in recap.split_columns(numbers).items():
            code = _column(place, level, column)
            if code is not None:
                figures[code] = {c: f.as_json() for c, f in recap.figures_of(found).items()}
    extracted = json.loads(row.extracted or "{}")
    filed = {"region_code": row.region_code, "village": row.village, "tps": row.tps}
    finding = misfiled(filed, extracted) if level == "tps" else None
    return {
        "record_id": row.id,
        "election": row.election,
        "year": row.year,
        "poll": poll_of(row.election, row.year, days),
        "form_type": row.form_type,
        "level": level,
        "place": place,
        "figures": json.dumps(figures, ensure_ascii=False, separators=(",", ":")),
        "findings": [{"code": finding.code, "params": finding.params}] if finding else [],
        "header": _header_code(extracted, row),
        "page_hash": row.page_hash or "",
        "page_print": row.page_print or "",
        "created_at": row.created_at,
    }


def _column(place: str, level: str, column: str) -> str | None:
    """A recap form's column as a child region's code (digits): "" is the form's own total;
    a column printed with a short code ("2001") is read under the form's own code."""
    if not column:
        return ""
    child = regions.child_level(level)
    if child is None or not place:
        return None
    width = regions.DIGITS[child]
    if len(column) == width and column.startswith(place):
        return column
    if len(column) == width - len(place):
        return place + column
    return None


def _header_code(extracted: Mapping[str, Any], row: RecordRow) -> str:
    """The TPS code the header names, when it reads a full village code and a TPS."""
    code = regions.digits(str((extracted.get("region_code") or {}).get("value") or "")) or ""
    tps = (extracted.get("tps") or {}).get("value")
    if len(code) >= 10 and isinstance(tps, int) and 1 <= tps <= 999:
        return regions.tps_code(code[:10], tps)
    return ""


def form_entry(row: RecapFormRow) -> FormEntry:
    raw = json.loads(row.figures or "{}")
    if row.level == "tps":
        figures: dict[str, Any] = {c: Figure.from_json(c, f) for c, f in raw.items()}
    else:
        figures = {
            column: {c: Figure.from_json(c, f) for c, f in values.items()}
            for column, values in raw.items()
        }
    return FormEntry(
        record_id=row.record_id,
        form_type=row.form_type,
        level=row.level,
        place=row.place,
        counted=row.counted,
        listed=row.listed,
        figures=figures,
        findings=json.loads(row.findings or "[]"),
        header=row.header,
        created_at=row.created_at,
    )


def tps_figures(raw: str) -> dict[str, Figure]:
    return {c: Figure.from_json(c, f) for c, f in json.loads(raw or "{}").items()}


def has_list(s: Session, poll: str) -> bool:
    """Whether a master list was imported for the voting day."""
    return s.get(ExpectedRow, (poll, "")) is not None


def counted_rows(s: Session, election: str, year: int, places: list[str]) -> list[RecapFormRow]:
    return list(
        s.scalars(
            select(RecapFormRow).where(
                RecapFormRow.election == election,
                RecapFormRow.year == year,
                RecapFormRow.place.in_(places),
                RecapFormRow.counted.is_(True),
            )
        )
    )
