"""Migration 0023 on both databases: the retention rows already there take their records'
filters, new rows and corrections are copied by the database, and back to 0022's schema."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, insert, inspect, text

from archive_app.db import migrate
from archive_app.db.models import RecordRow
from tests.contract.test_metadata_scale import row

COPIED = ("election_lower", "form_type_lower", "province_lower")
RETAIN = text(
    "INSERT INTO record_retention (document_id, series, state, action) "
    "VALUES (:id, '', 'active', '')"
)
DISABLED = (
    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'record_retention'::regclass "
    "AND NOT tgisinternal AND tgenabled = 'D'"
)
TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
}
INDEXES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'",
}


def schema(engine) -> tuple[set[str], set[str], set[str]]:
    dialect = engine.dialect.name
    with engine.connect() as conn:
        triggers = set(conn.scalars(text(TRIGGERS[dialect])))
        indexes = set(conn.scalars(text(INDEXES[dialect])))
    columns = {c["name"] for c in inspect(engine).get_columns("record_retention")}
    return columns, triggers, indexes


def carried(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT document_id, {', '.join(COPIED)} FROM record_retention"))
        return {r[0]: tuple(r[1:]) for r in rows}


def _up_and_down(engine) -> None:
    config = migrate.alembic_config(engine)
    command.upgrade(config, "0022")
    before = schema(engine)
    old, new = row(1), row(2, election="PILGUB")  # both in Jawa Tengah
    with engine.begin() as conn:
        conn.execute(insert(RecordRow), [old, new])
        conn.execute(RETAIN, old)
    command.upgrade(config, "0023")
    assert carried(engine) == {old["id"]: ("ppwp", "c.hasil", "jawa tengah")}  # the fill
    columns, triggers, indexes = schema(engine)
    assert columns == before[0] | set(COPIED)
    assert triggers == before[1] | {"record_retention_filters", "documents_filters"}
    added = {f"ix_record_retention_{c}" for c in COPIED[:2]}
    assert indexes == before[2] - {"ix_record_retention_due"} | added
    if engine.dialect.name == "postgresql":  # the counting triggers, off for the fill, are on
        with engine.connect() as conn:
            off = conn.scalars(text(DISABLED)).all()
        assert off == [], off
    with engine.begin() as conn:
        conn.execute(RETAIN, new)
        conn.execute(text("UPDATE documents SET province = 'Bali' WHERE id = :id"), old)
    assert carried(engine) == {
        old["id"]: ("ppwp", "c.hasil", "bali"),
        new["id"]: ("pilgub", "c.hasil", "jawa tengah"),
    }
    command.downgrade(config, "0022")
    assert schema(engine) == before


def test_GIVEN_0023_and_its_downgrade_on_sqlite_THEN_0022s_schema_comes_back(tmp_path):
    _on(create_engine(f"sqlite:///{tmp_path / 'a.db'}"))


def test_GIVEN_0023_and_its_downgrade_on_postgresql_THEN_0022s_schema_comes_back(pg_settings):
    _on(create_engine(pg_settings["database_url"]))


def _on(engine) -> None:
    try:
        _up_and_down(engine)
    finally:
        engine.dispose()
