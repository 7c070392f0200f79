"""The recapitulation check at the command line: the TPS master list, published results,
the sums (rebuilt from the records), a region's comparison and its exports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from archive_app.commands.context import cli_actor, pass_ctx

PATHS = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
ELECTION = click.option(
    "--election", default="PPWP", show_default=True, help="Election code (PPWP, DPR, DPD, ...)."
)
YEAR = click.option(
    "--year", type=click.IntRange(1955, 9999), required=True, help="Election year, e.g. 2024."
)


@click.group("tps")
def tps():
    """The TPS master list (the polling stations expected on a voting day)."""


@tps.command("import")
@PATHS
@ELECTION
@YEAR
@pass_ctx
def tps_import(ctx, paths, election, year):
    """Load stations from CSV files or KPU's JSON region lists (a folder: all of them).
    Every line is checked first; one bad line names itself and nothing is imported."""
    from archive_app.recap import imports
    from archive_app.recap.master_list import ListError

    try:
        poll, result = imports.import_master_list(
            ctx.services, list(paths), election, year, cli_actor()
        )
    except (ListError, imports.ImportRefused) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"voting day {poll}: {result.stations} station(s) read, {result.new} new, "
        f"{result.regions} region name(s)"
    )


@tps.command("list")
@pass_ctx
def tps_list(ctx):
    """The master lists imported: voting day and stations."""
    for poll, count in ctx.services.metadata.tps.polls():
        click.echo(f"{poll}\t{count}")


@click.group("results")
def results():
    """Figures an election body published (each import a dated version)."""


@results.command("import")
@PATHS
@ELECTION
@YEAR
@click.option(
    "--series",
    type=click.Choice(["hitung", "rekap"]),
    default="hitung",
    show_default=True,
    help="hitung: the count per TPS (KPU's hhcw); rekap: the recapitulation (hr).",
)
@click.option(
    "--candidates",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Map KPU's candidate ids to ballot numbers (KPU's list, JSON or CSV).",
)
@pass_ctx
def results_import(ctx, paths, election, year, series, candidates):
    """Load published figures from KPU's JSON files or a CSV (a folder: all of them)."""
    from archive_app.recap import imports
    from archive_app.recap.published_files import PublishedError

    try:
        done = imports.import_published(
            ctx.services,
            list(paths),
            election,
            year,
            cli_actor(),
            series=series,
            candidates=candidates,
        )
    except (PublishedError, imports.ImportRefused) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"import {done.id}: {done.figures} figure(s), {done.changed} changed since the "
        "previous import"
    )


@results.command("changes")
@ELECTION
@YEAR
@click.option("--region", default="", help="Only under this region code.")
@pass_ctx
def results_changes(ctx, election, year, region):
    """Published figures that changed between two imports, with both values and times."""
    from archive_app.recap import imports
    from vocabulary import regions

    try:
        changes = imports.published_changes(ctx.services, election, year, region)
    except imports.ImportRefused as exc:
        raise click.ClickException(str(exc)) from None
    for ch in changes:
        click.echo(
            "\t".join(
                str(v)
                for v in (
                    regions.dotted(ch.region),
                    ch.series,
                    ch.candidate,
                    ch.old_votes,
                    ch.new_votes,
                    ch.old_at,
                    ch.new_at,
                    ch.old_ts,
                    ch.new_ts,
                )
            )
        )


@click.group("recap")
def recap():
    """The forms' sums region by region, and their comparison."""


@recap.command("rebuild")
@pass_ctx
def recap_rebuild(ctx):
    """Make the sums and differences again from the records (they are derived data)."""
    from tqdm import tqdm

    from archive_app.recap import imports

    with tqdm(unit="record", desc="recap", file=sys.stderr, mininterval=1) as bar:
        counts = imports.rebuild(ctx.services, cli_actor(), progress=bar.update)
    click.echo(f"{counts['forms']} form(s), {counts['counted']} counted")


@recap.command("show")
@ELECTION
@YEAR
@click.option("--region", default="", help="Region or TPS code (default: the nation).")
@pass_ctx
def recap_show(ctx, election, year, region):
    """Print a region's comparison and its largest differences."""
    from archive_app.recap import comparison

    c = _comparison(ctx, comparison, election, year, region)
    cov = c.coverage
    click.echo(
        f"{c.name} ({c.level}): {cov.forms} form(s); TPS {cov.archived}/{cov.expected}, "
        f"{cov.missing} missing, {cov.unlisted} not on the list"
    )
    click.echo("candidate\tfrom_forms\tunsure\trecap_form\tpublished")
    for r in c.rows:
        click.echo(
            "\t".join(
                "" if v is None else str(v)
                for v in (r.candidate, r.from_forms, r.unsure, r.recap_form, r.published)
            )
        )
    for d in c.differences[:20]:
        deltas = ", ".join(f"{code} {delta:+d}" for code, _, _, _, delta in d.values)
        click.echo(f"{d.kind}\t{d.region}\timpact {d.impact}\t{deltas}")


@recap.command("export")
@ELECTION
@YEAR
@click.option("--region", default="", help="Region or TPS code (default: the nation).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "differences.csv", "xlsx", "pdf"]),
    default="csv",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_ctx
def recap_export(ctx, election, year, region, fmt, out):
    """Write a region's comparison (CSV, XLSX) or its laporan selisih (PDF)."""
    from archive_app import audit
    from archive_app.recap import comparison, exports

    c = _comparison(ctx, comparison, election, year, region)
    if fmt == "xlsx":
        _write_whole(out, exports.xlsx_bytes(c))
    elif fmt == "pdf":
        _write_whole(out, exports.pdf_bytes(ctx.services, c))
    else:
        what = "differences" if fmt == "differences.csv" else "comparison"
        _write_whole(out, exports.csv_text(c, what).encode("utf-8"))
    audit.record(
        ctx.services,
        cli_actor(),
        "recap.export",
        f"region:{c.region}",
        election=c.election,
        year=c.year,
        format=fmt,
    )
    click.echo(str(out))


def _comparison(ctx, comparison, election, year, region):
    try:
        asked = comparison.asked(
            ctx.services,
            {"election": election, "year": str(year), "region": region},
            region_param=True,
        )
    except comparison.RegionError as exc:
        raise click.ClickException(str(exc)) from None
    return comparison.build(ctx.services, asked.election, asked.year, asked.region)


def register(group) -> None:
    for command in (tps, results, recap):
        group.add_command(command)


def _write_whole(out: Path, data: bytes) -> None:
    """All of the export or nothing at ``out``: written beside it and renamed into place, so
    a full disk or a missing folder leaves no half file that looks like an export."""
    if not out.parent.is_dir():
        raise click.ClickException(f"{out.parent}: no such folder")
    part = out.with_name(f".{out.name}.part")
    try:
        part.write_bytes(data)
        os.replace(part, out)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise click.ClickException(f"{out}: {exc.strerror or exc}") from None
