"""Vote counts of a region as CSV, for auditors: one line per number read, with its
confidence, how far it is trusted (``status``) and the form's checks, exactly as read (never
corrected). After the candidate rows and the totals come the voter data and ballot sheets
(lines named by their key, e.g. ``USERS.TOTAL.JML``)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from archive_app.domain import spreadsheet
from archive_app.domain.spreadsheet import Shared

COLUMNS = ("document_id", "election", "form_type", "year", "province", "regency", "district",
           "village", "tps", "line", "votes", "confidence", "consistent", "flags",
           "status")  # fmt: skip
FILTERS = ("election", "form_type", "year", "province", "regency", "district", "village", "tps")


CHUNK = 64 * 1024  # characters sent at a time: one write per form made ~10,000 small writes


def csv_lines(services, filters: dict, header: Sequence[str] = COLUMNS) -> Iterator[str]:
    """The CSV, streamed in chunks (a province has hundreds of thousands of numbers);
    ``header`` is COLUMNS or their labels. A form's place and checks are defused once for
    all its lines (a regency's export is millions of cells)."""
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield flush()
    line = writer.writerow_shared
    for form in services.metadata.readings.iter_tallies(filters):
        tally = form.tally
        head = Shared(form.id, *form.place[:-1], f"{form.place[-1]:03d}")
        consistent = "" if tally["consistent"] is None else str(tally["consistent"]).lower()
        tail = Shared(consistent, " ".join(form.flags))
        numbers = {n["key"]: n for n in tally.get("numbers", [])}
        for row in tally["rows"]:
            cells = (row["label"], _n(row["votes"]), row["confidence"])
            line(head, cells, tail, (row.get("status", ""),))
        for name in ("valid", "invalid", "ballots_used"):
            confidence = tally.get("confidences", {}).get(name, "")
            status = numbers.get(name, {}).get("status", "")
            line(head, (name.upper(), _n(tally[name]), confidence), tail, (status,))
        for n in numbers.values():
            if n["kind"] in ("voters", "users", "disabled", "sheets"):
                cells = (n["key"].upper(), _n(n["votes"]), n["confidence"])
                line(head, cells, tail, (n["status"],))
        if buffer.tell() >= CHUNK:
            yield flush()
    yield flush()


def _n(value) -> str:
    return "" if value is None else str(value)
