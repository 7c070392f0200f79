"""Real test servers (MinIO, Elasticsearch 8, PostgreSQL, Redis) started from the tests, and
veraPDF, the PDF/A validator (a command the tests run on files).

No Docker and no mocks: each class runs the real server as a child process on 127.0.0.1,
on a free port, in a temp directory, waits until it serves, and always stops it (context
manager, ``close()``, ``atexit``, and a parent-death signal). ``stop()``/``start()`` restart
it on the same data and port; ``kill()`` crashes it. Build/install first with
``scripts/install-test-services.sh``; see README.md here. Importing this package starts
nothing.

    from tests.services import PostgresServer
    with PostgresServer() as pg:
        engine = sqlalchemy.create_engine(pg.url)
"""

from ._base import ServerProcess, ServiceError, cache_dir, free_port
from .es_server import ElasticsearchServer
from .minio_server import MinioServer
from .pg_server import PostgresServer
from .redis_server import RedisServer
from .verapdf import VeraPdf

SERVERS = {
    "minio": MinioServer,
    "elasticsearch": ElasticsearchServer,
    "postgres": PostgresServer,
    "redis": RedisServer,
}

__all__ = [
    "ElasticsearchServer",
    "MinioServer",
    "PostgresServer",
    "RedisServer",
    "SERVERS",
    "ServerProcess",
    "ServiceError",
    "VeraPdf",
    "cache_dir",
    "free_port",
]
