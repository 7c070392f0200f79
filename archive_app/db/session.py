"""Short transactions: ``read()`` for queries, ``write()`` for changes (commit or roll back).

The database being away (refused, dropped, timed out, locked too long) leaves this module
as ``MetadataUnavailable``, the port's own word for it, so no caller needs to know
SQLAlchemy's exceptions: the web answers 503 and the workers try again later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from archive_app.db.engine import Engines
from archive_app.db.interfaces import MetadataUnavailable


class Sessions:
    def __init__(self, engines: Engines):
        self.engines = engines
        self._read = sessionmaker(engines.read, expire_on_commit=False)
        self._write = sessionmaker(engines.write, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with _unavailable(), self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with _unavailable(), self._write() as session, session.begin():
            yield session


@contextmanager
def _unavailable() -> Iterator[None]:
    try:
        yield
    except (OperationalError, InterfaceError, PoolTimeout) as exc:
        raise MetadataUnavailable(f"metadata database unavailable: {exc}"[:300]) from exc


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched. SQLAlchemy returns a CursorResult for
    them, which counts; its type says only Result."""
    return cast(CursorResult[Any], result).rowcount or 0
