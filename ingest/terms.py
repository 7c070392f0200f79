"""What the code and header readers share: vocabulary lookups and confidence levels."""

from __future__ import annotations

import re

from vocabulary.elections import Term, Vocabulary

CODE_CONFIDENCE = 0.99  # a cleanly decoded QR code or barcode
CONFLICT_CONFIDENCE = 0.5  # sources that disagree: below the review threshold, a human decides

# Election names as printed after "MODEL C.HASIL-" (letters only) that the vocabulary spells
# differently. Candidates for aliases in config/vocabulary.toml.
ELECTION_SPELLINGS = {
    "DPRDPROVINSI": "DPRD_PROV", "DPRDKABUPATENKOTA": "DPRD_KABKOTA", "DPRDKAB": "DPRD_KABKOTA",
}  # fmt: skip


def letters_key(value: str) -> str:
    """Compare printed codes ignoring everything but letters and digits (C.HASIL == C HASIL)."""
    return re.sub(r"[^0-9A-Z]", "", str(value).upper())


def find_term(vocabulary, kind: str, value: str):
    """The vocabulary term (``kind`` "election" or "form_type") a printed or encoded name means."""
    key = letters_key(value)
    return next((term for known, term in term_keys(vocabulary, kind) if known == key), None)


def term_keys(vocabulary: Vocabulary, kind: str) -> list[tuple[str, Term]]:
    """(letters key, term) for every code, alias and spelling, longest key first."""
    terms = vocabulary.elections if kind == "election" else vocabulary.form_types
    keys = [(letters_key(name), term) for term in terms for name in (term.code, *term.aliases)]
    if kind == "election":
        spelled = ((key, vocabulary.election(code)) for key, code in ELECTION_SPELLINGS.items())
        keys += [(key, term) for key, term in spelled if term]
    return sorted(keys, key=lambda pair: -len(pair[0]))


def same(a, b) -> bool:
    """Two readings of one field agree (case, spacing and punctuation aside)."""
    if isinstance(a, int) or isinstance(b, int):
        return str(a) == str(b)
    return letters_key(a) == letters_key(b)
