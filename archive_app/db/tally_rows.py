"""The kept tally CSV lines of records (``tally_lines``, migration 0020): written in the
transaction that stores a record's vote counts, and for records stored before there were
any (``archive tally-lines``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from sqlalchemy import String, and_, bindparam, delete, insert, or_, select
from sqlalchemy.orm import Session

from archive_app.db.models import RecordRow, TallyLinesRow
from archive_app.db.session import Sessions
from archive_app.domain import spreadsheet, tally_lines

log = logging.getLogger(__name__)


def keep(s: Session, record_id: str, tally: str) -> None:
    """Write the record's lines from ``tally``, its counts as the row now holds them (the
    text the export would decode), in place of any kept before."""
    _write(s, [(record_id, tally)])


def keep_missing(sessions: Sessions, batch_size: int = 500) -> Iterator[tuple[int, int]]:
    """Write the lines of records with counts but none kept in this layout, a batch per
    transaction, in id order; yields each batch's (records read, lines kept), for batches
    that had any to write (a stretch with none yields nothing): a form whose
    lines cannot be kept (domain.tally_lines.packed) is read again by every run, and written
    from its counts by every export.

    A batch is the records missing lines among the next ``batch_size`` ids: a window of
    the primary key, so each costs the same at any size. Asked for the first missing ones
    after an id, PostgreSQL took the anti-join to match almost nothing and read the whole
    table for each batch (3-13 s a batch at 12M pages, ~590 records/s).

    The batch's ``documents`` rows are locked (FOR SHARE on PostgreSQL) while their lines
    are written, so that counts changed meanwhile cannot leave older lines behind: the
    writer waits, and its trigger then removes them."""
    stale = or_(TallyLinesRow.document_id.is_(None), TallyLinesRow.version != tally_lines.VERSION)
    after, upto = bindparam("after", type_=String), bindparam("upto", type_=String)
    window = select(RecordRow.id).where(RecordRow.id > after).order_by(RecordRow.id)
    missing = (
        select(RecordRow.id, RecordRow.tally)
        .outerjoin(
            TallyLinesRow,
            and_(
                TallyLinesRow.document_id == RecordRow.id,
                TallyLinesRow.document_id > after,
                TallyLinesRow.document_id <= upto,
            ),
        )  # fmt: skip
        .where(RecordRow.id > after, RecordRow.id <= upto, RecordRow.tally != "", stale)
        .order_by(RecordRow.id)
        .with_for_update(read=True, of=RecordRow)
    )
    last = ""
    while True:
        with sessions.write() as s:
            ids = s.scalars(window.limit(batch_size), {"after": last}).all()
            if not ids:
                return
            rows = s.execute(missing, {"after": last, "upto": ids[-1]}).all()
            kept = _write(s, [(record_id, tally) for record_id, tally in rows])
        last = ids[-1]
        if rows:
            yield len(rows), kept


def _write(s: Session, tallies: list[tuple[str, str]]) -> int:
    """Each record's lines from its counts (id, tally text), in place of any kept before: a
    statement for all; how many were kept. Counts the export could not write either keep
    nothing: they must not fail the processing that stores them."""
    if not tallies:
        return 0
    s.execute(delete(TallyLinesRow).where(TallyLinesRow.document_id.in_([i for i, _ in tallies])))
    lines = spreadsheet.CsvLines()
    kept = []
    for record_id, tally in tallies:
        if not tally:
            continue
        try:
            text = tally_lines.packed(json.loads(tally), lines)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            log.warning("tally of %s not kept as lines: %r", record_id, exc)
            continue
        if text is not None:
            kept.append({"document_id": record_id, "version": tally_lines.VERSION, "lines": text})
    if kept:
        s.execute(insert(TallyLinesRow), kept)
    return len(kept)
