"""Why a record waits for review, in the reader's language.

The reasons are stored with the record in English, as reconcile writes them (the sidecar
and the API carry them so); people read them as Indonesian messages (the catalogues' source
language) through gettext, with the field named as the audit trail names it. A tally's problem
is said with the record's own tally issue (which carries its Indonesian and English
sentence, as the OCR pipeline wrote them). A sentence in neither is shown as stored.
"""

from __future__ import annotations

import re

from flask_babel import get_locale, gettext

from archive_app.audit.readable import detail_label
from archive_app.domain.languages import N_

FIELD = r"(?P<field>[a-z_]+)"
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), t)
    for p, t in [
        (FIELD + r": the code on the form says (?P<code>.+), "
                 r"the printed header reads (?P<header>.+)",
         N_("%(field)s: kode pada formulir menyebut %(code)s, kepala formulir terbaca %(header)s")),
        (FIELD + r": typed (?P<typed>.+), the page reads (?P<read>.+) \(unsure\)",
         N_("%(field)s: diketik %(typed)s, halaman terbaca %(read)s (ragu)")),
        (FIELD + r": typed (?P<typed>.+), the page reads (?P<read>.+)",
         N_("%(field)s: diketik %(typed)s, halaman terbaca %(read)s")),
        (FIELD + r": neither given nor read from the page",
         N_("%(field)s: tidak diisi dan tidak terbaca dari halaman")),
        (FIELD + r": read (?P<value>.+) with low confidence",
         N_("%(field)s: terbaca %(value)s dengan keyakinan rendah")),
        (FIELD + r": the value read is not valid \((?P<why>.*)\)",
         N_("%(field)s: nilai yang terbaca tidak valid (%(why)s)")),
        (r"tally: the arithmetic could not be checked on the numbers read",
         N_("hitungan: aritmetika tidak dapat diperiksa pada angka yang terbaca")),
        (r"tally: and (?P<n>\d+) more problems", N_("hitungan: dan %(n)s masalah lainnya")),
        (r"tally: a number could not be confirmed",
         N_("hitungan: sebuah angka tidak dapat dipastikan")),
    ]
]  # fmt: skip
TALLY = "tally: "


def translated(reason: str, tally: dict | None = None) -> str:
    """``reason`` as stored, in the request's language; ``tally``: the record's tally as
    stored (its issues say each problem in both languages)."""
    for pattern, template in _REASONS:
        match = pattern.fullmatch(reason.strip())
        if match:
            words = match.groupdict()
            if "field" in words:
                words["field"] = detail_label(words["field"])
            return gettext(template, **words)
    if reason.startswith(TALLY):
        problem = reason[len(TALLY) :]
        for issue in (tally or {}).get("issues") or []:
            if issue.get("message_en") == problem:
                said = problem if str(get_locale()) == "en" else issue.get("message") or problem
                return gettext("hitungan: %(problem)s", problem=said)
    return reason
