"""Reading handwritten-style counts in per-digit boxes: main OCR as-is vs ingest.tally, one run.

    python -m bench.tally_bench [--forms 60] [--seed 0] [--skew 0]

Each form is a generated C.Hasil (tests/formgen.py, ``digit_boxes=True``) with known, consistent
counts, 3-5 candidates, handwriting jitter 0.3-1.0, scan noise cycling 0 / 0.01 / 0.02, a quarter
of the forms with blank (not zero) leading boxes and, with ``--skew D``, a random slant within
+-D degrees. Every page gets the pipeline's main OCR (``ocr.recognize``, psm 4); both readers
then work from that same result:

as-is:  the digits in the main OCR's word table right of each label, as a reader that does
        nothing about the boxes gets them;
tally:  ``ingest.tally.read_tally`` (box lines erased, one digits-only Tesseract call per page).

Per approach: exact numbers; pages with every number right; pages with a wrong number and how
often the arithmetic (``consistent``) or ``needs_review`` flags them (want all); right pages they
flag (false alarms); and for tally the extra seconds per page against the main OCR's.
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ingest import ocr, tally
from ingest.models import OcrSettings, PageContext, Tally
from tests.formgen import make_form


def counts(rng: random.Random) -> tuple[tuple[int, ...], int]:
    """Consistent counts for one TPS: (candidate votes, invalid)."""
    used = rng.randint(40, tally.MAX_VOTERS)
    invalid = rng.randint(0, min(20, used))
    cuts = sorted(rng.randint(0, used - invalid) for _ in range(rng.choice((3, 3, 4, 5)) - 1))
    return tuple(b - a for a, b in itertools.pairwise([0, *cuts, used - invalid])), invalid


def as_is(context: PageContext) -> Tally | None:
    """What the main OCR alone gives: digits right of each label, however box lines were read."""
    roles = tally.locate_rows(tally.read_lines(context.tsv_path))
    if not roles:
        return None
    read = []
    for _, line in roles:
        after = [w for w in line.words if w.left > line.label_right]
        digits = "".join(ch for w in after for ch in w.text if ch.isdigit())
        conf = min((w.conf for w in after), default=0.0) / 100
        read.append((int(digits), conf) if digits else (None, 0.0))
    return tally.assemble(roles, read)


def score(result: Tally | None, truth: list[int]) -> dict:
    """How one page was read: numbers right / wrong / unread, and which flags went up."""
    read = [] if result is None else [r.votes for r in result.rows]
    read += [None] * 3 if result is None else [result.valid, result.invalid, result.ballots_used]
    if len(read) != len(truth):  # a row missed or one too many: nothing lines up, all wrong
        read = [-1] * len(truth)
    right = sum(a == b for a, b in zip(read, truth, strict=True))
    unread = sum(a is None for a in read)
    return {
        "right": right, "numbers": len(truth), "wrong": len(truth) - right - unread,
        "unread": unread, "arithmetic": result is None or result.consistent is not True,
        "review": result is None or tally.needs_review(result),
    }  # fmt: skip


def cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract): steadier than wall
    time on a shared machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def form(i: int, seed: int, skew: float) -> dict:
    rng = random.Random(f"{seed}-{i}")
    votes, invalid = counts(rng)
    kw = dict(votes=votes, invalid=invalid, digit_boxes=True, handwriting=rng.uniform(0.3, 1.0))
    kw |= dict(leading_zeros=rng.random() >= 0.25, seed=seed * 1000 + i, tps=i + 1)
    return kw | dict(noise=(0, 0.01, 0.02)[i % 3], rotate=round(rng.uniform(-skew, skew), 2))


def run(forms: int, seed: int, skew: float, workdir: Path) -> dict:
    results: dict = {name: [] for name in ("as-is", "tally", "examples")}
    results |= {name: [] for name in ("ocr_s", "tally_s", "ocr_cpu", "tally_cpu")}
    for i in range(forms):
        kw = form(i, seed, skew)
        path = make_form(workdir / f"form-{i}.png", **kw)
        started, used = time.perf_counter(), cpu()
        result = ocr.recognize(path, workdir / f"ocr-{i}", OcrSettings(), 300)
        results["ocr_s"].append(time.perf_counter() - started)
        results["ocr_cpu"].append(cpu() - used)
        context = PageContext(1, path, 300, 0, result.text, result.tsv_path)
        started, used = time.perf_counter(), cpu()
        read = tally.read_tally(context)
        results["tally_s"].append(time.perf_counter() - started)
        results["tally_cpu"].append(cpu() - used)
        truth = [*kw["votes"], sum(kw["votes"]), kw["invalid"], sum(kw["votes"]) + kw["invalid"]]
        results["as-is"].append(score(as_is(context), truth))
        results["tally"].append(score(read, truth))
        if results["tally"][-1]["right"] < len(truth) and len(results["examples"]) < 6:
            got = read and ([r.votes for r in read.rows], read.valid, read.invalid)
            got = got and (*got, read.ballots_used)
            results["examples"].append(f"form {i} (noise {kw['noise']}, skew {kw['rotate']}): "
                                       f"truth {truth}, read {got}")  # fmt: skip
        print(f"\r{i + 1}/{forms}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return results


def report(name: str, scores: list[dict]) -> None:
    total = {key: sum(s[key] for s in scores) for key in ("right", "numbers", "wrong", "unread")}
    good = [s for s in scores if s["right"] == s["numbers"]]
    wrong = [s for s in scores if s["wrong"]]
    unread = [s for s in scores if s["unread"] and not s["wrong"]]

    def flagged(pages: list[dict], key: str) -> str:
        return f"{sum(s[key] for s in pages)}/{len(pages)}"

    print(f"{name:6} numbers exact {total['right']}/{total['numbers']} "
          f"({total['right'] / total['numbers']:.1%}), wrong {total['wrong']}, unread "
          f"{total['unread']}; pages all right {len(good)}/{len(scores)}")  # fmt: skip
    print(f"       pages with a wrong number flagged: arithmetic {flagged(wrong, 'arithmetic')}, "
          f"needs_review {flagged(wrong, 'review')}; with an unread one (none wrong): "
          f"needs_review {flagged(unread, 'review')}")  # fmt: skip
    print(f"       pages read right flagged (false alarms): arithmetic "
          f"{flagged(good, 'arithmetic')}, needs_review {flagged(good, 'review')}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skew", type=float, default=0.0, help="max slant in degrees")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tally-bench-") as tmp:
        results = run(args.forms, args.seed, args.skew, Path(tmp))
    print(f"{args.forms} boxed forms, handwriting 0.3-1.0, noise 0/0.01/0.02, "
          f"skew +-{args.skew} degrees, seed {args.seed}")  # fmt: skip
    report("as-is", results["as-is"])
    report("tally", results["tally"])
    for unit, name in (("s", "wall"), ("cpu", "CPU ")):
        main_ocr, extra = statistics.mean(results[f"ocr_{unit}"]), results[f"tally_{unit}"]
        print(f"{name}: main OCR {main_ocr:.2f} s/page; tally reader extra mean "
              f"{statistics.mean(extra):.3f} s, median {statistics.median(extra):.3f} s, "
              f"max {max(extra):.3f} s ({statistics.mean(extra) / main_ocr:.1%})")  # fmt: skip
    started = time.perf_counter()
    for _ in range(1000):
        tally.read_tally(PageContext(1, Path("-"), 300, 0, "BERITA ACARA KEJADIAN", Path("-")))
    print(f"non-tally pages: {(time.perf_counter() - started):.4f} s for 1000")
    for example in results["examples"]:
        print("  not all right:", example)
    return 0


if __name__ == "__main__":
    sys.exit(main())
