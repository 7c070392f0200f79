"""The background tasks, by name: what the application asks a worker to do.

The names are the contract between those who enqueue (uploads, the sweep, a transfer) and
the registry that runs them (archive_app/operations/tasks.py); the queue adapter knows
neither, it only carries names and arguments.
"""

from __future__ import annotations

PROCESS_RECORD = "process_document"  # (record id): OCR and read one record
INDEX_PENDING = "index_pending"  # (): bring the search index up to date
PRESERVE_RECORD = "preserve_record"  # (record id, again=False): make its PDF/A copy
