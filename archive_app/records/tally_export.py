"""Vote counts of a region as CSV, for auditors: one line per number read, with its
confidence, how far it is trusted (``status``) and the form's checks, exactly as read (never
corrected). After the candidate rows and the totals come the voter data and ballot sheets
(lines named by their key, e.g. ``USERS.TOTAL.JML``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from archive_app.domain import spreadsheet

COLUMNS = ("document_id", "election", "form_type", "year", "province", "regency", "district",
           "village", "tps", "line", "votes", "confidence", "consistent", "flags",
           "status")  # fmt: skip
FILTERS = ("election", "form_type", "year", "province", "regency", "district", "village", "tps")


# lines sent at a time (~60 KB): one write per form made ~10,000 small writes
CHUNK_LINES = 512
_SHEET_NUMBERS = ("voters", "users", "disabled", "sheets")


def csv_lines(services, filters: dict, header: Sequence[str] = COLUMNS) -> Iterator[str]:
    """The CSV, streamed in chunks (a province has hundreds of thousands of numbers);
    ``header`` is COLUMNS or their labels. Lines are joined from cells written once each
    (spreadsheet.CsvLines): a regency's export is millions of cells of a few thousand
    values, and a form's place and checks are one run of cells for all its lines."""
    lines = spreadsheet.CsvLines()
    cell, cells, sep, end = lines.cell, lines.cells, lines.sep, lines.end
    yield lines.line(cells(header))
    chunk: list[str] = []
    for form in services.metadata.readings.iter_tallies(filters):
        tally = form.tally
        consistent = "" if tally["consistent"] is None else str(tally["consistent"]).lower()
        # a line: the form's place, the number (its name, value, confidence), the form's
        # checks, the number's status
        head = cells((form.id, *form.place[:-1], f"{form.place[-1]:03d}")) + sep
        tail = sep + cells((consistent, " ".join(form.flags))) + sep
        numbers = {n["key"]: n for n in tally.get("numbers", [])}
        named = [
            (row["label"], row["votes"], row["confidence"], row.get("status", ""))
            for row in tally["rows"]
        ]
        for name in ("valid", "invalid", "ballots_used"):
            confidence = tally.get("confidences", {}).get(name, "")
            status = numbers.get(name, {}).get("status", "")
            named.append((name.upper(), tally[name], confidence, status))
        named += [
            (n["key"].upper(), n["votes"], n["confidence"], n["status"])
            for n in numbers.values()
            if n["kind"] in _SHEET_NUMBERS
        ]
        # joined here rather than through lines.line: a regency has 200,000 lines
        chunk += [
            f"{head}{cell(label)}{sep}{cell(_n(votes))}{sep}{cell(confidence)}{tail}"
            f"{cell(status)}{end}"
            for label, votes, confidence, status in named
        ]
        if len(chunk) >= CHUNK_LINES:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)


def _n(value) -> str:
    return "" if value is None else str(value)
