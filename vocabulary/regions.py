"""Region and polling-station codes as KPU writes them, and the levels they name.

A code is digits: province 2, regency +2, district +2, village +4 (a 10-digit village
code), and the TPS number as 3 more (13 digits name a TPS, e.g. ``3313052001001``).
People and files write them with dots (``33.13.05.2001``), spaces or dashes; every form is
read into plain digits here, and shown dotted. Records are joined by these codes, never by
a region's name (spellings vary) or by a place in a list.
"""

from __future__ import annotations

import re

from vocabulary.messages import N_

# The levels, top down, and how many digits a code of each level has. The nation is the
# empty code: every code starts with it.
LEVELS = ("nation", "province", "regency", "district", "village", "tps")
DIGITS = {"nation": 0, "province": 2, "regency": 4, "district": 6, "village": 10, "tps": 13}
LEVEL_OF = {length: level for level, length in DIGITS.items()}
LEVEL_LABELS = {  # Indonesian; the pages translate them (vocabulary.messages)
    "nation": N_("Nasional"),
    "province": N_("Provinsi"),
    "regency": N_("Kabupaten/Kota"),
    "district": N_("Kecamatan"),
    "village": N_("Kelurahan/Desa"),
    "tps": N_("TPS"),
}
_SEPARATORS = re.compile(r"[\s.\-/]+")
_CUTS = (2, 4, 6, 10)


class CodeError(ValueError):
    """A text that is not a region or TPS code of the expected length."""


def digits(text: object) -> str | None:
    """The code's digits ("33.13.05.2001" -> "3313052001"), or None when ``text`` is not a
    code of a known length (2, 4, 6, 10 or 13 ASCII digits once separators are removed)."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    plain = _SEPARATORS.sub("", text.strip())
    if not plain.isascii() or not plain.isdigit() or len(plain) not in LEVEL_OF:
        return None
    return plain if len(plain) else None


def parse(text: object, level: str | None = None) -> str:
    """``digits`` or CodeError; with ``level``, the code must be of that level."""
    found = digits(text)
    if found is None:
        raise CodeError(f"{text!r} is not a region code (2, 4, 6, 10 or 13 digits)")
    if level is not None and len(found) != DIGITS[level]:
        raise CodeError(f"{text!r} is not a {level} code ({DIGITS[level]} digits)")
    return found


def level_of(code: str) -> str:
    """The level a code of digits names ("" is the nation)."""
    return LEVEL_OF[len(code)]


def dotted(code: str) -> str:
    """How people write a code: "3313052001" -> "33.13.05.2001"; a TPS code keeps its
    number apart: "3313052001001" -> "33.13.05.2001.001"."""
    parts, start = [], 0
    for cut in (*_CUTS, 13):
        if len(code) < cut:
            break
        parts.append(code[start:cut])
        start = cut
    return ".".join(parts)


def parent(code: str) -> str:
    """The code of the region one level up ("" above a province)."""
    length = len(code)
    ups = [n for n in DIGITS.values() if n < length]
    return code[: max(ups)] if ups else ""


def ancestors(code: str) -> list[str]:
    """Every region containing ``code``, from the nation down, ``code`` itself last."""
    return [code[:n] for n in DIGITS.values() if n <= len(code)]


def child_level(level: str) -> str | None:
    at = LEVELS.index(level)
    return LEVELS[at + 1] if at + 1 < len(LEVELS) else None


def tps_code(village: str, number: int) -> str:
    """The 13-digit code of TPS ``number`` in a village (10 digits)."""
    if len(village) != 10 or not village.isdigit():
        raise CodeError(f"{village!r} is not a village code (10 digits)")
    if not 1 <= number <= 999:
        raise CodeError(f"TPS {number} is not a number from 1 to 999")
    return f"{village}{number:03d}"


def split_tps(code: str) -> tuple[str, int]:
    """(village code, TPS number) of a 13-digit TPS code."""
    return code[:10], int(code[10:])


def upper_bound(prefix: str) -> str:
    """The first text after every code starting with ``prefix`` (digits sort before ":"),
    so ``prefix <= code < upper_bound(prefix)`` selects a region's codes with an index."""
    return prefix + ":"
