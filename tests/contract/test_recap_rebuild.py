"""The recap rebuild batched and streamed (issue 18: its memory must not grow with the
archive), on every database: batches of one row make the same tables as one batch does,
so no boundary between batches changes a form, a sum, a finding or a difference."""

from __future__ import annotations

from sqlalchemy import select

from archive_app.db import recap_rebuild
from archive_app.db.models import (
    DifferenceRow,
    DifferenceTotalRow,
    RecapFormRow,
    RecapSumRow,
    RecapValueRow,
)
from archive_app.db.recap_rows import chunks
from archive_app.domain.recap_types import PublishedBatch, Station
from tests.recap_helpers import archived, meta, recap_tally, tally

POLL = "2024-02-14"  # PPWP 2024's voting day (config/vocabulary.toml)
SAME_PAGE = ("a5a5a5a5a5a5a5a5", "")


def _tables(store) -> dict[str, list[tuple]]:
    out = {}
    with store.engines.read.connect() as conn:
        for model in (RecapFormRow, RecapValueRow, RecapSumRow, DifferenceRow, DifferenceTotalRow):
            table = model.__table__
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


def _nation(store) -> None:
    """Two districts of three villages, two or three TPS each: copies, an unsure count, a
    page filed twice, a form naming a TPS off the list, the district forms (one column
    off), the master list and published figures (one off)."""
    stations = []
    for district in ("33.13.05", "33.13.06"):
        columns = {}
        for village in (2001, 2002, 2003):
            code = f"{district}.{village}"
            total = [0, 0, 0]
            for tps in range(1, 3 + village % 2):
                stations.append(Station(code.replace(".", "") + f"{tps:03d}", 250))
                counts = [10 * tps, village % 7, 3]
                statuses = {"row2": "unsure"} if tps == 2 else None
                hashed = SAME_PAGE if (village, tps) == (2002, 1) else ("", "")
                archived(store, meta(code, tps), tally(counts, statuses=statuses), page_hash=hashed)
                total = [a + b for a, b in zip(total, counts, strict=True)]
            archived(store, meta(code, 1, form_type="C.HASIL.SALINAN"), tally([9, 9, 9]))
            columns[str(village)] = total
        columns["2003"] = [columns["2003"][0] + 4, *columns["2003"][1:]]
        own = [sum(c[i] for c in columns.values()) for i in range(3)]
        archived(store, meta(district, form_type="D.HASIL.KECAMATAN"), recap_tally(columns, own))
    archived(store, meta("33.13.05.2001", 9), tally([1, 2, 3]))
    store.tps.import_list(POLL, stations)
    figures = {("3313", "1"): (420, "2024-02-15 10:00:00"), ("331305", "2"): (7, "2024-02-15")}
    store.published.import_batch(PublishedBatch("rekap", "PPWP", 2024, "t", "rekap", figures), "t")


def test_batches_of_one_make_the_same_tables_as_one_batch(metadata_store, monkeypatch):
    """GIVEN an archived nation whose recap was rebuilt in the usual batches
    WHEN it is rebuilt again with every batch, stream and list of codes one or two long
    THEN the five recap tables are the same, row for row."""
    store = metadata_store
    _nation(store)
    assert store.recap.rebuild() == {"forms": 25, "counted": 19}
    whole = _tables(store)
    assert all(whole.values())
    monkeypatch.setattr(recap_rebuild, "BATCH", 1)
    monkeypatch.setattr(recap_rebuild, "STREAM", 1)
    monkeypatch.setattr(recap_rebuild, "chunks", lambda items: chunks(items, 2))
    assert store.recap.rebuild() == {"forms": 25, "counted": 19}
    assert _tables(store) == whole
