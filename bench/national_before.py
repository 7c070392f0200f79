"""Before/after of the national-scale fixes, as SQL on a built national archive.

    python -m bench.national_before --records N [--stacks embedded,scaleout] [--out DIR]

For each fix, the statement the archive ran before it and the one it runs now, on the same
database (the one bench/national.py built), 5 runs each after one warm-up, p50 in ms:
counts read from record_counts instead of counted, keyset pages instead of OFFSET. The
"before" side runs on this branch's indexes (the old single-column ones are gone), which
can only flatter it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from bench.national import OUT
from bench.national_measure import RawSql
from bench.national_stacks import open_stack

VISIBLE = "('queued', 'processing', 'ready', 'failed')"
RETAINED = "JOIN record_retention t ON t.document_id = documents.id"  # its cached retention state


def cases(raw: RawSql, mark: str) -> list[tuple[str, list, list]]:
    """(name, before statements, after statements), each statement (sql, parameters)."""
    cursor = raw.conn.cursor()
    cursor.execute("SELECT count(*) FROM documents")
    skip = min(99_949, cursor.fetchone()[0] // 2)  # page 2,000 of 50, or the middle
    cursor.execute(
        "SELECT created_at, id FROM documents WHERE status <> 'uploading' "
        f"ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET {skip}"
    )
    deep = cursor.fetchone()
    cursor.execute("SELECT max(id) FROM audit_events")
    newest = cursor.fetchone()[0]
    cursor.close()
    year = (date.today() + timedelta(days=365)).isoformat()
    grouped = [
        (f"SELECT {c}, t.state, count(*) FROM documents {RETAINED} WHERE status <> 'uploading' "
         f"GROUP BY {c}, t.state", None)
        for c in ("election", "province", "regency")
    ]  # fmt: skip
    kept = [
        ("SELECT value, state, n FROM record_counts WHERE name = " + mark + " AND n <> 0", (g,))
        for g in ("retention", "election", "province", "regency")
    ]
    return [
        (
            "document list total",
            [(f"SELECT count(*) FROM documents WHERE status IN {VISIBLE}", None)],
            [("SELECT coalesce(sum(n), 0) FROM record_counts WHERE name = 'status'", None)],
        ),
        (
            "retention dashboard",
            [
                (
                    f"SELECT t.state, count(*) FROM documents {RETAINED} "
                    "WHERE status <> 'uploading' GROUP BY t.state",
                    None,
                ),
                *grouped,
                (
                    f"SELECT id FROM documents {RETAINED} WHERE status <> 'uploading' AND "
                    f"t.due_at <= {mark} ORDER BY t.due_at, id LIMIT 1000000",
                    (year,),
                ),
            ],  # fmt: skip
            [
                *kept,
                (
                    "SELECT coalesce(sum(n), 0) FROM record_counts WHERE name = 'due' AND value "
                    f"<= {mark}",
                    (year,),
                ),
            ],  # fmt: skip
        ),
        (
            "review queue total",
            [("SELECT count(*) FROM documents WHERE needs_review AND status = 'ready'", None)],
            [("SELECT coalesce(sum(n), 0) FROM record_counts WHERE name = 'review'", None)],
        ),
        (
            "document list page 2,000",
            [
                (
                    f"SELECT * FROM documents WHERE status IN {VISIBLE} "
                    f"ORDER BY created_at DESC, id LIMIT 51 OFFSET {skip + 1}",
                    None,
                )
            ],
            [
                (
                    "SELECT * FROM documents WHERE status <> 'uploading' AND (created_at, id) < "
                    f"({mark}, {mark}) ORDER BY created_at DESC, id DESC LIMIT 51",
                    deep,
                )
            ],
        ),  # fmt: skip
        (
            "audit trail page 1,000",
            [("SELECT * FROM audit_events ORDER BY id DESC LIMIT 101 OFFSET 99900", None)],
            [
                (
                    f"SELECT * FROM audit_events WHERE id < {mark} ORDER BY id DESC LIMIT 101",
                    (newest - 99900,),
                )
            ],
        ),  # fmt: skip
    ]


def timed(raw: RawSql, statements: list, runs: int = 5) -> float:
    raw.run(statements)
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        raw.run(statements)
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", "--pages", dest="pages", type=int, required=True)
    parser.add_argument("--stacks", default="embedded,scaleout")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    for name in args.stacks.split(","):
        folder = args.out / f"national-{args.pages}" / name
        with open_stack(name, folder, "1g") as stack:
            raw = RawSql(stack.data_dir / "archive.db", stack.dsn)
            mark = "%s" if stack.dsn else "?"
            print(f"\n{name}, {args.pages:,} pages: p50 ms of 5 runs\n"
                  f"{'fix':<28} {'before':>10} {'after':>10}")  # fmt: skip
            for case, before, after in cases(raw, mark):
                b, a = timed(raw, before), timed(raw, after)
                print(f"{case:<28} {b:>10.1f} {a:>10.1f}", flush=True)
            raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
