"""index pending: the records the search index has yet to take, found without a scan

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 14:00:00

The index's catch-up (the workers' sweep, and after a legal hold or a retention change)
asks for ready records whose ``index_state`` is pending. At 12,000,000 pages (5.4M
records) SQLite answered it through ``ix_documents_status_newest``: every ready record's
row read to test its index state, minutes for an answer that is usually "none"
(its statistics see two index states and three statuses, evenly spread). A partial index
holds only the pending records, so the question costs what is pending, not the archive.
"""

from alembic import op
from sqlalchemy import text

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PENDING = "index_state = 'pending'"


def upgrade() -> None:
    op.create_index(
        "ix_documents_index_pending",
        "documents",
        ["status", "id"],
        sqlite_where=text(PENDING),
        postgresql_where=text(PENDING),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE ix_documents_index_pending")


def downgrade() -> None:
    op.drop_index("ix_documents_index_pending", table_name="documents")
