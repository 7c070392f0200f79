"""Places and polling stations as people write them.

A TPS is numbered 001, 002 ... within its village; people type it as 5, 005, "TPS 005" or
"TPS: 5". Place names come typed in every case; they are stored in one so that facets group
one name once.
"""

from __future__ import annotations

import re
from typing import Any

FIRST_YEAR = 1955  # Indonesia's first general election
TPS_MAX = 999
# The separator belongs to the "TPS" label: alone, "-1" would be read as TPS 001.
_TPS = re.compile(r"^(?:TPS\s*[:.\-]?)?\s*0*([0-9]{1,3})$", re.IGNORECASE)
# C0, DEL and C1 controls but those str.split() treats as spaces (tab, newline, \x1c-\x1f,
# \x85), and the invisible ones: zero-width characters, bidirectional overrides, the BOM
_CONTROLS = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def format_tps(number: int) -> str:
    """ "TPS 005"; "" while the number is not known (0): the page says so in the reader's
    language ("Belum diisi"), and the API's ``tps_label`` is empty, never "TPS ?"."""
    return f"TPS {number:03d}" if number else ""


def parse_tps(value: Any) -> int | None:
    """Accept 5, "5", "005", "TPS 005", "TPS: 5"; None when it is not a TPS number."""
    match = _TPS.match(str(value).strip()) if value is not None else None
    if not match:
        return None
    number = int(match.group(1))
    return number if 1 <= number <= TPS_MAX else None


def normalize_place(value: str) -> str:
    """Collapse whitespace; fix ALL-CAPS or all-lower typing so facets group one name once.

    Control characters are dropped: the QR and header readers name places through here, and
    a stray NUL in what they read must not make the archive refuse the reading.
    """
    text = " ".join(_CONTROLS.sub("", str(value)).split())
    if text.isupper() or text.islower():
        text = text.title()
    return text
