"""no retention row for an upload's reservation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:30:00

Migration 0014 first copied every ``documents`` row into ``record_retention``, the
reservation of an upload still under way too. A record's retention row is made when its
upload completes (``complete_upload``), so such a reservation could neither complete (a
second row for the same record) nor be abandoned: its row is deleted with no cascade, and
the row in ``record_retention`` refused the delete. The sweep that abandons stale uploads
then failed on it every time, and the steps after it in the sweep never ran.

The counts are unchanged: they count a retention row only beside a visible document, and
a reservation is not one.
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

RESERVATIONS = "SELECT id FROM documents WHERE status = 'uploading'"


def upgrade() -> None:
    op.execute(f"DELETE FROM index_queue WHERE document_id IN ({RESERVATIONS})")
    op.execute(f"DELETE FROM record_retention WHERE document_id IN ({RESERVATIONS})")


def downgrade() -> None:
    """Nothing to put back: the rows deleted were never wanted."""
