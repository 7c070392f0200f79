"""`make bench`: every benchmark, one after the other, printing their figures.

Each one can also be run alone (``python -m bench.<name> --help``); docs/benchmarks.md
records the figures of the last full run and how to read them. The fault campaign
(`bench/soak.py`) is not among them: it kills servers and, for its disk-full run, mounts a
filesystem as root; it is run on its own.
"""

from __future__ import annotations

import sys

from bench import (
    backup_bench,
    batch_bench,
    big_upload_bench,
    extract_bench,
    fixity_bench,
    hold_bench,
    list_pages_bench,
    objectstore_bench,
    ocr_bench,
    pdfa_bench,
    recap_bench,
    recap_read_bench,
    reindex_bench,
    search_bench,
    tally_bench,
)

RUNS = (
    ("OCR: bare Tesseract vs the archive pipeline, OCR only", ocr_bench, ["--readers", ""]),
    ("OCR: bare Tesseract vs the archive pipeline, all page readers", ocr_bench, []),
    ("A 500-page batch end to end, 1 and 2 workers, OCR only", batch_bench, ["--readers", ""]),
    ("A 500-page batch end to end, 1 and 2 workers, all page readers", batch_bench, []),
    (
        "Workers on the Redis queue and scale-out backends: 1, 2, 4",
        batch_bench,
        ["--backend", "scaleout", "--workers", "1,2,4", "--pages", "200"],
    ),
    (
        "A 2 GB multi-page TIFF through tus, the web server and a worker: memory",
        big_upload_bench,
        [],
    ),
    ("PDF/A: OCRmyPDF against the archive with preservation copies", pdfa_bench, []),
    ("Metadata read from generated forms with known answers", extract_bench, []),
    ("Vote counts read from generated C.Hasil forms", tally_bench, []),
    ("Recap forms (D.Hasil) read column by column, fresh seeds", recap_read_bench, []),
    ("The recapitulation check at 820,000 TPS, SQLite", recap_bench, []),
    (
        "The recapitulation check at 820,000 TPS, PostgreSQL",
        recap_bench,
        ["--backend", "postgresql"],
    ),
    ("Search at 1,000,000 records (Tantivy): raw engine vs API", search_bench, []),
    (
        "Search at 1,000,000 records (Elasticsearch): raw engine vs API",
        search_bench,
        ["--backend", "elasticsearch"],
    ),
    ("Elasticsearch: rebuilding the index from the database", reindex_bench, []),
    (
        "Tantivy: rebuilding the index from the database",
        reindex_bench,
        ["--engine", "tantivy"],
    ),
    ("A legal hold on a search naming 100,000 records (after the Tantivy rebuild)", hold_bench, []),
    ("A deep page number of the document list: OFFSET vs seek", list_pages_bench, []),
    ("Object store: S3ObjectStore vs the raw minio client", objectstore_bench, []),
    ("Fixity: archive verify vs reading and hashing raw, local disk", fixity_bench, []),
    ("Fixity: archive verify vs reading and hashing raw, MinIO", fixity_bench, ["--backend", "s3"]),
    (
        "Backup and restore on PostgreSQL and MinIO, up to 1,000,000 records",
        backup_bench,
        ["--backend", "scaleout", "--records", "1000", "--scale", "100000,1000000"],
    ),
)


def main() -> int:
    for title, bench, argv in RUNS:
        print(f"\n== {title} ==", flush=True)
        bench.main(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
