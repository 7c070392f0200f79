"""What a record says about itself: election, form, place and polling station.

Validation lives here so the web form, the JSON API and the CLI accept and refuse
exactly the same things, with the same messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Protocol

from vocabulary.numbers import whole_number
from vocabulary.places import FIRST_YEAR, TPS_MAX, format_tps, normalize_place, parse_tps

PLACE_FIELDS = ("province", "regency", "district", "village")
REQUIRED_FIELDS = ("election", "form_type", "year", *PLACE_FIELDS, "tps")
OPTIONAL_FIELDS = ("region_code", "title", "notes", "record_date")
ALL_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
# [0-9], not \d: \d also takes "٣٣" (Arabic-Indic digits), which no Kemendagri code has
_REGION_CODE = re.compile(r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")
# Typed text may not hide control characters (a NUL came out of a search facet as
# "A\u0000B"), nor invisible ones: a zero-width space made a village that looks empty, and
# the bidirectional overrides make text read other than it is stored. Tab, newline and
# carriage return are spacing, not hidden: notes keep their lines, and place names collapse
# them to a space (``normalize_place``).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


class MetadataError(ValueError):
    """Metadata was refused; ``fields`` maps each bad field to a message."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class TermLookup(Protocol):
    def election(self, value: str) -> Any: ...
    def form_type(self, value: str) -> Any: ...


@dataclass(frozen=True)
class RecordMetadata:
    election: str
    form_type: str
    year: int
    province: str
    regency: str
    district: str
    village: str
    tps: int
    region_code: str = ""
    title: str = ""
    notes: str = ""
    record_date: date | None = None  # the date on the form, when the schedule counts from it

    @property
    def tps_label(self) -> str:
        return format_tps(self.tps)

    def missing(self) -> list[str]:
        """Required fields still unknown (blank text, year or TPS 0)."""
        return [name for name in REQUIRED_FIELDS if not getattr(self, name)]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the date as ISO text). Every field is a scalar, so a
        shallow copy does; ``dataclasses.asdict`` deep-copies, which showed in search
        responses (20 hits each)."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        values["record_date"] = self.record_date.isoformat() if self.record_date else ""
        return values


UNKNOWN = {"year": 0, "tps": 0}  # how a required field not known yet is stored


def validate_metadata(
    raw: Mapping[str, Any], vocabulary: TermLookup, *, partial: bool = False
) -> RecordMetadata:
    """Check and normalise raw input (strings from a form, JSON or CLI) into metadata.

    ``partial``: required fields may be left out (an upload whose metadata will be read from
    the page); what is given must still be valid.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def get(name: str) -> str:
        return str(raw.get(name) or "").strip()

    for name in REQUIRED_FIELDS:
        if not get(name):
            if partial:
                values[name] = UNKNOWN.get(name, "")
            else:
                errors[name] = "This field is required."

    if get("election") and "election" not in errors:
        term = vocabulary.election(get("election"))
        if term is None:
            errors["election"] = f"Unknown election code {get('election')!r}."
        else:
            values["election"] = term.code
    if get("form_type"):
        term = vocabulary.form_type(get("form_type"))
        if term is None:
            errors["form_type"] = f"Unknown form type {get('form_type')!r}."
        else:
            values["form_type"] = term.code
    if get("year"):
        year = whole_number(get("year"))
        if year is None or not FIRST_YEAR <= year <= date.today().year + 1:
            errors["year"] = f"Year must be between {FIRST_YEAR} and {date.today().year + 1}."
        else:
            values["year"] = year
    for name in PLACE_FIELDS:
        if get(name):
            if len(get(name)) > 100:
                errors[name] = "At most 100 characters."
            else:
                values[name] = normalize_place(get(name))
    if get("tps"):
        tps = parse_tps(get("tps"))
        if tps is None:
            errors["tps"] = f"TPS must be a number from 1 to {TPS_MAX}."
        else:
            values["tps"] = tps
    _validate_optional(get, values, errors)
    if errors:
        raise MetadataError(errors)
    return RecordMetadata(**values)


def _validate_optional(
    get: Callable[[str], str], values: dict[str, Any], errors: dict[str, Any]
) -> None:
    code = get("region_code")
    if code and not _REGION_CODE.match(code):
        errors["region_code"] = "Use the Kemendagri code form 33, 33.13, 33.13.05 or 33.13.05.2001."
    values["region_code"] = code
    for name, limit in (("title", 200), ("notes", 2000)):
        if len(get(name)) > limit:
            errors[name] = f"At most {limit} characters."
        values[name] = get(name)
    values["record_date"] = None
    if get("record_date"):
        _validate_record_date(get("record_date"), values, errors)
    _refuse_controls(get, errors)


def _validate_record_date(text: str, values: dict[str, Any], errors: dict[str, Any]) -> None:
    """Bounded like ``year``: retention counts years from this date, and one near 9999 once
    ran past the calendar and broke the retention lists of the whole archive."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors["record_date"] = "Use the form YYYY-MM-DD."
        return
    last = date.today().year + 1
    if not date(FIRST_YEAR, 1, 1) <= day <= date(last, 12, 31):
        # the year sentence, not a new one: it says what is wrong and is already translated
        errors["record_date"] = f"Year must be between {FIRST_YEAR} and {last}."
    else:
        values["record_date"] = day


def _refuse_controls(get: Callable[[str], str], errors: dict[str, Any]) -> None:
    """Refused, not stripped: this is what a person typed, and text silently changed is
    worse than a question. Place names read from the page are cleaned before they get here
    (``normalize_place``), so a stray control character in a reading is not refused."""
    for name in (*PLACE_FIELDS, "title", "notes"):
        if _CONTROLS.search(get(name)):
            errors[name] = "Remove the invisible control characters from this text."


def without_controls(text: str) -> str:
    """``text`` less what validation refuses in it as control characters."""
    return _CONTROLS.sub("", text)
