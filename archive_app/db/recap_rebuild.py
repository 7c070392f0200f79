"""Making every recap table again from the records (they are derived data).

One transaction, in bounded batches: the forms' rows from the records, which form counts
for each place, the sums by one ordered pass over the counted forms (a running sum per
level, written when the region changes), the findings, then every difference.

Memory stays flat at any size: the records and the findings are walked in keyset batches,
and the ordered passes (counted forms, sums, the regions whose differences are made) are
streamed (``_streamed``), never read into a list of every row. On PostgreSQL the ordered
passes were fetched whole into the client before their first row: the rebuild peaked at
949 MB resident at 820,000 TPS (312 MB on SQLite, whose cursor steps through a result).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import groupby
from typing import Any

from sqlalchemy import delete, insert, select, text, union, update
from sqlalchemy.orm import Session

from archive_app.db.models import (
    DifferenceRow,
    DifferenceTotalRow,
    ExpectedRow,
    PublishedRow,
    RecapFormRow,
    RecapSumRow,
    RecapValueRow,
    RecordRow,
    TpsRow,
)
from archive_app.db.recap_diffs import refresh_differences
from archive_app.db.recap_rows import chunks, entry_values, sum_row, tps_figures, upsert
from archive_app.db.recap_upkeep import ADDED, RecapUpkeep, value_dicts
from archive_app.domain import recap
from archive_app.domain.recap import Part
from archive_app.domain.recap_types import FORM_LEVELS
from archive_app.domain.records import Status
from vocabulary import regions

BATCH = 1000
STREAM = 5000  # rows a streamed pass holds at a time
WIDTHS = (0, 2, 4, 6, 10)


def rebuild(s: Session, upkeep: RecapUpkeep, progress: Callable[[int], Any] | None) -> dict:
    for table in (DifferenceTotalRow, DifferenceRow, RecapSumRow, RecapValueRow, RecapFormRow):
        s.execute(delete(table))
    forms = _entries(s, upkeep, progress)
    _analyze(s, "recap_forms", "recap_values")
    _listed(s)
    counted = _counted(s)
    _sums(s)
    _analyze(s, "recap_forms", "recap_sums")
    _findings(s, upkeep)
    elections = set(s.execute(select(RecapFormRow.election, RecapFormRow.year).distinct()).all())
    elections |= set(s.execute(select(PublishedRow.election, PublishedRow.year).distinct()).all())
    for election, year in sorted((str(e), int(y)) for e, y in elections):
        codes = (code for (code,) in _streamed(s, _codes(election, year)))
        for batch in chunks(codes):
            refresh_differences(s, election, year, batch, upkeep.max_voters, upkeep.days)
    return {"forms": forms, "counted": counted}


def _streamed(s: Session, query: Any) -> Any:
    """A query's rows a few thousand at a time, while the pass writes on the same
    connection: a server-side cursor on PostgreSQL (psycopg's ordinary cursor fetches the
    whole result first), SQLite's own cursor, which steps through the result anyway. A
    PostgreSQL cursor reads the snapshot it was opened in, so the pass's own writes do not
    come back to it."""
    return s.execute(query.execution_options(yield_per=STREAM))


def _analyze(s: Session, *tables: str) -> None:
    """Table statistics for PostgreSQL's planner, taken inside the rebuild's transaction.
    The tables were just emptied and filled in it, where autovacuum cannot see them, and
    without statistics the differences' reads (an IN list of 400 codes a statement) were
    planned as sequential scans: 3-4 s a statement over the sums at 50,000 TPS (seen in
    pg_stat_activity), the bulk of a rebuild that took 622 s. SQLite plans from its
    indexes alone here."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text(f"ANALYZE {', '.join(tables)}"))


def _entries(s: Session, upkeep: RecapUpkeep, progress) -> int:
    """The forms' rows from the records, a batch at a time, written as plain rows (Core
    executemany): ORM objects for a million forms cost minutes of Python.

    The batches walk the primary key alone and the form type and status are checked here:
    with them in the query SQLite read every ready record through the status index and
    sorted them all, for every batch (EXPLAIN QUERY PLAN: "USE TEMP B-TREE FOR ORDER BY"),
    a rebuild quadratic in the archive's size: at 823,546 records it had done 116,000 in
    22 minutes."""
    last, done = "", 0
    kinds = set(FORM_LEVELS)
    while True:
        batch = s.scalars(
            select(RecordRow).where(RecordRow.id > last).order_by(RecordRow.id).limit(BATCH)
        ).all()
        if not batch:
            return done
        last = batch[-1].id
        rows = [r for r in batch if r.form_type in kinds and r.status == Status.READY.value]
        forms: list[dict] = []
        printed: list[dict] = []
        for row in rows:
            values = entry_values(row, upkeep.days)
            if values is None:
                continue
            bands = recap.hash_bands(values["page_hash"])
            findings = values.pop("findings")
            forms.append(
                {
                    **values,
                    "counted": False,
                    "listed": None,
                    "findings": json.dumps(findings, ensure_ascii=False),
                    "hash_a": bands[0],
                    "hash_b": bands[1],
                    "hash_c": bands[2],
                    "hash_d": bands[3],
                }
            )
            if values["level"] != "tps":
                printed += value_dicts(values)
            done += 1
        s.expunge_all()
        for table, found in ((RecapFormRow, forms), (RecapValueRow, printed)):
            if found:
                s.connection().execute(insert(table), found)
        if progress:
            progress(len(rows))


def _listed(s: Session) -> None:
    """Whether each C.Hasil's TPS is on its voting day's list: an index probe of the list
    per form (EXISTS). As ``place IN (SELECT code ...)`` PostgreSQL did not hash the list
    once it outgrew work_mem, and compared each form with the whole list instead (a
    materialised sub-plan): at 820,000 TPS the statement ran over 4 minutes without
    finishing, a rebuild quadratic in the archive's size."""
    for poll in s.scalars(select(ExpectedRow.poll).where(ExpectedRow.region == "")).all():
        on_list = select(TpsRow.code).where(TpsRow.poll == poll, TpsRow.code == RecapFormRow.place)
        s.execute(
            update(RecapFormRow)
            .where(RecapFormRow.poll == poll, RecapFormRow.level == "tps", RecapFormRow.place != "")
            .values(listed=on_list.exists())
        )


def _counted(s: Session) -> int:
    """Choose the counted form of every place (domain ``counted_first``)."""
    query = (
        select(
            RecapFormRow.election,
            RecapFormRow.year,
            RecapFormRow.level,
            RecapFormRow.place,
            RecapFormRow.record_id,
            RecapFormRow.form_type,
            RecapFormRow.created_at,
        )
        .where(RecapFormRow.place != "")
        .order_by(RecapFormRow.election, RecapFormRow.year, RecapFormRow.level, RecapFormRow.place)
    )
    chosen: list[str] = []
    total = 0
    for _, group in groupby(_streamed(s, query), key=lambda r: tuple(r[:4])):
        found = recap.counted_first([(r[4], r[5], r[6].isoformat()) for r in group])
        if found:
            chosen.append(found)
        if len(chosen) >= BATCH:
            total += _mark(s, chosen)
            chosen = []
    return total + _mark(s, chosen)


def _mark(s: Session, ids: list[str]) -> int:
    for batch in chunks(ids):
        s.execute(
            update(RecapFormRow).where(RecapFormRow.record_id.in_(batch)).values(counted=True)
        )
    return len(ids)


def _sums(s: Session) -> None:
    """One ordered pass over the counted forms: a running sum per level."""
    query = (
        select(
            RecapFormRow.election,
            RecapFormRow.year,
            RecapFormRow.place,
            RecapFormRow.figures,
            RecapFormRow.listed,
        )
        .where(RecapFormRow.level == "tps", RecapFormRow.counted.is_(True))
        .order_by(RecapFormRow.election, RecapFormRow.year, RecapFormRow.place)
    )
    running: dict[int, tuple[tuple, dict[str, Part]]] = {}
    pending: list[dict] = []

    def flush(width: int) -> None:
        key, parts = running.pop(width)
        election, year, region = key
        level = regions.LEVELS.index(regions.LEVEL_OF[width])
        for code, part in parts.items():
            pending.append(sum_row(election, year, region, level, code, part))

    for election, year, place, figures, listed in _streamed(s, query):
        part = recap.contribution(tps_figures(figures), listed)
        for width in WIDTHS:
            key = (election, year, place[:width])
            if width in running and running[width][0] != key:
                flush(width)
            if width not in running:
                running[width] = (key, {})
            sums = running[width][1]
            for code, value in part.items():
                sums[code] = sums.get(code, Part()) + value
        if len(pending) > 20000:
            upsert(s, RecapSumRow, pending, ("election", "year", "region", "candidate"), add=ADDED)
            pending.clear()
    for width in list(running):
        flush(width)
    upsert(s, RecapSumRow, pending, ("election", "year", "region", "candidate"), add=ADDED)


def _findings(s: Session, upkeep: RecapUpkeep) -> None:
    """Every hashed page's findings, in keyset batches of forms: the ORM rows the upkeep
    loads are written and let go after each batch."""
    last = ""
    while True:
        ids = s.scalars(
            select(RecapFormRow.record_id)
            .where(RecapFormRow.page_hash != "", RecapFormRow.record_id > last)
            .order_by(RecapFormRow.record_id)
            .limit(BATCH)
        ).all()
        if not ids:
            return
        for record_id in ids:
            upkeep._findings(s, record_id)
        s.flush()
        s.expunge_all()
        last = ids[-1]


def _codes(election: str, year: int) -> Any:
    """Every region and TPS that may have a difference, once each, in order."""
    found = union(
        select(RecapSumRow.region).where(
            RecapSumRow.election == election,
            RecapSumRow.year == year,
            RecapSumRow.candidate == "_forms",
        ),
        select(PublishedRow.region).where(
            PublishedRow.election == election, PublishedRow.year == year
        ),
        select(RecapValueRow.region).where(
            RecapValueRow.election == election, RecapValueRow.year == year
        ),
    ).subquery("codes")
    return select(found.c.region).order_by(found.c.region)
