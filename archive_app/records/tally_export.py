"""Vote counts of a region as CSV, for auditors: one line per number read, with its
confidence, how far it is trusted (``status``) and the form's checks, exactly as read (never
corrected). After the candidate rows and the totals come the voter data and ballot sheets
(lines named by their key, e.g. ``USERS.TOTAL.JML``)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from archive_app.domain import spreadsheet

COLUMNS = ("document_id", "election", "form_type", "year", "province", "regency", "district",
           "village", "tps", "line", "votes", "confidence", "consistent", "flags",
           "status")  # fmt: skip
FILTERS = ("election", "form_type", "year", "province", "regency", "district", "village", "tps")


def csv_lines(services, filters: dict, header: Sequence[str] = COLUMNS) -> Iterator[str]:
    """The CSV, streamed line by line (a province has hundreds of thousands of numbers);
    ``header`` is COLUMNS or their labels."""
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield flush()
    for record, tally in services.metadata.readings.iter_tallies(filters):
        m = record.metadata
        head = [record.id, m.election, m.form_type, m.year, m.province, m.regency, m.district,
                m.village, f"{m.tps:03d}"]  # fmt: skip
        tail = ["" if tally["consistent"] is None else str(tally["consistent"]).lower(),
                " ".join(record.flags)]  # fmt: skip
        numbers = {n["key"]: n for n in tally.get("numbers", [])}
        for row in tally["rows"]:
            status = row.get("status", "")
            writer.writerow([*head, row["label"], _n(row["votes"]), row["confidence"], *tail,
                             status])  # fmt: skip
        for name in ("valid", "invalid", "ballots_used"):
            confidence = tally.get("confidences", {}).get(name, "")
            status = numbers.get(name, {}).get("status", "")
            writer.writerow([*head, name.upper(), _n(tally[name]), confidence, *tail, status])
        for n in numbers.values():
            if n["kind"] in ("voters", "users", "disabled", "sheets"):
                line = [n["key"].upper(), _n(n["votes"]), n["confidence"]]
                writer.writerow([*head, *line, *tail, n["status"]])
        yield flush()


def _n(value) -> str:
    return "" if value is None else str(value)
