"""`make bench`: every benchmark, one after the other, printing their figures."""

from __future__ import annotations

import sys

from bench import objectstore_bench, ocr_bench, search_bench


def main() -> int:
    print("== OCR: bare Tesseract vs the archive pipeline ==", flush=True)
    ocr_bench.main([])
    print("\n== Search at 1,000,000 records: raw engine vs API ==", flush=True)
    search_bench.main(["--records", "1000000"])
    print("\n== Object store: S3ObjectStore vs the raw minio client ==", flush=True)
    objectstore_bench.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
