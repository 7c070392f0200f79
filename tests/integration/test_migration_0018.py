"""Migration 0018 on SQLite: the retention tables remade WITHOUT ROWID, and back."""

from __future__ import annotations

import re
import sqlite3

from alembic import command
from sqlalchemy import create_engine

from archive_app.db import migrate


def schema(path) -> dict[str, str]:
    """Every table, index and trigger's SQL, spaces and quotes aside (a remade table's
    text is SQLite's own, not SQLAlchemy's)."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    return {name: _plain(sql) for name, sql in rows}


def _plain(sql: str) -> str:
    flat = re.sub(r"\s+", " ", sql.replace('"', ""))
    return re.sub(r"\( | \)", lambda m: m.group(0).strip(), flat)


def test_GIVEN_0018_and_its_downgrade_THEN_0017s_schema_comes_back_and_head_stores_by_key(tmp_path):
    at_0017, through = tmp_path / "a.db", tmp_path / "b.db"
    command.upgrade(migrate.alembic_config(create_engine(f"sqlite:///{at_0017}")), "0017")
    config = migrate.alembic_config(create_engine(f"sqlite:///{through}"))
    command.upgrade(config, "head")
    head = schema(through)
    assert "WITHOUT ROWID" in head["record_retention"] and "WITHOUT ROWID" in head["index_queue"]
    assert "retention_counts_by_writer" in head["record_retention_counts_place"]
    command.downgrade(config, "0017")
    assert schema(through) == schema(at_0017)
