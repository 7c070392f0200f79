"""Migration 0020 on both databases: the kept tally lines and the trigger that removes them
when a record's counts change, and back to 0019's schema."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from archive_app.db import migrate

TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
}


def schema(engine) -> tuple[set[str], set[str]]:
    with engine.connect() as conn:
        triggers = set(conn.scalars(text(TRIGGERS[engine.dialect.name])))
    return set(inspect(engine).get_table_names()), triggers


def _up_and_down(engine) -> None:
    config = migrate.alembic_config(engine)
    command.upgrade(config, "0019")
    tables, triggers = schema(engine)
    command.upgrade(config, "0020")
    assert schema(engine) == (tables | {"tally_lines"}, triggers | {"tally_lines_stale"})
    columns = {c["name"] for c in inspect(engine).get_columns("tally_lines")}
    assert columns == {"document_id", "version", "lines"}
    command.downgrade(config, "0019")
    assert schema(engine) == (tables, triggers)
    engine.dispose()


def test_GIVEN_0020_and_its_downgrade_on_sqlite_THEN_0019s_schema_comes_back(tmp_path):
    _up_and_down(create_engine(f"sqlite:///{tmp_path / 'a.db'}"))


def test_GIVEN_0020_and_its_downgrade_on_postgresql_THEN_0019s_schema_comes_back(pg_settings):
    _up_and_down(create_engine(pg_settings["database_url"]))
