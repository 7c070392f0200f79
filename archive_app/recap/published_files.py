"""Published results from files: KPU's JSON, or a CSV.

**KPU JSON** (one file per TPS or region, as KPU serves them; a folder of them is one
import). The file's code is its ``kode`` field, else the digits of its name
(``3313052001001.json``; ``0.json`` is the nation):

- per TPS: ``chart`` {candidate or party id: votes}, ``administrasi`` {``suara_sah``,
  ``suara_tidak_sah``, ``suara_total``, ``pemilih_dpt_j``/``_l``/``_p``, ``pengguna_dpt_j``,
  ``pengguna_dptb_j``, ``pengguna_non_dpt_j``, ``pengguna_total_j``}, ``ts``, ``psu``
  (``images`` and the status fields are not figures and are left out);
- per region: ``chart`` (the region's own figures, when given) and ``table`` {child code:
  {id: votes, ...}} (``psu``, ``persen``, ``status_progress`` are not figures), ``progres``;
- legislative charts: {party: {``jml_suara_total``, ``jml_suara_partai``}}.

The recapitulation series (KPU's ``hr``) has the same shapes: import it with ``--series
rekap``; the count per TPS (``hhcw``) is ``--series hitung`` (the default).

**Mapping** to the archive's candidate codes (domain/recap.py): a ballot number stays as it
is (``"1"``, ``"2"``); a party's ``jml_suara_total`` is the party (``"3"``) and its
``jml_suara_partai`` the party's own votes (``"3.0"``); KPU's internal paslon ids
(``100025``) need a ``--candidates`` file: KPU's own list ``{id: {"nomor_urut": n, ...}}``,
``{id: n}``, or a CSV ``id,candidate``. ``administrasi``: ``suara_sah`` → ``valid``,
``suara_tidak_sah`` → ``invalid``, ``suara_total`` → ``ballots_used``, ``pemilih_dpt_j``/
``_l``/``_p`` → ``voters.dpt.JML``/``.L``/``.P``, ``pengguna_dpt_j`` → ``users.dpt.JML``,
``pengguna_dptb_j`` → ``users.dptb.JML``, ``pengguna_non_dpt_j`` → ``users.dpk.JML``,
``pengguna_total_j`` → ``users.total.JML``. ``psu`` (a repeated vote) is kept as ``_psu``
= 1 when set.

**CSV** (a header line): ``kode`` (or ``code``; region or TPS code), ``calon`` (or
``candidate``: a code as above, a mapped id, or an ``administrasi`` name), ``suara`` (or
``votes``), optional ``ts``.

Every problem names its file and line (or field); nothing is imported while any is left.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from archive_app.domain.recap_types import SERIES, PublishedBatch
from archive_app.storage.given_files import read_given
from vocabulary import regions
from vocabulary.numbers import whole_number

MAX_ERRORS = 50
MAX_VOTES = 500_000_000
MAX_TIMESTAMP = 32  # the column's length (published_figures.ts)
ADMINISTRASI = {
    "suara_sah": "valid",
    "suara_tidak_sah": "invalid",
    "suara_total": "ballots_used",
    "pemilih_dpt_j": "voters.dpt.JML",
    "pemilih_dpt_l": "voters.dpt.L",
    "pemilih_dpt_p": "voters.dpt.P",
    "pengguna_dpt_j": "users.dpt.JML",
    "pengguna_dptb_j": "users.dptb.JML",
    "pengguna_non_dpt_j": "users.dpk.JML",
    "pengguna_total_j": "users.total.JML",
}
NOT_FIGURES = {
    "psu",
    "persen",
    "status_progress",
    "ts",
    "null",
    "images",
    "status_suara",
    "status_adm",
    "progres",
    "mode",
}
CODE_RE = re.compile(
    r"^(?:\d{1,3}|\d{1,3}\.\d{1,3}|valid|invalid|ballots_used|"
    r"(?:voters|users)\.(?:dpt|dptb|dpk|total)\.(?:L|P|JML))$"
)


class PublishedError(ValueError):
    def __init__(self, errors: list[str], more: int = 0):
        extra = f"\n... and {more} more" if more else ""
        super().__init__(
            f"{len(errors) + more} problem(s), nothing imported:\n" + "\n".join(errors) + extra
        )
        self.errors = errors


@dataclass
class _Reading:
    series: str
    figures: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    where: dict[tuple[str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    more: int = 0

    def error(self, where: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{where}: {message}")
        else:
            self.more += 1

    def put(self, where: str, region: str, candidate: str, votes: int, ts: str) -> None:
        key = (region, candidate)
        if key in self.figures and self.figures[key][0] != votes:
            self.error(
                where,
                f"{regions.dotted(region)} {candidate}: {votes}, but "
                f"{self.figures[key][0]} at {self.where[key]}",
            )
            return
        self.figures[key] = (votes, ts)
        self.where.setdefault(key, where)


def read_files(
    paths: Iterable[Path],
    *,
    election: str,
    year: int,
    series: str = "hitung",
    candidates: Path | None = None,
) -> PublishedBatch:
    """Every figure of the files (a folder: its .json and .csv files), checked."""
    if series not in SERIES:
        raise PublishedError([f"series must be one of {', '.join(SERIES)}"])
    reading = _Reading(series)
    mapping = _mapping(candidates, reading) if candidates else {}
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        files += (
            sorted(p for p in path.rglob("*") if p.suffix.lower() in (".json", ".csv"))
            if path.is_dir()
            else [path]
        )
    if not files:
        raise PublishedError(["no .json or .csv file given"])
    digest = hashlib.sha256()
    for path in files:
        try:
            data = read_given(path)
        except OSError as exc:
            reading.error(str(path), f"cannot be read ({exc.strerror or exc})")
            continue
        digest.update(data)
        if path.suffix.lower() == ".csv":
            _csv(reading, path, data, mapping)
        else:
            _json(reading, path, data, mapping)
    if reading.errors:
        raise PublishedError(reading.errors, reading.more)
    if not reading.figures:
        raise PublishedError([f"{', '.join(p.name for p in files)}: no figure found"])
    source = ", ".join(p.name for p in files[:5]) + (
        f" (+{len(files) - 5})" if len(files) > 5 else ""
    )
    return PublishedBatch(series, election, year, source, digest.hexdigest(), reading.figures)


def _mapping(path: Path, reading: _Reading) -> dict[str, str]:
    """KPU ids -> candidate codes, from KPU's own candidate list or a simple one."""
    try:
        data = read_given(path).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reading.error(str(path), f"cannot be read ({exc})")
        return {}
    out: dict[str, str] = {}
    if path.suffix.lower() == ".csv":
        reader = csv.reader(io.StringIO(data))
        try:
            rows = list(reader)
        except csv.Error as exc:
            reading.error(f"{path.name} line {reader.line_num}", f"is not CSV ({exc})")
            return {}
        for number, row in enumerate(rows[1:], 2):
            if len(row) >= 2 and row[0].strip():
                out[row[0].strip()] = _code_of(
                    row[1].strip(), f"{path.name} line {number}", reading
                )
        return out
    try:
        listed = json.loads(data)
    except (ValueError, RecursionError) as exc:
        reading.error(path.name, f"is not JSON ({exc})")
        return {}
    if not isinstance(listed, dict):
        reading.error(path.name, "must map each id to its ballot number")
        return {}
    for key, value in listed.items():
        ballot = value.get("nomor_urut") if isinstance(value, dict) else value
        out[str(key)] = _code_of(str(ballot), f"{path.name} {key}", reading)
    return out


def _code_of(text: str, where: str, reading: _Reading) -> str:
    code = (text.lstrip("0") or "0") if text.isdigit() else text
    if not CODE_RE.match(code):
        reading.error(where, f"{text!r} is not a candidate code (a ballot number, or party.n)")
    return code


def _candidate(key: str, mapping: dict[str, str]) -> str | None:
    """The archive's code for a published id; None when it needs a mapping."""
    key = str(key).strip()
    if key in mapping:
        return mapping[key]
    if key in ADMINISTRASI:
        return ADMINISTRASI[key]
    if key.isdigit() and len(key) <= 3:
        return key.lstrip("0") or "0"
    if CODE_RE.match(key):
        return key
    return None


def _votes(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_VOTES else None
    if isinstance(value, str):
        found = whole_number(value.strip())
        return found if found is not None and found <= MAX_VOTES else None
    return None


def _timestamp(value: Any, where: str, reading: _Reading) -> str | None:
    """The figure's time as given ("" when none), or None once its error is noted: a time
    such as 2024-13-45 was kept, and the changes between imports were ordered by it."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    try:
        if len(text) <= MAX_TIMESTAMP:
            datetime.fromisoformat(text)
            return text
    except ValueError:
        pass
    reading.error(where, f"ts {text[:40]!r} is not a date and time such as 2024-02-15 10:00:00")
    return None


def _region_of(path: Path, data: dict, reading: _Reading) -> str | None:
    given = data.get("kode") or data.get("code")
    text = str(given) if given is not None else path.stem
    if text in ("0", "00"):
        return ""
    code = regions.digits(text)
    if code is None:
        reading.error(
            path.name,
            "no region code: name the file by its code (3313052001001.json) or give a kode field",
        )
    return code


def _json(reading: _Reading, path: Path, data: bytes, mapping: dict[str, str]) -> None:
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        reading.error(path.name, f"is not JSON ({exc})")
        return
    if not isinstance(found, dict):
        reading.error(path.name, "must be an object with chart, administrasi or table")
        return
    region = _region_of(path, found, reading)
    if region is None:
        return
    ts = _timestamp(found.get("ts"), f"{path.name} ts", reading)
    if ts is None:
        return
    if found.get("chart") is not None:
        _figures(reading, f"{path.name} chart", region, found["chart"], ts, mapping)
    admin = found.get("administrasi")
    if isinstance(admin, dict):
        for key, value in admin.items():
            if key in ADMINISTRASI and value is not None:
                votes = _votes(value)
                if votes is None:
                    reading.error(f"{path.name} administrasi.{key}", f"{value!r} is not a count")
                    continue
                reading.put(f"{path.name} administrasi", region, ADMINISTRASI[key], votes, ts)
    if found.get("psu"):
        reading.put(f"{path.name} psu", region, "_psu", 1, ts)
    table = found.get("table")
    if table is not None and not isinstance(table, dict):
        reading.error(f"{path.name} table", "must map child codes to their figures")
        return
    for child, values in (table or {}).items():
        code = regions.digits(str(child))
        if code is None or not code.startswith(region) or len(code) <= len(region):
            reading.error(
                f"{path.name} table",
                f"{child!r} is not a region under {regions.dotted(region) or 'the nation'}",
            )
            continue
        if values is None:
            continue  # a child not counted yet
        _figures(reading, f"{path.name} table.{child}", code, values, ts, mapping)


def _figures(reading, where: str, region: str, chart: Any, ts: str, mapping) -> None:
    if not isinstance(chart, dict):
        reading.error(where, "must map candidate ids to votes")
        return
    for key, value in chart.items():
        if str(key) in NOT_FIGURES:
            if key == "psu" and value:
                reading.put(where, region, "_psu", 1, ts)
            continue
        if isinstance(value, dict):  # legislative: {jml_suara_total, jml_suara_partai}
            party = _candidate(key, mapping)
            if party is None or "." in party:
                reading.error(where, f"party id {key!r} is not a party number")
                continue
            for name, suffix in (("jml_suara_total", ""), ("jml_suara_partai", ".0")):
                if value.get(name) is not None:
                    votes = _votes(value[name])
                    if votes is None:
                        reading.error(f"{where}.{key}", f"{name} {value[name]!r} is not a count")
                        continue
                    reading.put(where, region, party + suffix, votes, ts)
            continue
        if value is None:
            continue
        code = _candidate(key, mapping)
        if code is None:
            reading.error(
                where,
                f"candidate id {key!r} is not a ballot number: give a "
                "--candidates file mapping KPU's ids",
            )
            continue
        votes = _votes(value)
        if votes is None:
            reading.error(where, f"{key}: {value!r} is not a count")
            continue
        reading.put(where, region, code, votes, ts)


def _csv(reading: _Reading, path: Path, data: bytes, mapping: dict[str, str]) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        reading.error(path.name, "is not UTF-8 text")
        return
    rows = csv.reader(io.StringIO(text))
    try:
        _csv_rows(reading, path, rows, mapping)
    except csv.Error as exc:  # a field over csv.field_size_limit(), most often
        reading.error(f"{path.name} line {rows.line_num}", f"is not CSV ({exc})")


def _csv_rows(
    reading: _Reading, path: Path, rows: Iterator[list[str]], mapping: dict[str, str]
) -> None:
    header = [h.strip().lower() for h in next(rows, [])]
    at = {
        name: next((header.index(a) for a in aliases if a in header), None)
        for name, aliases in (
            ("code", ("kode", "code", "kode_wilayah", "kode_tps")),
            ("candidate", ("calon", "candidate", "kandidat", "paslon")),
            ("votes", ("suara", "votes", "jumlah")),
            ("ts", ("ts", "waktu")),
        )
    }
    if at["code"] is None or at["candidate"] is None or at["votes"] is None:
        reading.error(f"{path.name} line 1", "needs kode, calon and suara columns")
        return
    for number, cells in enumerate(rows, 2):
        if not any(c.strip() for c in cells):
            continue
        where = f"{path.name} line {number}"

        def cell(name: str, cells: list[str] = cells) -> str:
            index = at[name]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        region = "" if cell("code") in ("0", "00") else regions.digits(cell("code"))
        if region is None:
            reading.error(where, f"kode {cell('code')!r} is not a region or TPS code")
            continue
        code = _candidate(cell("candidate"), mapping)
        if code is None:
            reading.error(where, f"calon {cell('candidate')!r} is not a candidate code")
            continue
        votes = _votes(cell("votes"))
        if votes is None:
            reading.error(where, f"suara {cell('votes')!r} is not a whole number")
            continue
        ts = _timestamp(cell("ts"), where, reading)
        if ts is not None:
            reading.put(where, region, code, votes, ts)
