"""What the national benchmark asks: searches, pages and lists, with the places of the
archive that was built (bench/national_data.py)."""

from __future__ import annotations

import random
from urllib.parse import urlencode

from bench.national_data import regions
from bench.synthetic import vocabulary


def _villages(seed: int, regencies: int) -> list[tuple[str, str, str, str, int]]:
    out = []
    for regency in regions(seed)[:regencies]:
        for _, district, villages in regency.districts:
            for _, village, tps in villages:
                out.append((regency.province, regency.name, district, village, tps))
    return out


def search_sets(info: dict, n: int, seed: int = 11) -> dict[str, list[dict]]:
    """Two terms: handwritten words from the more frequent part of the vocabulary; TPS
    lookup: a village's polling station; term + filter + facets: a word within a regency
    (facets drill down to its districts); very common term: a printed word on every result
    form, counted in full; deep pages: a word's 400th page (inside Elasticsearch's 10,000-hit
    window) and 2,500th (past it)."""
    rng = random.Random(seed)
    villages = _villages(int(info["seed"]), int(info["regencies"]))
    words = vocabulary()[:2000]
    frequent = vocabulary()[:20]
    sets: dict[str, list[dict]] = {k: [] for k in (
        "two terms", "tps lookup", "term+filter+facets", "very common term", "deep page 400",
        "deep page 2500",
    )}  # fmt: skip
    for _ in range(n):
        province, regency, district, village, tps = rng.choice(villages)
        sets["two terms"].append({"q": f"{rng.choice(words)} {rng.choice(words)}"})
        sets["tps lookup"].append(
            {"village": village, "district": district, "tps": str(rng.randint(1, tps))}
        )
        sets["term+filter+facets"].append({"q": rng.choice(words), "regency": regency})
        sets["very common term"].append({"q": "suara"})
        sets["deep page 400"].append({"q": rng.choice(frequent), "page": "400"})
        sets["deep page 2500"].append({"q": "suara", "page": "2500"})
    return sets


def page_cases(info: dict, ids: dict) -> list[tuple[str, str]]:
    """(name, path) of every page and list measured; ``ids`` gives a record to look for."""
    built = regions(int(info["seed"]))[: int(info["regencies"])]
    province = built[0].province
    regency = built[min(3, len(built) - 1)].name
    q = urlencode
    return [
        ("start page", "/beranda"),
        ("records list", "/documents"),
        ("records list p.2000", "/documents?page=2000"),
        ("records API", "/api/v1/documents"),
        ("records API p.2000", "/api/v1/documents?page=2000"),
        ("review queue", "/review"),
        ("retention list: due", "/retention/records?state=due"),
        (
            "retention list: province",
            "/retention/records?" + q({"state": "active", "province": province}),
        ),  # fmt: skip
        ("retention list p.50", "/retention/records?state=active&page=50"),
        # filters first timed in the seventeenth session: a due action, a rare form type,
        # an election whose records are due later than most (its list walks past them)
        ("retention list: to destroy", "/retention/records?state=active&action=destroy"),
        (
            "retention list: form type",
            "/retention/records?state=active&form_type=D.HASIL.KECAMATAN",
        ),  # fmt: skip
        ("retention list: election", "/retention/records?state=inactive&election=PILGUB"),
        # eighteenth session: a form type with no active record, one in any state, an
        # election in one province (any state)
        ("retention list: none active", "/retention/records?state=active&form_type=C.KEJADIAN"),
        ("retention list: any state", "/retention/records?form_type=D.HASIL.KECAMATAN"),
        (
            "retention list: election, province",
            "/retention/records?" + q({"election": "DPD", "province": province}),
        ),  # fmt: skip
        ("retention dashboard", "/retention"),
        ("retention summary API", "/api/v1/retention/summary"),
        ("holds list", "/holds"),
        ("holds API", "/api/v1/holds"),
        ("audit trail", "/audit"),
        ("audit: one actor", "/audit?actor=system"),
        ("audit: one record", "/audit?" + q({"target": f"document:{ids['record']}"})),
        ("audit p.1000", "/audit?page=1000"),
        ("audit API offset 100k", "/api/v1/audit?offset=100000"),
        ("tally CSV: a regency", "/api/v1/tally.csv?" + q({"regency": regency})),
    ]


def recap_cases(info: dict) -> list[tuple[str, str]]:
    """The recap for a province (issue 15), as the Rekapitulasi page and as the API that
    answers the same question: the first built regency's province, PPWP 2024 (every TPS's
    C.Hasil carries a tally). Its tables are made by bench/national_recap.py."""
    province = regions(int(info["seed"]))[0].code[:2]
    asked = {"election": "PPWP", "year": 2024}
    return [
        ("recap: a province", "/rekapitulasi?" + urlencode({**asked, "region": province})),
        ("recap API: a province", "/api/v1/recap?" + urlencode({**asked, "province": province})),
    ]
