"""Migration 0022 on both databases: four indexes for the start page's chart of flagged
tallies and the retention list's filters, and back to 0021's schema."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from archive_app.db import migrate

ADDED = {
    ("documents", "ix_documents_tally_flagged"),
    ("documents", "ix_documents_form_type_lower"),
    ("documents", "ix_documents_election_lower"),
    ("record_retention", "ix_record_retention_action"),
}


LISTED = {  # read from the catalogue: reflection skips expression indexes on SQLite
    "sqlite": "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'",
}


def indexes(engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(text(LISTED[engine.dialect.name]))}


def _up_and_down(engine) -> None:
    config = migrate.alembic_config(engine)
    command.upgrade(config, "0021")
    before = indexes(engine)
    command.upgrade(config, "0022")
    assert indexes(engine) == before | ADDED
    command.downgrade(config, "0021")
    assert indexes(engine) == before
    engine.dispose()


def test_GIVEN_0022_and_its_downgrade_on_sqlite_THEN_0021s_indexes_come_back(tmp_path):
    _up_and_down(create_engine(f"sqlite:///{tmp_path / 'a.db'}"))


def test_GIVEN_0022_and_its_downgrade_on_postgresql_THEN_0021s_indexes_come_back(pg_settings):
    _up_and_down(create_engine(pg_settings["database_url"]))
