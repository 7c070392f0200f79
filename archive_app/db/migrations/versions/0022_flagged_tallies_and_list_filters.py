"""four indexes for pages found slow at 12M pages: the start page's chart of flagged
tallies, and the retention list filtered by due action, form type or election

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 01:15:00

Found at 12M pages (5.4M records) by timing every page with filters the benchmark did
not ask before (docs/benchmarks.md, seventeenth session):

- ``ix_documents_tally_flagged``: an auditor's start page (``/beranda``) charts, per
  province, the records whose tally does not add up or holds doubtful numbers. With no
  index for that, it read every row: 2.2-2.9 s a view. Partial, over the flagged records
  alone (369,000 of 5.4M in the build), with the columns the chart reads, so the count
  reads that index alone and grows with the flagged forms, not with the archive.
- ``ix_record_retention_action``: the retention list filtered by what is due to happen
  (``action=destroy``) walked every record of the state in due order: 11.4 s for
  "active, to destroy" (none). Partial, over rows with an action (due records only).
- ``ix_documents_form_type_lower`` and ``ix_documents_election_lower``: a form type or an
  election filter (compared lowercased, as 0008's and 0021's place filters) had no index
  of that shape; with them and their statistics the planner can start from the few
  records of a rare form type: 0.87 s and 3.8 s for two such lists, 0.21-0.23 s after.

Built in the migration's transaction, while writes to the tables wait (~40 s at 12M
pages with the tables in the cache).
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

FLAGGED = "tally_consistent IS {no} OR tally_low_confidence IS {yes}"
INDEXES = {
    "ix_documents_form_type_lower": "documents (lower(form_type), id)",
    "ix_documents_election_lower": "documents (lower(election), id)",
    "ix_record_retention_action": "record_retention (action, due_at, document_id) "
    "WHERE action != ''",
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    # the condition as the query writes it on each database, so the planner matches them
    flagged = FLAGGED.format(no="0", yes="1") if sqlite else FLAGGED.format(no="false", yes="true")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_documents_tally_flagged ON documents (province, "
        f"regency, tally_consistent, tally_low_confidence) WHERE {flagged}"
    )


def downgrade() -> None:
    for name in (*INDEXES, "ix_documents_tally_flagged"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
