"""recapitulation check: TPS master list, sums, recap forms, published figures

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('page_hash', sa.String(length=16), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('page_print', sa.Text(), nullable=False, server_default='')
        )
    op.create_table('recap_regions',
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('recap_tps',
    sa.Column('poll', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('dpt', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('poll', 'code')
    )
    op.create_table('recap_expected',
    sa.Column('poll', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=10), nullable=False),
    sa.Column('tps', sa.Integer(), nullable=False),
    sa.Column('dpt', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('poll', 'region')
    )
    op.create_table('recap_forms',
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('poll', sa.String(length=16), nullable=False),
    sa.Column('form_type', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('place', sa.String(length=13), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=True),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('header', sa.String(length=13), nullable=False),
    sa.Column('page_hash', sa.String(length=16), nullable=False),
    sa.Column('page_print', sa.Text(), nullable=False),
    sa.Column('hash_a', sa.Integer(), nullable=False),
    sa.Column('hash_b', sa.Integer(), nullable=False),
    sa.Column('hash_c', sa.Integer(), nullable=False),
    sa.Column('hash_d', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('record_id')
    )
    with op.batch_alter_table('recap_forms', schema=None) as batch_op:
        batch_op.create_index('ix_recap_forms_place', ['election', 'year', 'place'], unique=False)
        batch_op.create_index(
            'ix_recap_forms_flagged', ['election', 'year', 'place'], unique=False,
            sqlite_where=sa.text("findings != '[]'"), postgresql_where=sa.text("findings != '[]'"),
        )
        batch_op.create_index(
            'ix_recap_forms_unlisted', ['election', 'year', 'place'], unique=False,
            sqlite_where=sa.text('listed = 0'), postgresql_where=sa.text('listed = false'),
        )
        for band in 'abcd':
            batch_op.create_index(f'ix_recap_forms_hash_{band}', [f'hash_{band}'], unique=False)
    op.create_table('recap_sums',
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=10), nullable=False),
    sa.Column('candidate', sa.String(length=24), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('confirmed', sa.BigInteger(), nullable=False),
    sa.Column('read', sa.BigInteger(), nullable=False),
    sa.Column('unsure', sa.BigInteger(), nullable=False),
    sa.Column('unread', sa.Integer(), nullable=False),
    sa.Column('forms', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('election', 'year', 'region', 'candidate')
    )
    with op.batch_alter_table('recap_sums', schema=None) as batch_op:
        batch_op.create_index(
            'ix_recap_sums_level', ['election', 'year', 'level', 'region'], unique=False
        )
    op.create_table('recap_values',
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('region', sa.String(length=10), nullable=False),
    sa.Column('candidate', sa.String(length=24), nullable=False),
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=8), nullable=False),
    sa.Column('own', sa.Boolean(), nullable=False),
    sa.Column('votes', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('box', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('record_id', 'region', 'candidate')
    )
    with op.batch_alter_table('recap_values', schema=None) as batch_op:
        batch_op.create_index(
            'ix_recap_values_region', ['election', 'year', 'region'], unique=False
        )
    op.create_table('published_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=16), nullable=False),
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('figures', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('published_imports', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_published_imports_imported_at'), ['imported_at'], unique=False
        )
    op.create_table('published_figures',
    sa.Column('series', sa.String(length=16), nullable=False),
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=13), nullable=False),
    sa.Column('candidate', sa.String(length=24), nullable=False),
    sa.Column('votes', sa.BigInteger(), nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', 'election', 'year', 'region', 'candidate')
    )
    with op.batch_alter_table('published_figures', schema=None) as batch_op:
        batch_op.create_index('ix_published_region', ['election', 'year', 'region'], unique=False)
    op.create_table('published_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=16), nullable=False),
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=13), nullable=False),
    sa.Column('candidate', sa.String(length=24), nullable=False),
    sa.Column('old_votes', sa.BigInteger(), nullable=False),
    sa.Column('new_votes', sa.BigInteger(), nullable=False),
    sa.Column('old_import', sa.Integer(), nullable=False),
    sa.Column('new_import', sa.Integer(), nullable=False),
    sa.Column('old_ts', sa.String(length=32), nullable=False),
    sa.Column('new_ts', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('published_changes', schema=None) as batch_op:
        batch_op.create_index(
            'ix_published_changes_region', ['election', 'year', 'region'], unique=False
        )
    op.create_table('recap_differences',
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=13), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('deltas', sa.Text(), nullable=False),
    sa.Column('swing', sa.BigInteger(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('explained', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('election', 'year', 'region', 'kind')
    )
    with op.batch_alter_table('recap_differences', schema=None) as batch_op:
        batch_op.create_index(
            'ix_recap_differences_order', ['election', 'year', 'explained', 'swing'],
            unique=False,
        )
    op.create_table('recap_difference_totals',
    sa.Column('election', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('election', 'year', 'region', 'kind')
    )


def downgrade() -> None:
    for table in ('recap_difference_totals', 'recap_differences', 'published_changes', 'published_figures',
                  'published_imports', 'recap_values', 'recap_sums', 'recap_forms',
                  'recap_expected', 'recap_tps', 'recap_regions'):
        op.drop_table(table)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('page_print')
        batch_op.drop_column('page_hash')
