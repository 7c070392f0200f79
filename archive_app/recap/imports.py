"""Importing the TPS master list and published results, and rebuilding the sums: the
service functions the CLI calls, each audited."""

from __future__ import annotations

from pathlib import Path

from archive_app import audit
from archive_app.domain.recap_types import (
    ListImport,
    PublishedChange,
    PublishedImport,
    poll_of,
)
from archive_app.recap import master_list, published_files
from vocabulary import regions
from vocabulary.places import FIRST_YEAR


class ImportRefused(ValueError):
    """The election, year or region given is not known; nothing was read."""


def election_year(services, election: str, year: int) -> tuple[str, int]:
    term = services.settings.vocabulary.election(election or "")
    if term is None:
        codes = ", ".join(t.code for t in services.settings.vocabulary.elections)
        raise ImportRefused(f"unknown election {election!r}; choose one of {codes}")
    if not FIRST_YEAR <= year <= 2100:
        raise ImportRefused(f"year {year} is not an election year")
    return term.code, year


def published_changes(
    services, election: str, year: int, region: str, limit: int = 10_000
) -> list[PublishedChange]:
    """Published figures that changed between two imports, under ``region`` (a region or TPS
    code; empty or 0: the nation). An unknown election or a region that is no code is
    refused: read as no filter, a typo listed every change in the country."""
    election, year = election_year(services, election, year)
    raw = region.strip()
    code = "" if raw in ("", "0") else regions.digits(raw)
    if code is None:
        raise ImportRefused(f"region {region!r} is not a region or TPS code, e.g. 33.13.05")
    return services.metadata.published.changes(election, year, code, limit=limit)


def import_master_list(
    services, paths: list[Path], election: str, year: int, actor: str
) -> tuple[str, ListImport]:
    """Read the files (ListError when any line is bad: then nothing is stored) and store
    the stations for the voting day of ``election`` in ``year``."""
    election, year = election_year(services, election, year)
    parsed = master_list.parse_files(paths)
    poll = poll_of(election, year, services.settings.vocabulary)
    result = services.metadata.tps.import_list(poll, parsed.stations_list(), parsed.names.items())
    audit.record(
        services,
        actor,
        "recap.tps_import",
        f"poll:{poll}",
        files=[Path(p).name for p in paths][:20],
        stations=result.stations,
        new=result.new,
        regions=result.regions,
    )
    return poll, result


def import_published(
    services,
    paths: list[Path],
    election: str,
    year: int,
    actor: str,
    *,
    series: str = "hitung",
    candidates: Path | None = None,
) -> PublishedImport:
    """Read the files (PublishedError when any figure is bad: then nothing is stored) and
    store them as a new dated version."""
    election, year = election_year(services, election, year)
    batch = published_files.read_files(
        paths, election=election, year=year, series=series, candidates=candidates
    )
    result = services.metadata.published.import_batch(batch, actor)
    audit.record(
        services,
        actor,
        "recap.results_import",
        f"published:{result.id}",
        election=election,
        year=year,
        series=series,
        source=batch.source,
        sha256=batch.sha256,
        figures=result.figures,
        changed=result.changed,
    )
    return result


def rebuild(services, actor: str, progress=None) -> dict:
    """Make the sums, the recap forms' figures and the differences again from the records."""
    counts = services.metadata.recap.rebuild(progress)
    audit.record(services, actor, "recap.rebuild", "", **counts)
    return counts
