"""How well the metadata readers read generated forms whose answers are known, per field.

    python -m bench.extract_bench [--forms 100] [--seed 1]

Each form: one of the five 2024 general elections, a form type, 2024 or 2019, a place from the
list below (the 17 districts of Kabupaten Karanganyar and eight other regencies/cities), TPS
1-999, scanner dust 0 / 0.01 / 0.03, ~40% with a QR code or barcode (JSON, key=value or a bare
region code + TPS), ~20% scanned turned 90/180/270. Each runs through the real pipeline
(ingest.pipeline.process_file, Tesseract) with the readers ``codes`` (codes.read_codes) and
``header`` (extract.header_reader: the header with Tesseract word confidences).

Reported per field: exact (value right, share of all forms), coverage (a value was produced),
sure (confidence >= REVIEW_THRESHOLD) and sure-but-wrong: the dangerous case, a wrong value
that would be filled in without review. "text only" is parse_header on the page text after the
pipeline (no word confidences), as a caller without the header reader gets it. Region codes are
illustrative (format right, numbers not checked against Kemendagri's list).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from ingest import extract
from ingest.codes import parse_codes, read_codes
from ingest.header import parse_header
from ingest.models import FileKind, OcrSettings
from ingest.pipeline import process_file
from tests.qr_forms import make_form_with_qr
from vocabulary.elections import load_vocabulary
from vocabulary.places import normalize_place

# province -> (regency, regency code) -> district -> villages
KARANGANYAR = {
    "Jatipuro": ["Jatipuro", "Jatipurwo"], "Jatiyoso": ["Jatiyoso", "Tlobo"],
    "Jumapolo": ["Jumapolo", "Lemahbang"], "Jumantono": ["Jumantono", "Sedayu"],
    "Matesih": ["Matesih", "Koripan"], "Tawangmangu": ["Tawangmangu", "Kalisoro"],
    "Ngargoyoso": ["Berjo", "Girimulyo"], "Karangpandan": ["Doplang", "Gerdu"],
    "Karanganyar": ["Bejen", "Cangakan"], "Tasikmadu": ["Papahan", "Ngijo"],
    "Jaten": ["Ngringo", "Dagen"], "Colomadu": ["Gawanan", "Malangjiwan"],
    "Gondangrejo": ["Plesungan", "Jatikuwung"], "Kebakkramat": ["Kaliwuluh", "Nangsri"],
    "Mojogedang": ["Pendem", "Gebyog"], "Kerjo": ["Tamansari", "Kuto"],
    "Jenawi": ["Anggrasmanis", "Balong"],
}  # fmt: skip
PLACES = {
    "Jawa Tengah": {
        ("Karanganyar", "33.13"): KARANGANYAR,
        ("Kota Surakarta", "33.72"): {"Laweyan": ["Pajang", "Sondakan"], "Banjarsari": ["Manahan"]},
    },
    "DI Yogyakarta": {("Sleman", "34.04"): {"Depok": ["Caturtunggal", "Condongcatur"]}},
    "Jawa Timur": {("Kota Surabaya", "35.78"): {"Tegalsari": ["Kedungdoro", "Dr. Soetomo"]}},
    "Jawa Barat": {("Bandung", "32.04"): {"Soreang": ["Pamekaran", "Sekarwangi"]}},
    "Sumatera Utara": {("Kota Medan", "12.71"): {"Medan Baru": ["Babura", "Titi Rantai"]}},
    "Sumatera Selatan": {("Kota Palembang", "16.71"): {"Seberang Ulu I": ["1 Ulu", "3-4 Ulu"]}},
    "Sulawesi Selatan": {("Gowa", "73.06"): {"Somba Opu": ["Sungguminasa", "Tompobalang"]}},
    "Bali": {("Kota Denpasar", "51.71"): {"Denpasar Barat": ["Dauh Puri", "Padangsambian"]}},
}
ELECTIONS = {"PPWP": "PPWP", "DPR": "DPR", "DPD": "DPD", "DPRD PROV": "DPRD_PROV"}
ELECTIONS |= {"DPRD KAB/KOTA": "DPRD_KABKOTA"}  # as formgen prints it -> vocabulary code
FORMS = ["C.HASIL"] * 3 + ["C.HASIL.SALINAN", "D.HASIL.KECAMATAN"]
FIELDS = ("election", "form_type", "year", "province", "regency", "district", "village", "tps")
CODE_FIELDS = (*FIELDS, "region_code")


def places() -> list[tuple]:
    """(province, regency, district, village, region code) for every village in the list."""
    rows = []
    for province, regencies in PLACES.items():
        for (regency, code), districts in regencies.items():
            for d, (district, villages) in enumerate(districts.items(), start=1):
                for v, village in enumerate(villages, start=1):
                    rows.append(
                        (province, regency, district, village, f"{code}.{d:02d}.{2000 + v}")
                    )
    return rows


def spec(rng: random.Random, index: int, all_places: list[tuple]) -> dict:
    province, regency, district, village, code = rng.choice(all_places)
    printed = rng.choice(list(ELECTIONS))
    form = dict(election=printed, form_type=rng.choice(FORMS), year=rng.choice([2024] * 4 + [2019]))
    form |= dict(province=province, regency=regency, district=district, village=village)
    form |= dict(tps=rng.randint(1, 999), noise=rng.choice([0, 0.01, 0.03]), seed=index)
    truth = {**form, "election": ELECTIONS[printed], "region_code": code}
    truth |= {k: normalize_place(form[k]) for k in ("province", "regency", "district", "village")}
    rotate = rng.choice([90, 180, 270]) if rng.random() < 0.2 else 0
    payload, code_options = _code(rng, truth) if rng.random() < 0.4 else (None, {})
    return dict(form=form, truth=truth, rotate=rotate, payload=payload, options=code_options)


def _code(rng: random.Random, truth: dict) -> tuple[str, dict]:
    kind = rng.choice(["json", "kv", "bare", "barcode"])
    if kind == "json":
        keys = ("election", "tps", "region_code", "village")
        return json.dumps({k: truth[k] for k in keys}), dict(size_px=rng.choice([200, 300]))
    if kind == "kv":
        pairs = {k: truth[k] for k in CODE_FIELDS}
        return ";".join(f"{k}={v}" for k, v in pairs.items()), dict(size_px=300)
    bare = f"{truth['region_code']}-TPS{truth['tps']:03d}"
    if kind == "bare":
        return bare, dict(size_px=140, corner="top-right")
    return bare, dict(size_px=700, code_format="Code128")


def run_one(item: dict, folder: Path, index: int, vocabulary) -> dict:
    source = folder / f"form{index:03d}.png"
    make_form_with_qr(source, item["payload"], rotate=item["rotate"], **item["options"],
                      **item["form"])  # fmt: skip
    out = folder / f"out{index:03d}"
    out.mkdir()
    readers = {"codes": read_codes, "header": extract.header_reader(vocabulary)}
    doc = process_file(source, FileKind.PNG, out, OcrSettings(), readers=readers)
    page = doc.pages[0]
    codes = parse_codes(page.readings["codes"], vocabulary)
    header = page.readings["header"]
    return {
        "header": header, "text_only": parse_header(page.text, vocabulary),
        "merged": extract.merge(codes, header), "has_code": item["payload"] is not None,
        "codes_found": len(page.readings["codes"]), "noise": item["form"]["noise"],
        "timings": doc.extra["timings"], "truth": item["truth"],
    }  # fmt: skip


def score(results: list[dict], key: str, fields=FIELDS) -> list[tuple]:
    rows = []
    for name in fields:
        counts = Counter()
        for result in results:
            reading, truth = result[key].get(name), result["truth"][name]
            if reading is None:
                continue
            right, sure = reading.value == truth, reading.confidence >= extract.REVIEW_THRESHOLD
            counts.update(produced=1, right=right, sure=sure, sure_wrong=sure and not right)
        rows.append((name, counts))
    return rows


def table(title: str, results: list[dict], key: str, fields=FIELDS) -> None:
    n = len(results)
    print(f"\n{title} ({n} forms)")
    print("| field | exact | coverage | sure | sure but wrong | wrong |")
    print("|---|---|---|---|---|---|")
    for name, c in score(results, key, fields):
        right, produced, sure = (
            f"{100 * c[k] / max(n, 1):.1f}%" for k in ("right", "produced", "sure")
        )
        wrong = c["produced"] - c["right"]
        print(f"| {name} | {right} | {produced} | {sure} | {c['sure_wrong']} | {wrong} |")


def report(results: list[dict], elapsed: float) -> None:
    with_code = [r for r in results if r["has_code"]]
    without = [r for r in results if not r["has_code"]]
    table("Header alone, with word confidences (header_reader)", results, "header")
    table("Header alone, text only (parse_header on page text)", results, "text_only")
    table("Merged codes + header, forms with a code", with_code, "merged", CODE_FIELDS)
    table("Merged codes + header, forms without a code", without, "merged")
    found = sum(1 for r in with_code if r["codes_found"])
    print(f"\ncodes found on {found}/{len(with_code)} forms carrying one; "
          f"{sum(r['codes_found'] for r in without)} found on forms without")  # fmt: skip
    by_noise = defaultdict(list)
    for r in results:
        by_noise[r["noise"]].append(all(_right(r, "header", f) for f in FIELDS))
    print("forms with every header field right: " + ", ".join(
        f"noise {k}: {sum(v)}/{len(v)}" for k, v in sorted(by_noise.items())))  # fmt: skip
    pages = len(results)
    per_page = lambda name: sum(r["timings"].get(name, 0) for r in results) / pages  # noqa: E731
    print(f"seconds per page: read_codes {per_page('read:codes'):.3f}, header reader "
          f"{per_page('read:header'):.4f}, OCR {per_page('ocr'):.2f}, orientation "
          f"{per_page('orientation'):.2f}; wall {elapsed:.0f} s for {pages} forms")  # fmt: skip


def show_wrong(results: list[dict]) -> None:
    for index, result in enumerate(results):
        for key in ("header", "merged"):
            for name, reading in result[key].items():
                truth = result["truth"].get(name)
                if reading.value != truth:
                    print(f"  form {index} {key} {name}: read {reading.value!r} "
                          f"({reading.confidence:.2f}), truth {truth!r}")  # fmt: skip


def _right(result: dict, key: str, name: str) -> bool:
    reading = result[key].get(name)
    return reading is not None and reading.value == result["truth"][name]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show-wrong", action="store_true", help="list every wrong reading")
    args = parser.parse_args(argv)
    rng, vocabulary, all_places = random.Random(args.seed), load_vocabulary(), places()
    items = [spec(rng, i, all_places) for i in range(args.forms)]
    print(f"{args.forms} generated forms (seed {args.seed}); REVIEW_THRESHOLD "
          f"{extract.REVIEW_THRESHOLD}; {sum(i['payload'] is not None for i in items)} with a "
          f"code, {sum(bool(i['rotate']) for i in items)} turned", flush=True)  # fmt: skip
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_one(item, Path(tmp), i, vocabulary) for i, item in enumerate(items)]
    report(results, time.perf_counter() - started)
    if args.show_wrong:
        show_wrong(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
