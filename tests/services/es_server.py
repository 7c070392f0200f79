"""Elasticsearch 8, the real server from Maven Central, started by a small Java launcher.

Why this way: no Elasticsearch tarball can be downloaded here and the CodeLibs cluster
runner is not on Maven Central for 8.x, but Elastic publishes the 8.x server jar and its
transport-netty4 module there. scripts/install-test-services.sh resolves them
(tests/services/es/pom.xml) and compiles tests/services/es/src; this module writes one
``elasticsearch.yml`` per node and runs ``java ... archive.testservices.EsTestNode HOME...``.

What differs from the distribution: only the modules on Maven Central are loaded
(transport-netty4) plus test stand-ins for the token filters ``lowercase``/``asciifolding``
and for ``GET /`` (see es/src/archive/testservices/shims/TestShimsPlugin.java). Not
available: painless scripts, ``_reindex``/``_update_by_query``/``_delete_by_query``, the
other analysis-common filters and language analyzers, mapper-extras field types, data
streams, ingest processors, x-pack (security is simply absent: plain HTTP, no password).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from ._base import ServerProcess, ServiceError, cache_dir, free_port, http_status

LOG4J2 = """\
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = org.elasticsearch.deprecation
logger.deprecation.level = error
"""


LAUNCHER = "archive.testservices.EsTestNode"
# As the distribution's jvm.options (no log4j lookups/JMX, netty without Unsafe), except that
# log4j stays up for the launcher's shutdown hook; IPv4 only, so nothing binds [::ffff:...].
JVM_OPTIONS = """
    -XX:+UseG1GC -Xss1m -Djava.awt.headless=true -Dfile.encoding=UTF-8
    -Djava.net.preferIPv4Stack=true -Dlog4j2.formatMsgNoLookups=true -Dlog4j2.disable.jmx=true
    -Dlog4j.shutdownHookEnabled=false -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true
    -Dio.netty.recycler.maxCapacityPerThread=0
"""


def es_install_dir() -> Path:
    """The installer's output: ``classpath`` file, ``modules/``, ``version``."""
    d = Path(os.environ.get("ARCHIVE_ES_HOME") or cache_dir() / "elasticsearch")
    if not (d / "classpath").is_file():
        raise ServiceError("Elasticsearch not installed: run scripts/install-test-services.sh")
    return d


class ElasticsearchServer(ServerProcess):
    """Elasticsearch 8 on http://127.0.0.1:<port> (``url``); ``nodes`` > 1 makes a real cluster.

    All nodes run in one JVM (heap ``-Xms512m -Xmx<heap>``, so ``heap`` >= 512m); node k has
    its own HTTP port (``urls[k]``, ``urls[0] == url``) and transport port, all bound to
    127.0.0.1. Indices persist in ``base_dir/node-k/data`` across ``stop()``/``start()``.
    Ready means ``/_cluster/health?wait_for_status=yellow`` with all nodes joined.
    """

    name = "elasticsearch"
    default_startup_timeout = 120.0

    def __init__(
        self,
        base_dir=None,
        port=None,
        *,
        nodes: int = 1,
        heap: str = "1g",
        cluster_name: str | None = None,
        startup_timeout: float | None = None,
        java: str | None = None,
    ):
        self.install_dir = es_install_dir()  # before super(): fail before making a temp dir
        super().__init__(base_dir, port, startup_timeout)
        self.version = (self.install_dir / "version").read_text().strip()
        self.java = java or (
            os.path.join(os.environ["JAVA_HOME"], "bin", "java")
            if os.environ.get("JAVA_HOME")
            else shutil.which("java") or "java"
        )
        self.nodes, self.heap = nodes, heap
        self.cluster_name = cluster_name or f"archive-test-{uuid.uuid4().hex[:8]}"
        self.http_ports = [self.port] + [free_port() for _ in range(nodes - 1)]
        self.transport_ports = [free_port() for _ in range(nodes)]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def urls(self) -> list[str]:
        return [f"http://{self.host}:{p}" for p in self.http_ports]

    def _home(self, k: int) -> Path:
        return self.base_dir / f"node-{k + 1}"

    def _prepare(self) -> None:
        names = [f"node-{k + 1}" for k in range(self.nodes)]
        for k, name in enumerate(names):
            home = self._home(k)
            (home / "config").mkdir(parents=True, exist_ok=True)
            modules = home / "modules"
            if modules.is_symlink() or modules.exists():
                modules.unlink()
            modules.symlink_to(self.install_dir / "modules")
            settings = {
                "cluster.name": self.cluster_name,
                "node.name": name,
                "network.host": self.host,
                "http.port": self.http_ports[k],
                "transport.port": self.transport_ports[k],
                "path.data": str(home / "data"),
                "path.logs": str(home / "logs"),
                # tests must not flip indices read-only because the machine's disk is nearly full
                "cluster.routing.allocation.disk.threshold_enabled": False,
            }
            if self.nodes == 1:
                settings["discovery.type"] = "single-node"
            else:
                settings["discovery.seed_hosts"] = [
                    f"{self.host}:{p}" for p in self.transport_ports
                ]
                settings["cluster.initial_master_nodes"] = names
            # JSON is YAML: no YAML writer needed
            (home / "config" / "elasticsearch.yml").write_text(
                json.dumps(settings, indent=1) + "\n"
            )
            (home / "config" / "log4j2.properties").write_text(LOG4J2)
        (self.base_dir / "tmp").mkdir(exist_ok=True)

    def _command(self) -> list[str]:
        classpath = (self.install_dir / "classpath").read_text().strip()
        jvm = ["-Xms512m", f"-Xmx{self.heap}", f"-Djava.io.tmpdir={self.base_dir / 'tmp'}"]
        homes = [str(self._home(k)) for k in range(self.nodes)]
        return [self.java, *jvm, *JVM_OPTIONS.split(), "-cp", classpath, LAUNCHER, *homes]

    def _is_ready(self) -> bool:
        health = f"/_cluster/health?wait_for_status=yellow&wait_for_nodes={self.nodes}&timeout=1s"
        return http_status(self.url + health, timeout=5) == 200

    def client(self, **kwargs):
        from elasticsearch import Elasticsearch

        return Elasticsearch(self.url, **kwargs)

    def settings_env(self) -> dict[str, str]:
        return {"ARCHIVE_SEARCH_BACKEND": "elasticsearch", "ARCHIVE_ELASTICSEARCH_URL": self.url}
