"""The TPS master list from files: a CSV, or KPU's region lists (JSON).

**CSV** (UTF-8, a header line, ``,`` or ``;``), column names in any case, Indonesian or
English:

- ``kode_tps`` (or ``tps_code``, ``code``): the TPS's 13 digits (dots allowed:
  33.13.05.2001.001); or ``kode_desa`` (``kode_kelurahan``, ``village_code``), the
  village's 10 digits, with ``tps`` (``no_tps``, ``nomor_tps``), its number (1-999);
- ``provinsi``, ``kabupaten_kota``, ``kecamatan``, ``kelurahan_desa`` (or ``province``,
  ``regency``, ``district``, ``village``; ``kabupaten``, ``kota``, ``kelurahan``, ``desa``):
  names, for the pages;
- ``kode_provinsi``, ``kode_kabupaten``, ``kode_kecamatan`` (``province_code`` ...):
  checked against the TPS code when given;
- ``dpt`` (``voters``): voters on the TPS's list, optional.

Either ``kode_tps`` or ``kode_desa`` + ``tps`` is required on every line.

**JSON**: KPU's region lists, ``[{"nama", "id", "kode", "tingkat"}, ...]``: ``tingkat`` 1-4
are a province, regency, district or village (their names), 5 a TPS (``kode`` 13 digits).
Several files (a folder of them, as KPU serves one list per parent region) are one import.

Every line (or JSON item, with its line in the file) is checked; one bad line names itself
and nothing is imported. Stations are joined by their codes only, never by names.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive_app.domain.recap_types import Station
from archive_app.storage.given_files import read_given
from vocabulary import regions
from vocabulary.numbers import whole_number
from vocabulary.places import normalize_place

MAX_ERRORS = 50  # errors listed before the rest are counted
MAX_DPT = 100_000
ALIASES = {
    "code": ("kode_tps", "tps_code", "code", "kode"),
    "village_code": ("kode_desa", "kode_kelurahan", "kode_kelurahan_desa", "village_code"),
    "tps": ("tps", "no_tps", "nomor_tps", "tps_number"),
    "dpt": ("dpt", "voters", "jumlah_dpt"),
    "province": ("provinsi", "province", "nama_provinsi"),
    "regency": ("kabupaten_kota", "kabupaten", "kota", "kabkota", "regency", "nama_kabupaten"),
    "district": ("kecamatan", "district", "nama_kecamatan"),
    "village": ("kelurahan_desa", "kelurahan", "desa", "village", "nama_desa", "nama_kelurahan"),
    "province_code": ("kode_provinsi", "province_code"),
    "regency_code": ("kode_kabupaten", "kode_kabkota", "kode_kabupaten_kota", "regency_code"),
    "district_code": ("kode_kecamatan", "district_code"),
}
NAME_LEVELS = {"province": 2, "regency": 4, "district": 6, "village": 10}
TINGKAT = {1: 2, 2: 4, 3: 6, 4: 10, 5: 13}


class ListError(ValueError):
    """The files hold bad lines; ``errors`` names each (file, line, message)."""

    def __init__(self, errors: list[str], more: int = 0):
        shown = "\n".join(errors)
        extra = f"\n... and {more} more" if more else ""
        super().__init__(f"{len(errors) + more} problem(s), nothing imported:\n{shown}{extra}")
        self.errors = errors
        self.more = more


@dataclass
class Parsed:
    """Stations and names read from the files, before anything is stored."""

    stations: dict[str, int | None] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    more: int = 0
    _where: dict[str, str] = field(default_factory=dict)  # code -> where first seen

    def error(self, where: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{where}: {message}")
        else:
            self.more += 1

    def station(self, where: str, code: str, dpt: int | None) -> None:
        if (
            code in self.stations
            and self.stations[code] != dpt
            and None
            not in (
                dpt,
                self.stations[code],
            )
        ):
            first = self._where[code]
            self.error(
                where,
                f"TPS {regions.dotted(code)} has DPT {dpt}, but {self.stations[code]} at {first}",
            )
            return
        if self.stations.get(code) is None:
            self.stations[code] = dpt
        self._where.setdefault(code, where)

    def name(self, where: str, code: str, name: str) -> None:
        name = normalize_place(name)
        if not name:
            return
        if len(name) > 100:
            self.error(where, f"the name of {regions.dotted(code)} is longer than 100 characters")
            return
        known = self.names.get(code)
        if known is not None and known.lower() != name.lower():
            self.error(
                where,
                f"{regions.dotted(code)} is named {name!r} here, {known!r} at "
                f"{self._where.get('n' + code, 'an earlier line')}",
            )
            return
        self.names[code] = name
        self._where.setdefault("n" + code, where)

    def stations_list(self) -> Iterator[Station]:
        for code in sorted(self.stations):
            yield Station(code, self.stations[code])


def parse_files(paths: Iterable[Path]) -> Parsed:
    """Read every file (a folder: every .csv and .json in it); ListError if any is bad."""
    parsed = Parsed()
    files = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in (".csv", ".json"))
        else:
            files.append(path)
    if not files:
        raise ListError(["no .csv or .json file given"])
    for path in files:
        try:
            data = read_given(path)
        except OSError as exc:
            parsed.error(str(path), f"cannot be read ({exc.strerror or exc})")
            continue
        if path.suffix.lower() == ".json" or data.lstrip()[:1] in (b"[", b"{"):
            _json(parsed, path.name, data)
        else:
            _csv(parsed, path.name, data)
    if parsed.errors:
        raise ListError(parsed.errors, parsed.more)
    if not parsed.stations and not parsed.names:
        raise ListError([f"{', '.join(p.name for p in files)}: no station or region found"])
    return parsed


# --- CSV -------------------------------------------------------------------------------------


def _csv(parsed: Parsed, name: str, data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.error(name, "is not UTF-8 text")
        return
    first = text.split("\n", 1)[0]
    dialect = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=dialect)
    try:
        _csv_rows(parsed, name, reader)
    except csv.Error as exc:  # a field over csv.field_size_limit(), most often
        parsed.error(f"{name} line {reader.line_num}", f"is not CSV ({exc})")


def _csv_rows(parsed: Parsed, name: str, reader: Iterator[list[str]]) -> None:
    header = next(reader, None)
    if header is None:
        parsed.error(name, "is empty")
        return
    columns = _columns(header)
    if "code" not in columns and not {"village_code", "tps"} <= set(columns):
        parsed.error(
            f"{name} line 1",
            "needs a kode_tps column, or kode_desa and tps columns; "
            f"found {', '.join(h.strip() for h in header)}",
        )
        return
    for number, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        row = {key: cells[at].strip() if at < len(cells) else "" for key, at in columns.items()}
        _csv_row(parsed, f"{name} line {number}", row)


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for at, raw in enumerate(header):
        key = raw.strip().lower().replace(" ", "_").replace("/", "_").replace("-", "_")
        for field_name, names in ALIASES.items():
            if key in names and field_name not in found:
                found[field_name] = at
    return found


def _csv_row(parsed: Parsed, where: str, row: dict[str, str]) -> None:
    code = _station_code(parsed, where, row)
    if code is None:
        return
    dpt = None
    if row.get("dpt"):
        dpt = whole_number(row["dpt"].replace(".", "").replace(",", ""))
        if dpt is None or dpt > MAX_DPT:
            parsed.error(where, f"DPT {row['dpt']!r} is not a whole number from 0 to {MAX_DPT}")
            return
    for level, width in (("province", 2), ("regency", 4), ("district", 6)):
        given = row.get(f"{level}_code")
        if given:
            plain = regions.digits(given)
            if plain is None or len(plain) != width or not code.startswith(plain):
                parsed.error(
                    where,
                    f"kode {level} {given!r} is not the start of the TPS code "
                    f"{regions.dotted(code)}",
                )
                return
    parsed.station(where, code, dpt)
    for level, width in NAME_LEVELS.items():
        if row.get(level):
            parsed.name(where, code[:width], row[level])


def _station_code(parsed: Parsed, where: str, row: dict[str, str]) -> str | None:
    if row.get("code"):
        code = regions.digits(row["code"])
        if code is None or len(code) != 13:
            parsed.error(
                where,
                f"kode TPS {row['code']!r} must be 13 digits (10 of the village, 3 of the TPS)",
            )
            return None
        if not 1 <= int(code[10:]) <= 999:
            parsed.error(where, f"kode TPS {row['code']!r} names TPS 000")
            return None
        return code
    village = regions.digits(row.get("village_code", ""))
    if village is None or len(village) != 10:
        parsed.error(where, f"kode desa {row.get('village_code', '')!r} must be 10 digits")
        return None
    number = whole_number(row.get("tps", "").upper().removeprefix("TPS").strip())
    if number is None or not 1 <= number <= 999:
        parsed.error(where, f"TPS {row.get('tps', '')!r} must be a number from 1 to 999")
        return None
    return regions.tps_code(village, number)


# --- KPU's JSON region lists -------------------------------------------------------------------


def _json(parsed: Parsed, name: str, data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.error(name, "is not UTF-8 text")
        return
    try:
        items = list(_items(text))
    except (ValueError, RecursionError) as exc:
        parsed.error(name, f"is not a JSON list of regions ({exc})")
        return
    for line, item in items:
        _json_item(parsed, f"{name} line {line}", item)


def _items(text: str) -> Iterator[tuple[int, Any]]:
    """The elements of a JSON array with the line each starts on."""
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if at >= len(text) or text[at] != "[":
        raise ValueError("it does not start with [")
    at = _skip(text, at + 1)
    if at < len(text) and text[at] == "]":
        return
    while True:
        line = text.count("\n", 0, at) + 1
        item, at = decoder.raw_decode(text, at)
        yield line, item
        at = _skip(text, at)
        if at < len(text) and text[at] == ",":
            at = _skip(text, at + 1)
            continue
        if at < len(text) and text[at] == "]":
            return
        raise ValueError(f"expected , or ] on line {text.count(chr(10), 0, at) + 1}")


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _json_item(parsed: Parsed, where: str, item: Any) -> None:
    if not isinstance(item, dict):
        parsed.error(where, "each region must be an object {nama, id, kode, tingkat}")
        return
    tingkat = whole_number(item.get("tingkat"))
    code = regions.digits(str(item.get("kode", "")))
    if tingkat not in TINGKAT:
        parsed.error(where, f"tingkat {item.get('tingkat')!r} must be 1 to 5")
        return
    width = TINGKAT[tingkat]
    if code is None or len(code) != width:
        parsed.error(
            where, f"kode {item.get('kode')!r} must be {width} digits at tingkat {tingkat}"
        )
        return
    if tingkat == 5:
        if not 1 <= int(code[10:]) <= 999:
            parsed.error(where, f"kode {item.get('kode')!r} names TPS 000")
            return
        dpt = whole_number(item.get("dpt")) if item.get("dpt") is not None else None
        parsed.station(where, code, dpt)
        return
    name = item.get("nama")
    if not isinstance(name, str) or not name.strip():
        parsed.error(where, "nama is missing")
        return
    parsed.name(where, code, name)
