"""Recent wrong passwords, kept in the metadata database.

In the database rather than in each process, so every gunicorn worker and every host
behind a load balancer counts the same failures: the embedded default has no Redis,
and PostgreSQL is already shared by every host of a scale-out install.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert

from archive_app.db.models import LoginAttemptRow
from archive_app.db.session import Sessions, changed
from archive_app.domain.throttle import Attempts, Policy, after_failure


class SqlLoginAttempts:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def wait(self, keys: dict[str, Policy], now: datetime) -> int:
        """Seconds until every one of these keys may try again (0: now)."""
        with self._s.read() as s:
            rows = s.scalars(select(LoginAttemptRow).where(LoginAttemptRow.key.in_(list(keys))))
            return max((_attempts(r).current(now, keys[r.key]).wait(now) for r in rows), default=0)

    def fail(self, keys: dict[str, Policy], now: datetime) -> list[str]:
        """Count one failure against each key; the keys this failure locked."""
        began = []
        with self._s.write() as s:
            for key, policy in keys.items():
                # Two workers failing the same new key at once must not both insert it.
                insert = pg_insert if s.get_bind().dialect.name == "postgresql" else lite_insert
                s.execute(
                    insert(LoginAttemptRow).values(key=key, failures=0.0).on_conflict_do_nothing()
                )
                row = s.get(LoginAttemptRow, key, with_for_update=True)
                assert row is not None  # inserted just above, in this transaction
                state, locked = after_failure(_attempts(row), now, policy)
                row.failures, row.last_failure = state.level, state.as_of
                row.locked_until = state.locked_until
                if locked:
                    began.append(key)
        return began

    def clear(self, key: str) -> None:
        with self._s.write() as s:
            s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.key == key))

    def forget_before(self, before: datetime) -> int:
        """Drop keys whose last failure is older than ``before`` (a periodic sweep)."""
        with self._s.write() as s:
            result = s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.last_failure < before))
            return changed(result)


def _attempts(row: LoginAttemptRow) -> Attempts:
    return Attempts(row.failures or 0.0, row.last_failure, row.locked_until)
