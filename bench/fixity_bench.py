"""Fixity throughput: `archive verify` against reading and hashing the same objects raw.

    python -m bench.fixity_bench [--mb 1024] [--files 64] [--backend local|s3]

Fills a fresh archive's object store with ``--files`` random objects (``--mb`` in total), each
registered as a record's stored file with its SHA-256, then in one run, twice each and
alternating: raw = read every object straight from the store's medium (files on disk, or
the raw ``minio`` client) and hash it; verify = ``archive_app.recordkeeping.fixity.verify``
(the code behind `archive verify`: database pages of files to check, streamed reads,
SHA-256, the result recorded per file and in the audit trail). Prints MB/s for both, their
ratio (target >= 0.9) and this process's peak memory growth (constant whatever the size).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from archive_app.db.models import RecordRow, StoredFileRow
from archive_app.domain.records import record_prefix
from archive_app.recordkeeping import fixity
from archive_app.services import build_services
from archive_app.storage.interfaces import CHUNK
from config.settings import load_settings

MiB = 1024 * 1024


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def fill(services, files: int, size: int, scratch: Path) -> list[tuple[str, str]]:
    """(record id, key) of each object written; rows as ingest would have left them."""
    now = datetime(2024, 3, 1)
    written = []
    for n in range(files):
        doc_id = f"{n:032x}"
        key = f"{record_prefix(doc_id)}original.bin"
        path = scratch / "object.bin"
        data = os.urandom(size)
        path.write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        services.objects.put_file(key, path, sha256=sha)
        with services.metadata.engines.write.begin() as conn:
            conn.execute(insert(RecordRow), [_row(doc_id, sha, size, now)])
            conn.execute(insert(StoredFileRow), [{
                "document_id": doc_id, "role": "original", "key": key, "sha256": sha,
                "size": size, "content_type": "application/octet-stream", "created_at": now,
            }])  # fmt: skip
        written.append((doc_id, key))
    return written


def _row(doc_id: str, sha: str, size: int, now: datetime) -> dict:
    return {
        "id": doc_id, "sha256": sha, "status": "ready", "index_state": "indexed", "kind": "pdf",
        "original_name": f"{doc_id}.pdf", "size": size, "page_count": 1, "pages_done": 1,
        "error": "", "attempts": 0, "created_at": now, "created_by": "bench", "updated_at": now,
        "election": "PPWP", "form_type": "C.HASIL", "year": 2024, "province": "Jawa Tengah",
        "regency": "Karanganyar", "district": "Jaten", "village": "Papahan", "tps": 1,
    }  # fmt: skip


def raw_read(services, keys: list[tuple[str, str]], settings) -> int:
    """What reading and hashing costs without the archive: the medium, directly."""
    total = 0
    for _, key in keys:
        digest = hashlib.sha256()
        if settings.object_store == "s3":
            response = services.objects._client.get_object(settings.s3_bucket, key)
            try:
                for chunk in response.stream(CHUNK):
                    digest.update(chunk)
                    total += len(chunk)
            finally:
                response.close()
                response.release_conn()
        else:
            with open(settings.data_dir / "objects" / key, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                    total += len(chunk)
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=64)
    parser.add_argument("--backend", default="local", choices=["local", "s3"])
    args = parser.parse_args(argv)
    size = args.mb * MiB // args.files
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        env = {"ARCHIVE_DATA_DIR": str(root / "data")}
        if args.backend == "s3":
            from tests.services import MinioServer

            minio = stack.enter_context(MinioServer())
            env.update({**minio.settings_env(), "ARCHIVE_S3_BUCKET": "fixity-bench"})
        settings = load_settings(env=env)
        services = build_services(settings)
        stack.callback(services.close)
        services.metadata.migrate()
        keys = fill(services, args.files, size, root)
        print(f"{args.files} objects of {size / MiB:.0f} MiB ({args.mb} MiB) on {args.backend}")
        print(f"{'round':>5} {'raw MB/s':>9} {'verify MB/s':>12} {'ratio':>6}  target >= 0.9")
        peak_before = _peak_kib()
        ratios = []
        for n in (1, 2):
            started = time.perf_counter()
            total = raw_read(services, keys, settings)
            raw = total / 1e6 / (time.perf_counter() - started)
            report = fixity.verify(services, actor="bench")
            assert report.ok and report.checked == len(keys), report
            ratios.append(report.mb_per_second / raw)
            print(f"{n:>5} {raw:9.0f} {report.mb_per_second:12.0f} {ratios[-1]:6.2f}", flush=True)
        growth = (_peak_kib() - peak_before) / 1024
        best = max(ratios)
        print(f"peak memory growth while verifying: {growth:.1f} MiB; "
              f"best ratio {best:.2f} {'met' if best >= 0.9 else 'MISSED'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
