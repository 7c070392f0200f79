"""Recap forms (D.Hasil Kecamatan, D.Hasil Kabupaten/Kota) read by the tally reader, scored
number by number, column by column.

    python -m bench.recap_read_bench [--forms 8] [--seeds fresh|tune|N] [--family F ...]

Forms come from tests/formgen_recap.py: three families (villages headed by their own code
part "2001"; villages headed by the full dotted code; a regency's districts, headed either
way), light and heavy scans, one to three pages (a few columns a page, the total on the
last), every form with its maker's style. One form in four is broken: a total that is not
the sum of its columns, or a column unlike the forms under it (the recap reader cannot see
the second: the comparison does). Every page gets the pipeline's page OCR, then
``tally.read_tally`` (which hands recap pages to ``tally_recap``); the pages are checked
together (``tally.combine_recap``) as the archive does.

Seeds: ``--seeds tune`` (100 on) is the set the recap reader was tuned on; ``--seeds fresh``
(9100 on) was not looked at while tuning and is the one reported (docs/benchmarks.md).

Per family and level: numbers read exactly (under the right column and row); columns
found; numbers shown as confirmed that are wrong (want 0); forms with a total unlike its
columns read ``consistent: false`` (want all); forms read exactly.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from PIL import Image

from bench.tally_bench import cpu
from ingest import ocr, tally
from ingest.models import OcrSettings, PageContext, Tally
from tests.formgen_recap import FAMILIES, LEVELS, RecapForm, recap_form

SEEDS = {"tune": 100, "fresh": 9100}


def read_form(form: RecapForm, workdir: Path, settings: OcrSettings) -> tuple[Tally | None, list]:
    pages, seconds = [], []
    for number, image in enumerate(form.pages, 1):
        suffix = "png" if form.level == "light" else "jpg"
        path = workdir / f"page-{number}.{suffix}"
        image.save(path, quality=90) if suffix == "jpg" else image.save(path, dpi=(300, 300))
        result = ocr.recognize(path, workdir / f"ocr-{number}", settings, 300)
        pixels = Image.open(path).convert("L")
        context = PageContext(number, path, 300, 0, result.text, result.tsv_path, pixels)
        started = cpu()
        page = tally.read_tally(context)
        seconds.append(cpu() - started)
        if page is not None:
            pages.append(page)
    return (tally.combine_recap(pages) if pages else None), seconds


def score(form: RecapForm, read: Tally | None) -> dict:
    numbers = {n.key: n for n in (read.numbers if read else ())}
    columns = {key.partition("@")[2] for key in numbers}
    s = {
        "numbers": 0,
        "exact": 0,
        "confirmed_wrong": 0,
        "columns": 0,
        "columns_found": 0,
        "broken": 0,
        "broken_flagged": 0,
        "false_inconsistent": 0,
        "form_exact": 0,
    }
    wrong = []
    wanted_columns = {p.column for p in form.expected}
    s["columns"] = len(wanted_columns)
    for column in wanted_columns:
        s["columns_found"] += any(_same(column, c) for c in columns)
    for printed in form.expected:
        s["numbers"] += 1
        key = next(
            (
                k
                for k in numbers
                if k.partition("@")[0] == printed.key and _same(printed.column, k.partition("@")[2])
            ),
            None,
        )
        number = numbers.get(key) if key else None
        if number is not None and number.votes == printed.value:
            s["exact"] += 1
        else:
            got = number.votes if number else None
            wrong.append(f"{printed.key}@{printed.column[-4:] or 'T'}={got}/{printed.value}")
        if number is not None and number.status == "confirmed" and number.votes != printed.value:
            s["confirmed_wrong"] += 1
    broken_total = not form.consistent and _total_broken(form)
    s["broken"] = int(broken_total)
    s["broken_flagged"] = int(broken_total and read is not None and read.consistent is False)
    s["false_inconsistent"] = int(
        not broken_total and read is not None and read.consistent is False
    )
    s["form_exact"] = int(s["exact"] == s["numbers"])
    s["wrong"] = wrong  # type: ignore[assignment]
    return s


def _same(printed: str, read: str) -> bool:
    """The column the form printed (full code digits, "" for the total) and the one read
    (the code as printed: full, or its own part)."""
    if not printed or not read:
        return printed == read
    return printed == read or printed.endswith(read) and len(read) in (2, 4)


def _total_broken(form: RecapForm) -> bool:
    by = defaultdict(dict)
    for p in form.expected:
        by[p.key][p.column] = p.value
    return any(v.get("", 0) != sum(x for c, x in v.items() if c) for v in by.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=8, help="forms per family and level")
    parser.add_argument("--seeds", default="fresh", help="tune, fresh, or a first seed")
    parser.add_argument("--family", nargs="*", default=list(FAMILIES))
    parser.add_argument("--level", nargs="*", default=list(LEVELS))
    parser.add_argument("--show", type=int, default=3)
    args = parser.parse_args(argv)
    base = SEEDS.get(args.seeds) if args.seeds in SEEDS else int(args.seeds)
    settings = OcrSettings()
    results: dict[tuple[str, str], list[dict]] = defaultdict(list)
    seconds: list[float] = []
    shown: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="recap-bench-") as tmp:
        for family in args.family:
            for level in args.level:
                for i in range(args.forms):
                    seed = base + i
                    broken = None
                    if i % 4 == 3:
                        broken = random.Random(f"broken-{seed}").choice(("total", "column"))
                    form = recap_form(family, level, seed, broken=broken)
                    read, spent = read_form(form, Path(tmp), settings)
                    seconds += spent
                    s = score(form, read)
                    results[(family, level)].append(s)
                    if (
                        s["wrong"]
                        and sum(x.startswith(f"{family}/{level}") for x in shown) < args.show
                    ):
                        shown.append(f"{family}/{level} seed {seed}: {' '.join(s['wrong'][:8])}")
                    print(f"\r{family} {level} {i + 1}/{args.forms}", end="", file=sys.stderr)
    print(file=sys.stderr)
    print(
        f"{args.forms} forms per family and level, seeds from {base} ({args.seeds}); "
        f"{time.perf_counter() - started:.0f} s"
    )
    for level in args.level:
        for family in [*args.family, "all"]:
            scores = [
                s
                for (f, lv), ss in results.items()
                if lv == level and family in (f, "all")
                for s in ss
            ]
            print(report(f"{family} / {level}", scores))
    print(
        f"reader CPU per page: mean {statistics.mean(seconds):.3f} s, max {max(seconds):.3f} s "
        f"({len(seconds)} pages)"
    )
    for line in shown:
        print("  misread:", line)
    return 0


def report(name: str, scores: list[dict]) -> str:
    t = defaultdict(int)
    for s in scores:
        for k, v in s.items():
            if k != "wrong":
                t[k] += v
    ratio = t["exact"] / t["numbers"] if t["numbers"] else 0
    return (
        f"{name:22} exact {t['exact']}/{t['numbers']} ({ratio:.1%}); columns "
        f"{t['columns_found']}/{t['columns']}; forms exact {t['form_exact']}/{len(scores)}; "
        f"wrong conf. {t['confirmed_wrong']}; broken totals {t['broken_flagged']}/{t['broken']} "
        f"(false {t['false_inconsistent']})"
    )


if __name__ == "__main__":
    sys.exit(main())
