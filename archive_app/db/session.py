"""Short transactions: ``read()`` for queries, ``write()`` for changes (commit or roll back).

The database being away (refused, dropped, timed out, locked too long) leaves this module
as ``MetadataUnavailable``, the port's own word for it, so no caller needs to know
SQLAlchemy's exceptions: the web answers 503 and the workers try again later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
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
        self._shared: ContextVar[Session | None] = ContextVar(f"read-{id(self)}", default=None)

    @contextmanager
    def read(self) -> Iterator[Session]:
        shared = self._shared.get()
        if shared is not None:
            with _unavailable():
                yield shared
            return
        with _unavailable(), self._read() as session:
            yield session

    @contextmanager
    def one_read(self) -> Iterator[None]:
        """Every ``read()`` inside shares one session and one transaction. A page that asks
        the repositories twenty questions (the recap's) otherwise opens twenty sessions:
        a BEGIN and a ROLLBACK each, round trips to a PostgreSQL server, and answers from
        twenty moments instead of one. Writes keep their own sessions."""
        if self._shared.get() is not None:
            yield
            return
        with _unavailable(), self._read() as session:
            token = self._shared.set(session)
            try:
                yield
            finally:
                self._shared.reset(token)

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


def sqlite_stamp(stamp: datetime) -> str:
    """A stamp as SQLAlchemy's DATETIME stores it on SQLite (text, always with
    microseconds), for statements handed to the driver as they are."""
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f")
