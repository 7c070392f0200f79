"""Vote counts of a region as CSV, for auditors: one line per number read, with its
confidence, how far it is trusted (``status``) and the form's checks, exactly as read (never
corrected). After the candidate rows and the totals come the voter data and ballot sheets
(lines named by their key, e.g. ``USERS.TOTAL.JML``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from archive_app.domain import spreadsheet, tally_lines

COLUMNS = ("document_id", "election", "form_type", "year", "province", "regency", "district",
           "village", "tps", "line", "votes", "confidence", "consistent", "flags",
           "status")  # fmt: skip
FILTERS = ("election", "form_type", "year", "province", "regency", "district", "village", "tps")


# characters sent at a time (~256 KB): one write per form made ~10,000 small writes
CHUNK = 256_000


def csv_lines(services, filters: dict, header: Sequence[str] = COLUMNS) -> Iterator[str]:
    """The CSV, streamed in chunks (a province has hundreds of thousands of numbers);
    ``header`` is COLUMNS or their labels.

    A form's lines come from the text kept when its counts were stored
    (``domain.tally_lines``) with its place and flags put in; a form kept in another layout,
    or not at all, is written from its counts. Either way a line's cells are written once
    each (spreadsheet.CsvLines): a regency is millions of cells of a few thousand values."""
    lines = spreadsheet.CsvLines()
    cell, cells, once, sep, end = lines.cell, lines.cells, lines.once, lines.sep, lines.end
    yield lines.line(cells(header))
    chunk: list[str] = []
    size = 0
    villages: dict[tuple, str] = {}  # a village's run of cells, shared by its forms
    for form in services.metadata.readings.iter_tallies(filters):
        *village, tps = form.place
        key = tuple(village)
        run = villages.get(key)
        if run is None:
            if len(villages) >= spreadsheet.CsvLines.KEPT:
                villages.clear()
            run = villages[key] = sep + cells(key) + sep
        place = once(form.id) + run + cell(f"{tps:03d}") + sep
        flags = cell(" ".join(form.flags))
        if form.kept is not None:
            text = tally_lines.unpacked(form.kept, place, flags, end)
        else:
            text = "".join(
                f"{place}{before}{flags}{after}{end}"
                for before, after in tally_lines.pieces(form.tally, lines)
            )
        chunk.append(text)
        size += len(text)
        if size >= CHUNK:
            yield "".join(chunk)
            chunk, size = [], 0
    yield "".join(chunk)
