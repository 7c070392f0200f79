"""Vote counts read from result forms of every layout family, scored number by number.

    python -m bench.tally_bench [--forms 12] [--seeds fresh|tune] [--family F ...] [--level L ...]

Forms come from tests/formgen_tally.py: five layout families (digits inline; digits with
TERBILANG; printed digits in boxes; handwritten digits in boxes; a DPR/DPRD party table
over two pages), each at a light and a heavy scan, every form with its own maker's style
(faces, sizes, column order, wording, ruling), section I and the ballot sheets on some. One
form in five prints a number that breaks a check (``broken``). Every page gets the
pipeline's page OCR (``ocr.recognize``), then ``tally.read_tally``; the pages of a form are
checked together (``tally.combine``), as the archive does.

Seeds: ``--seeds tune`` (1000 on) is the set the reader was tuned on; ``--seeds fresh``
(9000 on) was never looked at while tuning and is the one to report (docs/benchmarks.md).

Per family and level:
  exact        numbers read exactly (a number not found or found twice is not exact);
  forms exact  forms with every number exact;
  caught       numbers whose digits and words disagree, shown as disputed (want all), and
               of them those where the digits were misread (the words caught a misreading);
  wrong conf.  numbers shown as confirmed that are wrong (want 0);
  broken       forms whose printed arithmetic fails, with consistent false (want all);
  review       forms sent to review; of the forms read exactly and consistent, how many;
and the reader's CPU seconds per page (target <= 0.1), the page's pixels given as the
pipeline gives them (decoded once for the previews and all readers).
"""

from __future__ import annotations

import argparse
import difflib
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from PIL import Image

from ingest import ocr, tally
from ingest.models import OcrSettings, PageContext, Tally
from tests.formgen_tally import FAMILIES, LEVELS, Expected, TallyForm, tally_form

SEEDS = {"tune": 1000, "fresh": 9000}
CALIBRATION: list[tuple[str, float, bool]] = []  # (source, confidence, right) of each reading
ROW_KINDS = ("candidate", "party", "party_total")
BROKEN = {"dpr": ("party_total", "valid", "ballots_used")}
BROKEN_OTHERS = ("valid", "ballots_used", "voter_row", "users")
COUNTED = (
    "numbers",
    "extra",
    "exact",
    "confirmed_wrong",
    "disagree",
    "disagree_shown",
    "digits_wrong",
    "form_exact",
    "broken",
    "broken_flagged",
    "false_inconsistent",
    "review",
    "good",
    "good_review",
)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def keyed(expected: list[Expected], read: Tally) -> list[tuple[Expected, str | None]]:
    """Each printed number with the key the reader gave it (None: not found). Table rows are
    matched in order by kind and label, so a row missed or found twice costs only itself."""
    out = []
    rows = [e for e in expected if e.kind in ROW_KINDS]
    found = list(read.rows)
    want = [f"{e.kind}:{e.key.upper()[:12]}" for e in rows]
    have = [f"{r.kind}:{r.label.upper()[:12]}" for r in found]
    matcher = difflib.SequenceMatcher(None, want, have, autojunk=False)
    pairs: dict[int, str] = {}
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag in ("equal", "replace") and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                pairs[a0 + k] = found[b0 + k].key
    out += [(e, pairs.get(i)) for i, e in enumerate(rows)]
    for e in expected:
        if e.kind in ROW_KINDS:
            continue
        if e.kind in ("valid", "invalid", "ballots_used"):
            key = e.kind
        elif e.kind == "sheets":
            key = f"sheets.{e.key}"
        else:
            key = f"{e.kind}.{e.key}.{e.column}"
        out.append((e, key if read.number(key) else None))
    return out


def score(form: TallyForm, read: Tally | None) -> dict:
    read = read or tally.combine([])
    matched = keyed(form.expected, read)
    s = dict.fromkeys(COUNTED, 0)
    s["numbers"] = len(matched)
    used = {key for _, key in matched if key}
    s["extra"] = sum(1 for n in read.numbers if n.key not in used)
    wrong = []
    for expected, key in matched:
        number = read.number(key) if key else None
        value = number.votes if number else None
        confirmed = number is not None and number.status == "confirmed"
        if value == expected.value:
            s["exact"] += 1
        else:
            wrong.append(
                f"{'!' if confirmed else ''}{key or expected.kind}={value}/{expected.value}"
            )
        if number is None:
            continue
        for reading in (number.digits, number.words):
            if reading is not None and reading.value is not None:
                CALIBRATION.append(
                    (reading.source, round(reading.confidence, 3), reading.value == expected.value)
                )
        if number.status == "confirmed" and value != expected.value:
            s["confirmed_wrong"] += 1
        digits = number.digits.value if number.digits else None
        words = number.words.value if number.words else None
        if digits is not None and words is not None and digits != words:
            s["disagree"] += 1
            s["disagree_shown"] += number.status == "disputed"
            s["digits_wrong"] += digits != expected.value
    s["form_exact"] = int(s["exact"] == s["numbers"] and not s["extra"])
    s["broken"] = int(not form.consistent)
    s["broken_flagged"] = int(not form.consistent and read.consistent is False)
    s["false_inconsistent"] = int(form.consistent and read.consistent is False)
    s["review"] = int(tally.needs_review(read))
    s["good"] = int(s["form_exact"] and form.consistent)
    s["good_review"] = int(s["good"] and s["review"])
    s["wrong"] = wrong  # type: ignore[assignment]
    return s


def run_form(
    form: TallyForm, workdir: Path, settings: OcrSettings, cached: bool = False
) -> tuple[Tally | None, list]:
    """The form read page by page. ``cached``: ``workdir`` keeps each page and its OCR under
    the form's name, and a page found there is not OCR'd again (the reader alone is rerun)."""
    pages, seconds = [], []
    name = f"{form.family}-{form.level}-{form.seed}-{int(form.consistent)}" if cached else "page"
    for number, image in enumerate(form.pages, 1):
        suffix = "png" if form.level == "light" else "jpg"
        path = workdir / f"{name}-{number}.{suffix}"
        out = workdir / f"{name}-{number}-ocr"
        tsv, txt = out.with_suffix(".tsv"), out.with_suffix(".txt")
        if not (cached and tsv.exists() and txt.exists()):
            image.save(path, quality=90) if suffix == "jpg" else image.save(path, dpi=(300, 300))
            ocr.recognize(path, out, settings, 300)
            out.with_suffix(".pdf").unlink(missing_ok=True)
        text = txt.read_text(encoding="utf-8").strip()
        # the pipeline hands readers the page as it decoded it for the previews
        pixels = Image.open(path).convert("L")
        context = PageContext(number, path, 300, 0, text, tsv, pixels)
        started = cpu()
        page = tally.read_tally(context)
        seconds.append(cpu() - started)
        if page is not None:
            pages.append(page)
    return (tally.combine(pages) if pages else None), seconds


def report(name: str, scores: list[dict]) -> str:
    t = {k: sum(s[k] for s in scores) for k in COUNTED}
    ratio = t["exact"] / t["numbers"] if t["numbers"] else 0
    good = t["good"]
    return (
        f"{name:24} exact {t['exact']}/{t['numbers']} ({ratio:.1%}), extra {t['extra']}; "
        f"forms exact {t['form_exact']}/{len(scores)}; caught {t['disagree_shown']}/"
        f"{t['disagree']} (digits misread {t['digits_wrong']}); wrong conf. "
        f"{t['confirmed_wrong']}; broken {t['broken_flagged']}/{t['broken']} (false "
        f"{t['false_inconsistent']}); review {t['review']}/{len(scores)}, of exact "
        f"{t['good_review']}/{good}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=12, help="forms per family and level")
    parser.add_argument("--seeds", default="fresh", help="tune, fresh, or a first seed")
    parser.add_argument("--family", nargs="*", default=list(FAMILIES))
    parser.add_argument("--level", nargs="*", default=list(LEVELS))
    parser.add_argument("--show", type=int, default=3, help="misread forms to list per group")
    parser.add_argument(
        "--cache", type=Path, help="keep pages and their OCR here; rerun only the reader"
    )
    parser.add_argument(
        "--calibration", action="store_true", help="right readings per source and confidence band"
    )
    args = parser.parse_args(argv)
    base = SEEDS.get(args.seeds) if args.seeds in SEEDS else int(args.seeds)
    settings = OcrSettings()
    results: dict[tuple[str, str], list[dict]] = defaultdict(list)
    seconds: list[float] = []
    shown: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tally-bench-") as tmp:
        if args.cache:
            args.cache.mkdir(parents=True, exist_ok=True)
        workdir = args.cache or Path(tmp)
        for family in args.family:
            for level in args.level:
                for i in range(args.forms):
                    seed = base + i
                    rng = random.Random(f"broken-{family}-{seed}")
                    broken = None
                    if i % 5 == 4:
                        broken = rng.choice(BROKEN.get(family, BROKEN_OTHERS))
                    form = tally_form(family, level, seed, broken=broken)
                    read, spent = run_form(form, workdir, settings, bool(args.cache))
                    seconds += spent
                    s = score(form, read)
                    results[(family, level)].append(s)
                    if (
                        s["wrong"]
                        and sum(1 for x in shown if x.startswith(f"{family}/{level}")) < args.show
                    ):
                        shown.append(
                            f"{family}/{level} seed {seed} ({form.election}, "
                            f"{form.style.order}, {form.style.rules}, {form.style.face}):"
                            f" {' '.join(s['wrong'][:8])}"
                        )
                    print(f"\r{family} {level} {i + 1}/{args.forms}", end="", file=sys.stderr)
    print(file=sys.stderr)
    print(
        f"{args.forms} forms per family and level, seeds from {base} ({args.seeds}); "
        f"{time.perf_counter() - started:.0f} s"
    )
    for level in args.level:
        for family in args.family:
            print(report(f"{family} / {level}", results[(family, level)]))
        print(
            report(
                f"all / {level}", [s for (f, lv), ss in results.items() if lv == level for s in ss]
            )
        )
    print(
        f"reader CPU per page: mean {statistics.mean(seconds):.3f} s, median "
        f"{statistics.median(seconds):.3f} s, max {max(seconds):.3f} s ({len(seconds)} pages)"
    )
    started = time.perf_counter()
    for _ in range(1000):
        tally.read_tally(PageContext(1, Path("-"), 300, 0, "BERITA ACARA KEJADIAN", Path("-")))
    print(f"non-tally pages: {(time.perf_counter() - started):.4f} s for 1000")
    for line in shown:
        print("  misread:", line)
    if args.calibration:
        print(
            "readings by source and confidence (right/all): wrong readings above a threshold "
            "are the ones a check can wrongly call the form's error"
        )
        for source in ("print", "boxes", "words"):
            found = [(c, ok) for s, c, ok in CALIBRATION if s == source]
            cells = []
            for low, high in (
                (0, 0.6),
                (0.6, 0.7),
                (0.7, 0.8),
                (0.8, 0.85),
                (0.85, 0.9),
                (0.9, 0.95),
                (0.95, 1.01),
            ):
                band = [ok for c, ok in found if low <= c < high]
                cells.append(f"{low:.2f}+ {sum(band)}/{len(band)}")
            print(f"  {source:6} " + ", ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
