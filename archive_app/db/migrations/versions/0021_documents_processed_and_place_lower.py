"""three indexes on documents: when a record was processed, and its district and village
as filters compare them

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:00:00

Found at 12M pages (5.4M records, ``documents`` ~22 GB on PostgreSQL), where no index
served these questions, so each read the whole table:

- ``ix_documents_processed``: the sweep asks, every minute the queue is empty, for records
  processed in the last day that lack their PDF/A copy (``sweeping.lost_copies``). The
  usual answer is none, and finding none meant a parallel scan of every row: 1.7 s a
  minute at 12M on a warm cache. The index reads the day's records only.
- ``ix_documents_district_lower`` and ``ix_documents_village_lower``: the tally CSV of a
  district (8,074 forms) took 19.8 s at 12M. A place filter compares lowercased values,
  and only the province and regency had an index of that shape (migration 0008's
  ``(lower(x), id)``, which also gives the keyset order); PostgreSQL walked the primary key
  for a district, checking every row. The retention list filtered by district or village
  reads them too.

Built in the migration's transaction, while writes to ``documents`` wait: 22 s at 12M
pages with the table in the cache, longer from disk.
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_documents_processed": "processed_at, id",
    "ix_documents_district_lower": "lower(district), id",
    "ix_documents_village_lower": "lower(village), id",
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON documents ({columns})")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
