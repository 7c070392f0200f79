"""The audit trail: recording every action (``record``), reading it back (``timeline``,
``write_csv``) and anchoring it outside the database (``checkpoints``)."""

from archive_app.audit.export import COLUMNS, csv_chunks, timeline, write_csv
from archive_app.audit.trail import record

__all__ = ["COLUMNS", "csv_chunks", "record", "timeline", "write_csv"]
