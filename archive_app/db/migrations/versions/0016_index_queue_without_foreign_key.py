"""index queue without a foreign key to documents

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:40:00

On PostgreSQL a foreign key is checked by locking the row it names (``FOR KEY SHARE``),
and a lock is written into the row's page. Queueing a record for the search index thus
wrote into its wide ``documents`` row (~4 kB, two to a page), and after each checkpoint a
whole page image of it went to the log: in a full retention refresh at 12M pages that was
71 % of the log's bytes, more than the refresh's own writes.

The queue is derived bookkeeping, not part of the record: a row of it names a record the
index should read again, and the index reads only records that exist (``queued_query``
joins ``documents``). Records are deleted only as abandoned upload reservations, which
are never queued. So the queue keeps no foreign key, on either database.
"""

from alembic import op
from sqlalchemy import inspect

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COPY = "INSERT INTO {new} (document_id, queued_at) SELECT document_id, queued_at FROM {old}"


def upgrade() -> None:
    _set_foreign_key(False)


def downgrade() -> None:
    op.execute("DELETE FROM index_queue WHERE document_id NOT IN (SELECT id FROM documents)")
    _set_foreign_key(True)


def _set_foreign_key(wanted: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if wanted:
            op.create_foreign_key(
                "index_queue_document_id_fkey", "index_queue", "documents",
                ["document_id"], ["id"],
            )  # fmt: skip
        else:
            for fk in inspect(bind).get_foreign_keys("index_queue"):
                op.drop_constraint(fk["name"], "index_queue", type_="foreignkey")
        return
    # SQLite cannot drop or add a constraint: the table is made again, as it holds only
    # what waits for the index
    key = ", FOREIGN KEY (document_id) REFERENCES documents (id)" if wanted else ""
    op.execute(
        "CREATE TABLE index_queue_new (document_id VARCHAR(32) NOT NULL, queued_at DATETIME"
        f" NOT NULL, PRIMARY KEY (document_id){key})"
    )
    op.execute(COPY.format(new="index_queue_new", old="index_queue"))
    op.execute("DROP TABLE index_queue")
    op.execute("ALTER TABLE index_queue_new RENAME TO index_queue")
