"""Marking a message for translation where it is defined but translated where it is shown.

``N_`` returns its argument unchanged; Babel's extraction (babel.cfg, ``make translations``)
knows the name and puts the message in the catalogues. It lives here, in the shared
vocabulary, so labels in the vocabulary and the domain (standard library only) can be
marked too; the pages pass them through gettext when they show them.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802  (gettext's own name for it, which extraction knows)
    return message
