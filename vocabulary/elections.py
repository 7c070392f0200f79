"""Election codes and form types, loaded from TOML so an office can extend them without code."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "config" / "vocabulary.toml"


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    dates: tuple[tuple[int, date], ...] = ()  # (year, voting day) of each election held

    def day_in(self, year: int) -> date | None:
        """Voting day of this election in ``year``: the default retention trigger."""
        return dict(self.dates).get(year)


def _key(value: str) -> str:
    """Compare codes ignoring case, spaces, dashes and underscores ("C.Hasil" == "c. hasil")."""
    return re.sub(r"[\s_\-]+", "", value).upper()


@dataclass(frozen=True)
class Vocabulary:
    elections: tuple[Term, ...]
    form_types: tuple[Term, ...]

    def election(self, value: str) -> Term | None:
        return _lookup(self.elections, value)

    def form_type(self, value: str) -> Term | None:
        return _lookup(self.form_types, value)

    def election_day(self, code: str, year: int) -> date | None:
        term = self.election(code)
        return term.day_in(year) if term else None


def _lookup(terms: tuple[Term, ...], value: str) -> Term | None:
    wanted = _key(value or "")
    for term in terms:
        if wanted == _key(term.code) or wanted in {_key(a) for a in term.aliases}:
            return term
    return None


def _terms(rows: list[dict[str, Any]]) -> tuple[Term, ...]:
    return tuple(
        Term(
            code=row["code"],
            label=row.get("label", row["code"]),
            aliases=tuple(row.get("aliases", ())),
            dates=tuple(
                sorted(
                    (int(year), date.fromisoformat(day))
                    for year, day in row.get("dates", {}).items()
                )
            ),
        )
        for row in rows
    )


@lru_cache(maxsize=8)
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    with open(path or DEFAULT_FILE, "rb") as fh:
        data = tomllib.load(fh)
    return Vocabulary(_terms(data["elections"]), _terms(data["form_types"]))
