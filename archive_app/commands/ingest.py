"""`archive ingest` and `archive watch`: archive scans from the command line.

    archive ingest FILE|DIR|ZIP... [--manifest manifest.csv] [--election E ...]

Every file (a folder's files, a ZIP's entries) becomes part of one batch. Metadata given as
options is shared by the batch; a manifest (CSV) gives it per file: a column ``file`` (the
file's path relative to the manifest or to the folder/ZIP given, or just its name) and any
of election, form_type, year, province, regency, district, village, tps, region_code,
title, notes, record_date. Fields neither given nor printed legibly on the form send the
record to review. Running it again is safe: files already archived are skipped, and ones
whose processing had failed are queued again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from archive_app.commands.context import Seconds, cli_actor, pass_ctx
from archive_app.commands.run import ensure_ready
from archive_app.domain.clock import utcnow
from archive_app.domain.records import Received
from archive_app.intake.manifest import Manifest, ManifestError

METADATA_OPTIONS = [
    ("--election", "election"), ("--form-type", "form_type"), ("--year", "year"),
    ("--province", "province"), ("--regency", "regency"), ("--district", "district"),
    ("--village", "village"), ("--tps", "tps"), ("--region-code", "region_code"),
    ("--title", "title"), ("--notes", "notes"), ("--record-date", "record_date"),
]  # fmt: skip
SETTLED = {"ready", "failed"}


def metadata_options(fn):
    for flag, name in reversed(METADATA_OPTIONS):
        fn = click.option(flag, name, default="", help=f"Shared {name.replace('_', ' ')}.")(fn)
    return fn


def _manifest(path: str | None) -> Manifest:
    try:
        return Manifest(path)
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from None


def _files(paths) -> list[tuple[Path, str]]:
    """(path, name as the manifest knows it) for each file given, folders walked in order."""
    found = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if not any(part.startswith(".") for part in child.relative_to(path).parts):
                    found.append((child, child.relative_to(path).as_posix()))
        elif path.is_file():
            found.append((path, path.name))
        else:  # a FIFO or a device would block the read or never end (/dev/zero)
            raise click.BadParameter(f"{given} is not a regular file", param_hint="PATHS")
    return found


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV with a 'file' column and metadata columns, one row per file.",
)
@metadata_options
@click.option("--label", default="", help="A name for the batch.")
@click.option("--wait/--no-wait", default=True, help="Wait until every file is processed.")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Local workers if none are running."
)
@pass_ctx
def ingest(ctx, paths, manifest, label, wait, workers, **shared):  # noqa: PLR0913
    """Archive files, folders or ZIPs (PDF, TIFF, JPEG, PNG) and print their record ids."""
    from archive_app.intake import batches

    services = ctx.services
    ensure_ready(services)
    lookup = _manifest(manifest)
    batch_id = _start(services, label or " ".join(paths)[:200], "cli", shared)
    from tqdm import tqdm

    outcomes = []
    files = list(_files(paths))
    for path, name in tqdm(files, unit="file", desc="receiving", file=sys.stderr):
        outcomes += batches.add_file(services, batch_id, path, name, cli_actor(),
                                     overrides=lookup)  # fmt: skip
    for o in outcomes:
        if o.outcome is not Received.ACCEPTED:
            click.echo(f"{o.outcome}: {o.name}: {o.message}", err=True)
    for name in lookup.unused():
        click.echo(f"warning: manifest row {name!r} matched no file", err=True)
    ids = [o.document_id for o in outcomes if o.document_id]
    if wait and ids:
        _wait(services, ids, workers)
    failed = sum(o.outcome is Received.REJECTED for o in outcomes)
    for o in outcomes:
        record = services.metadata.records.get(o.document_id) if o.document_id else None
        status = record.status.value if record else o.outcome
        line = f"{o.document_id or '-'}\t{status}\t{o.name}"
        if record and record.error:
            line += f"\t{record.error}"
        elif record and "review" in record.flags:
            line += "\tneeds review"
        click.echo(line)
        failed += status == "failed"
    click.echo(f"batch {batch_id}: {len(outcomes)} file(s)", err=True)
    sys.exit(1 if failed else 0)


def _wait(services, ids, workers) -> None:
    from archive_app.operations.liveness import live_workers

    local = None
    if not live_workers(services):
        count = workers or services.settings.worker_count
        click.echo(f"No task worker is running; processing here with {count} worker(s).", err=True)
        local = services.queue.start_local(count)
    try:
        _follow(services, ids, watched=local is None)
    finally:
        if local:
            local.stop()


def _follow(services, ids, *, watched: bool) -> None:
    """Until every record is settled. With ``watched``, the workers are others': liveness
    is asked again each turn, for a worker whose heartbeat was fresh enough when we began
    may already be dead, and then nothing would ever settle the records."""
    from tqdm import tqdm

    from archive_app.operations.liveness import live_workers

    records = services.metadata.records
    with tqdm(total=None, unit="page", desc="processing", file=sys.stderr) as bar:
        while True:
            current = records.by_ids(ids)
            bar.total = sum(d.page_count for d in current.values()) or None
            bar.n = sum(d.pages_done for d in current.values())
            bar.refresh()
            waiting = [d for d in current.values() if d.status.value not in SETTLED]
            if not waiting:
                return
            if watched and not live_workers(services):
                raise click.ClickException(
                    f"no task worker is running any more and {len(waiting)} record(s) are not"
                    " processed yet: start `archive worker` (they are processed then), or run"
                    " this command again to process them here"
                )
            time.sleep(0.5)


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False))
@metadata_options
@click.option(
    "--interval", type=Seconds(0.1, 3600), default=2.0, help="Seconds between looks (0.1-3600)."
)
@click.option(
    "--settle",
    type=Seconds(0, 86_400),
    default=5.0,
    help="A file is complete once its size and time stay unchanged this long.",
)
@click.option("--once", is_flag=True, help="Take what is complete now, then stop.")
@pass_ctx
def watch(ctx, folder, manifest, interval, settle, once, **shared):
    """Hot folder: archive what a scanner drops into FOLDER, then move it to done/ or failed/."""
    from archive_app.intake.hotfolder import HotFolder

    services = ctx.services
    ensure_ready(services)
    lookup = _manifest(manifest)
    label = f"hot folder {folder} {utcnow():%Y-%m-%d %H:%M}"
    batch_id = _start(services, label, "watch", shared)
    hot = HotFolder(Path(folder), settle)
    click.echo(f"watching {folder} (batch {batch_id}); Ctrl-C stops", err=True)
    try:
        while True:
            for path in hot.complete_files():
                _take(services, hot, batch_id, path, lookup)
            if once and not hot.pending():
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _take(services, hot, batch_id: int, path: Path, lookup) -> None:
    """One file of the hot folder. An unexpected error (a backend away, most likely) leaves
    the file where it is for the next look; after ``hot.MAX_TRIES`` it goes to failed/."""
    from archive_app.intake import batches

    try:
        outcomes = batches.add_file(services, batch_id, path, path.name, cli_actor(),
                                    overrides=lookup)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - one file must never stop the folder
        error = f"{type(exc).__name__}: {exc}"
        click.echo(f"error: {path.name}: {error}", err=True)
        moved = hot.give_up(path, error)
        if moved:
            click.echo(f"-\trejected\t{path.name}\t{moved}")
        return
    moved = hot.file_away(path, outcomes)
    for o in outcomes:
        click.echo(f"{o.document_id or '-'}\t{o.outcome}\t{o.name}\t{moved}")


def _start(services, label: str, source: str, shared: dict) -> int:
    """A new batch, or exit 2 naming each wrong option (checked before any file is read)."""
    from archive_app.domain.metadata import MetadataError
    from archive_app.intake import batches

    try:
        return batches.start(services, label, source, shared, cli_actor())
    except MetadataError as exc:
        for field, message in exc.fields.items():
            click.echo(f"error: --{field.replace('_', '-')}: {message}", err=True)
        sys.exit(2)


def register(group) -> None:
    group.add_command(ingest)
    group.add_command(watch)
