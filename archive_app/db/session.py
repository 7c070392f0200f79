"""Short transactions: ``read()`` for queries, ``write()`` for changes (commit or roll back)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from archive_app.db.engine import Engines


class Sessions:
    def __init__(self, engines: Engines):
        self.engines = engines
        self._read = sessionmaker(engines.read, expire_on_commit=False)
        self._write = sessionmaker(engines.write, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._write() as session, session.begin():
            yield session
