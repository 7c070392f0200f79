"""Migration 0019 on PostgreSQL: the index a retention refresh reads, the grouped counts
trigger, and back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from archive_app.db import migrate

FUNCTION = "SELECT pg_get_functiondef('record_retention_counts_update'::regproc)"
INDEXES = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'documents'"
INCLUDED = (
    "INCLUDE (status, form_type, election, year, record_date, final_state, province, regency)"
)


def schema(engine) -> tuple[str, dict[str, str]]:
    with engine.connect() as conn:
        return conn.scalar(text(FUNCTION)), dict(conn.execute(text(INDEXES)).all())


def test_GIVEN_0019_and_its_downgrade_THEN_0018s_trigger_and_indexes_come_back(pg_settings):
    engine = create_engine(pg_settings["database_url"])
    config = migrate.alembic_config(engine)
    command.upgrade(config, "0018")
    before = schema(engine)
    command.upgrade(config, "head")
    function, indexes = schema(engine)
    assert INCLUDED in indexes["ix_documents_retention"]
    assert function != before[0] and "GROUP BY 1, 2, 3, 4, 5" in function
    command.downgrade(config, "0018")
    assert schema(engine) == before
    engine.dispose()
