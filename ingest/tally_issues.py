"""The tally's problems in words: one sentence per issue code, in Indonesian and English.

An ``Issue`` is stored as its code and parameters only; the sentence is made when it is
shown, so a translation is a new entry in ``SENTENCES`` and nothing stored changes. People
read Indonesian (the archive's UI language); the English sentences are the API's
``problems`` as they always were.
"""

from __future__ import annotations

from ingest.models import Issue

LANGUAGES = ("id", "en")
SENTENCES = {
    "en": {
        "unread": "{name}: the number could not be read",
        "low_confidence": "{name}: {value} was read with low confidence ({confidence:.2f})",
        "disputed": '{name}: the digits read {digits}, the words read {words} ("{text}")',
        "disputed_fits": "{name}: the digits read {digits}, the words read {words} "
        '("{text}"); the sums fit {fits}',
        "words_unread": '{name}: the amount in words ("{text}") could not be read',
        "over_max": "{name}: {value} is more than the {max} voters a TPS has",
        "candidates_sum": "candidate votes sum to {sum}, but valid votes read {valid}",
        "parties_sum": "party and candidate votes sum to {sum}, but valid votes read {valid}",
        "party_sum": "{party}: party votes {party_votes} + candidate votes {candidates} = "
        "{sum}, but the party total reads {total}",
        "ballots_sum": "valid {valid} + invalid {invalid} = {sum}, but ballots used read "
        "{ballots_used}",
        "users_ballots": "ballots used read {ballots_used}, but voters who used their vote "
        "read {users}",
        "users_over_voters": "{users} voters used their vote, more than the {voters} on the "
        "lists (DPT + DPTb + DPK)",
        "users_over_row": "{row}: {users} voters used their vote, more than the {voters} on "
        "that list",
        "lp_sum": "{name}: L {L} + P {P} = {sum}, but JML reads {JML}",
        "voter_rows_sum": "{part}, {column}: DPT {dpt} + DPTb {dptb} + DPK {dpk} = {sum}, but "
        "the total reads {total}",
        "sheets_sum": "ballot sheets: returned {returned} + unused {unused} + used {used} = "
        "{sum}, but received reads {received}",
        "columns_sum": "{name}: the columns sum to {sum}, but the total reads {total}",
        "columns_unread": "page {page}: counts were found, but not the regions' columns",
        "sheets_users": "ballot sheets used read {used}, but voters who used their vote read "
        "{users}",
        "undecided": "{check} (not decided: {unsure} read unsurely)",
        "no_rows": "no candidate rows were found",
        "no_table": "no vote table could be read on this result form",
        "duplicate": "{name} was read on more than one page (pages {pages}); the first is kept",
    },
    "id": {
        "unread": "{name}: angka tidak terbaca",
        "low_confidence": "{name}: {value} terbaca dengan keyakinan rendah ({percent}%)",
        "disputed": '{name}: angka terbaca {digits}, terbilang terbaca {words} ("{text}")',
        "disputed_fits": "{name}: angka terbaca {digits}, terbilang terbaca {words} "
        '("{text}"); penjumlahan cocok dengan {fits}',
        "words_unread": '{name}: terbilang ("{text}") tidak dapat dibaca',
        "over_max": "{name}: {value} melebihi {max} pemilih yang dapat dimiliki satu TPS",
        "candidates_sum": "jumlah suara calon {sum}, tetapi jumlah suara sah terbaca {valid}",
        "parties_sum": "jumlah suara partai dan calon {sum}, tetapi jumlah suara sah terbaca "
        "{valid}",
        "party_sum": "{party}: suara partai {party_votes} + suara calon {candidates} = {sum}, "
        "tetapi jumlah suara partai dan calon terbaca {total}",
        "ballots_sum": "suara sah {valid} + suara tidak sah {invalid} = {sum}, tetapi jumlah "
        "suara sah dan tidak sah terbaca {ballots_used}",
        "users_ballots": "jumlah suara sah dan tidak sah terbaca {ballots_used}, tetapi "
        "jumlah pengguna hak pilih terbaca {users}",
        "users_over_voters": "pengguna hak pilih {users} melebihi jumlah pemilih {voters} "
        "(DPT + DPTb + DPK)",
        "users_over_row": "{row}: pengguna hak pilih {users} melebihi pemilih {voters}",
        "lp_sum": "{name}: L {L} + P {P} = {sum}, tetapi JML terbaca {JML}",
        "voter_rows_sum": "{part}, {column}: DPT {dpt} + DPTb {dptb} + DPK {dpk} = {sum}, "
        "tetapi jumlahnya terbaca {total}",
        "sheets_sum": "surat suara: dikembalikan {returned} + tidak digunakan {unused} + "
        "digunakan {used} = {sum}, tetapi yang diterima terbaca {received}",
        "columns_sum": "{name}: jumlah kolom wilayah {sum}, tetapi jumlah akhir terbaca {total}",
        "columns_unread": "halaman {page}: angka ditemukan, tetapi kolom wilayahnya tidak",
        "sheets_users": "surat suara digunakan terbaca {used}, tetapi pengguna hak pilih "
        "terbaca {users}",
        "undecided": "{check} (belum pasti: {unsure} terbaca dengan keyakinan rendah)",
        "no_rows": "tidak ada baris calon yang ditemukan",
        "no_table": "tabel perolehan suara pada formulir hasil ini tidak dapat dibaca",
        "duplicate": "{name} terbaca di lebih dari satu halaman (halaman {pages}); yang "
        "pertama dipakai",
    },
}
NAMES = {
    "en": {
        "valid": "valid votes",
        "invalid": "invalid votes",
        "ballots_used": "ballots used",
        "row": "row {n} ({label})",
        "voters": "voters",
        "users": "voters who used their vote",
        "disabled.voters": "voters with disabilities",
        "disabled.users": "voters with disabilities who used their vote",
        "sheets": "ballot sheets",
        "dpt": "DPT",
        "dptb": "DPTb",
        "dpk": "DPK",
        "total": "total",
        "received": "received",
        "returned": "returned",
        "unused": "unused",
        "used": "used",
    },
    "id": {
        "valid": "jumlah suara sah",
        "invalid": "jumlah suara tidak sah",
        "ballots_used": "jumlah suara sah dan tidak sah",
        "row": "baris {n} ({label})",
        "voters": "pemilih",
        "users": "pengguna hak pilih",
        "disabled.voters": "pemilih disabilitas",
        "disabled.users": "pengguna hak pilih disabilitas",
        "sheets": "surat suara",
        "dpt": "DPT",
        "dptb": "DPTb",
        "dpk": "DPK",
        "total": "jumlah",
        "received": "diterima",
        "returned": "dikembalikan",
        "unused": "tidak digunakan",
        "used": "digunakan",
    },
}


def name(key: str, label: str, lang: str = "id") -> str:
    """How a number is called in a sentence: "row 2 (BUDI SANTOSO)", "pemilih DPT, L"."""
    names = NAMES[lang]
    base, _, column = key.partition("@")  # a recap form's column: "row2@3313052001"
    if column:
        return f"{name(base, label, lang)} [{column}]"
    if key.startswith("row"):
        return names["row"].format(n=key[3:], label=label)
    if key in names:
        return names[key]
    parts = key.split(".")
    if parts[0] == "disabled":
        return ", ".join([names[".".join(parts[:2])], *parts[2:]])
    return " ".join([names.get(parts[0], parts[0]), names.get(parts[1], parts[1])]) + (
        f", {parts[2]}" if len(parts) > 2 else ""
    )


def describe(issue: Issue, lang: str = "id") -> str:
    """The issue as a sentence in ``lang`` ("id" or "en")."""
    params = dict(issue.params)
    if "key" in params:
        params["name"] = name(params["key"], params.get("label", ""), lang)
    if "confidence" in params:
        params["percent"] = round(100 * params["confidence"])
    if "row_key" in params:
        params["row"] = name(params["row_key"], "", lang)
    if "part" in params:
        params["part"] = NAMES[lang].get(params["part"], params["part"])
    code = issue.code
    if code == "disputed" and params.get("fits") is not None:
        code = "disputed_fits"
    if code == "undecided":
        inner = Issue(params["check"], params.get("check_params", {}))
        params["check"] = describe(inner, lang)
        params["unsure"] = ", ".join(name(k, lbl, lang) for k, lbl in params.get("unsure", []))
    try:
        return SENTENCES[lang][code].format(**params)
    except (KeyError, IndexError, ValueError):
        return f"{code}: {params}"
