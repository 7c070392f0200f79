"""saved searches: named searches per user, optionally shared with everyone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.create_index("uq_saved_searches_owner_name", ["owner", "name"], unique=True)
        batch_op.create_index(batch_op.f("ix_saved_searches_shared"), ["shared"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_searches_shared"))
        batch_op.drop_index("uq_saved_searches_owner_name")
    op.drop_table("saved_searches")
