"""The two stacks the national benchmark runs on, each kept under one folder for reuse.

embedded:  SQLite + Tantivy in ``<dir>/data`` (the archive's defaults).
scaleout:  PostgreSQL (``<dir>/pg``) + Elasticsearch (``<dir>/es``): the real servers of
           tests/services, started on folders of their own so their data outlives the run,
           with the settings a deployment of this size would get (below).
Objects: the synthetic medium of bench/national_objects.py on both (see there why).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# A scale-out PostgreSQL is tuned for its data, not left at the 128 MB of shared buffers a
# fresh initdb gets; these are modest for a 24 GB machine shared with the other servers.
PG_SETTINGS = {
    "shared_buffers": "2GB", "effective_cache_size": "8GB", "work_mem": "32MB",
    "maintenance_work_mem": "1GB", "max_wal_size": "8GB", "random_page_cost": "1.1",
}  # fmt: skip


@dataclass
class Stack:
    name: str
    folder: Path
    env: dict[str, str]  # ARCHIVE_* settings of the archive on this stack
    pids: dict[str, int] = field(default_factory=dict)  # servers' processes, for memory
    dsn: str = ""  # PostgreSQL, for the raw side and the loader
    es_url: str = ""

    @property
    def data_dir(self) -> Path:
        return Path(self.env["ARCHIVE_DATA_DIR"])


def _tuned_postgres():
    from tests.services import PostgresServer

    class TunedPostgres(PostgresServer):
        def _command(self) -> list[str]:
            extra = [arg for k, v in PG_SETTINGS.items() for arg in ("-c", f"{k}={v}")]
            return [*super()._command(), *extra]

    return TunedPostgres


@contextmanager
def open_stack(name: str, folder: Path, es_heap: str = "4g") -> Iterator[Stack]:
    """The stack's settings, with its servers running (scaleout) until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {"ARCHIVE_DATA_DIR": str(folder / "data"), "ARCHIVE_LOG_LEVEL": "WARNING"}
    if name == "embedded":
        yield Stack(name, folder, env)
        return
    from tests.services import ElasticsearchServer

    with ExitStack() as stack:
        pg = stack.enter_context(_tuned_postgres()(base_dir=folder / "pg", startup_timeout=300))
        es = stack.enter_context(
            ElasticsearchServer(base_dir=folder / "es", heap=es_heap, startup_timeout=900)
        )
        env.update(
            ARCHIVE_DATABASE_URL=pg.url, ARCHIVE_SEARCH_BACKEND="elasticsearch",
            ARCHIVE_ELASTICSEARCH_URL=es.url, ARCHIVE_ELASTICSEARCH_INDEX="national",
        )  # fmt: skip
        yield Stack(name, folder, env, {"postgres": pg.pid, "elasticsearch": es.pid}, pg.dsn,
                    es.url)  # fmt: skip
        os.sync()
