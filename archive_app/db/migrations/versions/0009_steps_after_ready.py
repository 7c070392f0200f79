"""steps after ready: what a record still owes once it turned ready

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:00:00

``after_ready`` names, as ``[step][step]``, the steps that must run once a record is ready
(query-scoped holds, the retention refresh). It is set in the transaction that marks the
record ready and each name is removed when its step is done, so a worker killed in between
leaves the debt written down: the sweep pays it, and disposition refuses the record until
then. The partial index holds only the few rows that owe something.
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OWING = sa.text("after_ready != ''")


def upgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("after_ready", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.create_index(
            "ix_documents_after_ready", ["processed_at", "id"], unique=False,
            sqlite_where=OWING, postgresql_where=OWING,
        )  # fmt: skip


def downgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_after_ready")
        batch_op.drop_column("after_ready")
