"""Text compared as people mean it: case, runs of spaces and accents do not matter.

One definition for the metadata filters of both search engines, the plain-Python matcher
of query holds, the reconciliation of typed and read metadata and the SQL filters, so that
"Jawa  TENGAH" is the same place everywhere.
"""

from __future__ import annotations

import unicodedata


def squash(text: object) -> str:
    """Lowercase, with every run of whitespace made one space and the ends trimmed: how
    metadata values are compared ("Jawa  TENGAH " -> "jawa tengah")."""
    return " ".join(str(text or "").split()).lower()


def same(a: object, b: object) -> bool:
    """Equal once squashed."""
    return squash(a) == squash(b)


def fold(text: str) -> str:
    """Lowercase and strip accents, as the search engines' analyzers do ("Désa" -> "desa")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
