"""End-to-end check of the test servers with the archive's own client libraries.

    .venv/bin/python -m tests.services.selfcheck [minio es pg redis]

For each server: start it, use it through its Python client, stop it, start it again and
check the data is still there (Redis: only that it serves again, it keeps no data by
default), close it, and finally check that no server process is left. Prints timings and
the Elasticsearch JVM's memory. Not a pytest module on purpose: it takes ~30 s and is for
checking a machine after scripts/install-test-services.sh, not for every test run.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time

from . import ElasticsearchServer, MinioServer, PostgresServer, RedisServer


def _rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) // 1024


def _listeners(pid: int) -> list[str]:
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    return sorted({line.split()[3] for line in out.splitlines() if f"pid={pid}," in line})


def _restart(server) -> str:
    t = time.monotonic()
    server.stop()
    stopped = time.monotonic() - t
    server.start()
    return f"stop {stopped:.1f} s, restart {server.startup_seconds:.1f} s"


def check_minio() -> None:
    with MinioServer() as m:
        c = m.client()
        c.make_bucket("archive")
        c.put_object("archive", "records/1/page-1.txt", io.BytesIO(b"halaman satu"), 12)
        assert c.get_object("archive", "records/1/page-1.txt").read() == b"halaman satu"
        print(f"minio: ready in {m.startup_seconds:.1f} s on {_listeners(m.pid)}; {_restart(m)}")
        assert c.get_object("archive", "records/1/page-1.txt").read() == b"halaman satu"


def check_elasticsearch() -> None:
    with ElasticsearchServer() as es:
        c = es.client()
        assert c.info()["version"]["number"] == es.version and c.ping()
        c.indices.create(
            index="docs",
            settings={
                "number_of_replicas": 0,
                "analysis": {
                    "analyzer": {
                        "folded": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}
                    }
                },
            },
            mappings={
                "properties": {
                    "title": {"type": "text", "analyzer": "folded"},
                    "year": {"type": "integer"},
                }
            },
        )
        c.index(
            index="docs",
            id="1",
            document={"title": "Surat Keputusan Gubernur Jawa Barat", "year": 1962},
        )
        c.indices.refresh(index="docs")
        hits = c.search(index="docs", query={"match": {"title": "keputusan"}})["hits"]["total"][
            "value"
        ]
        assert hits == 1, hits
        print(
            f"elasticsearch {es.version}: ready in {es.startup_seconds:.1f} s"
            f" on {_listeners(es.pid)}, JVM RSS {_rss_mb(es.pid)} MB; {_restart(es)}"
        )
        assert c.get(index="docs", id="1")["_source"]["year"] == 1962
        assert (
            c.search(index="docs", query={"match": {"title": "GUBERNUR"}})["hits"]["total"]["value"]
            == 1
        )
        print(f"elasticsearch: JVM RSS after restart and queries {_rss_mb(es.pid)} MB")


def check_postgres() -> None:
    import psycopg

    with PostgresServer() as pg:
        with psycopg.connect(pg.dsn) as conn:
            conn.execute("CREATE TABLE records (id serial PRIMARY KEY, title text NOT NULL)")
            conn.execute("INSERT INTO records (title) VALUES ('Arsip Kota Bandung')")
        print(
            f"postgres: ready in {pg.startup_seconds:.1f} s (with initdb)"
            f" on {_listeners(pg.pid)}; {_restart(pg)}"
        )
        with psycopg.connect(pg.dsn) as conn:
            assert conn.execute("SELECT title FROM records").fetchall() == [("Arsip Kota Bandung",)]
        assert pg.url.startswith("postgresql+psycopg://")


def check_redis() -> None:
    with RedisServer() as r:
        c = r.client()
        c.set("job:1", "queued")
        assert c.get("job:1") == b"queued"
        print(f"redis: ready in {r.startup_seconds:.2f} s on {_listeners(r.pid)}; {_restart(r)}")
        assert r.client().ping()


CHECKS = {
    "minio": check_minio,
    "es": check_elasticsearch,
    "pg": check_postgres,
    "redis": check_redis,
}


def main(names: list[str]) -> int:
    for name in names or list(CHECKS):
        CHECKS[name]()
    left = subprocess.run(
        ["pgrep", "-a", "-f", "/archive-(minio|elasticsearch|postgres)-|redis-server 127.0.0.1:"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if left:
        print(f"LEFT BEHIND:\n{left}")
        return 1
    print("all checks passed; no server process left")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
