"""`archive ingest FILE...`: archive scans from the command line and wait for them."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import click

from archive_app.commands.context import cli_actor, pass_ctx
from archive_app.commands.run import ensure_ready
from archive_app.domain.clock import utcnow

METADATA_OPTIONS = [
    ("--election", "election", True),
    ("--form-type", "form_type", True),
    ("--year", "year", True),
    ("--province", "province", True),
    ("--regency", "regency", True),
    ("--district", "district", True),
    ("--village", "village", True),
    ("--tps", "tps", True),
    ("--region-code", "region_code", False),
    ("--title", "title", False),
    ("--notes", "notes", False),
]
SETTLED = {"ready", "failed"}


def _metadata_options(fn):
    for flag, name, required in reversed(METADATA_OPTIONS):
        fn = click.option(flag, name, required=required, default="")(fn)
    return fn


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@_metadata_options
@click.option("--wait/--no-wait", default=True, help="Wait until every file is processed.")
@click.option("--workers", type=int, default=None, help="Local workers if none are running.")
@pass_ctx
def ingest(ctx, files, wait, workers, **metadata):
    """Archive FILES (PDF, TIFF, JPEG, PNG) with the given metadata; print their record ids."""
    services = ctx.services
    ensure_ready(services)
    accepted, problems = _receive_all(services, files, metadata)
    if wait and accepted:
        _wait(services, accepted, workers)
    failed = problems
    for path, doc_id in accepted:
        doc = services.metadata.documents.get(doc_id)
        status = doc.status.value if doc else "missing"
        line = f"{doc_id}\t{status}\t{path}"
        if doc and doc.error:
            line += f"\t{doc.error}"
        click.echo(line)
        failed += status == "failed"
    sys.exit(1 if failed else 0)


def _receive_all(services, files, metadata) -> tuple[list[tuple[str, str]], int]:
    from archive_app import uploads
    from archive_app.db.interfaces import DuplicateDocument
    from archive_app.domain.metadata import MetadataError
    from ingest.models import RejectedFile

    accepted, problems = [], 0
    for path in files:
        try:
            with open(path, "rb") as fh:
                result = uploads.receive(services, fh, Path(path).name, metadata, cli_actor())
            accepted.append((path, result.id))
        except MetadataError as exc:
            for field, message in exc.fields.items():
                click.echo(f"error: --{field.replace('_', '-')}: {message}", err=True)
            sys.exit(2)
        except RejectedFile as exc:
            click.echo(f"rejected: {path}: {exc.message}", err=True)
            problems += 1
        except DuplicateDocument as exc:
            click.echo(f"{path}: already archived as {exc.existing_id}", err=True)
            accepted.append((path, exc.existing_id))
    return accepted, problems


def _wait(services, accepted, workers) -> None:
    from tqdm import tqdm

    docs = services.metadata.documents
    ids = [doc_id for _, doc_id in accepted]
    alive = services.metadata.workers.alive(utcnow() - timedelta(seconds=45))
    local = None
    if not alive:
        count = workers or services.settings.worker_count
        click.echo(f"No task worker is running; processing here with {count} worker(s).", err=True)
        local = services.queue.start_local(count)
    try:
        with tqdm(total=None, unit="page", desc="processing", file=sys.stderr) as bar:
            while True:
                current = docs.by_ids(ids)
                bar.total = sum(d.page_count for d in current.values()) or None
                bar.n = sum(d.pages_done for d in current.values())
                bar.refresh()
                if all(d.status.value in SETTLED for d in current.values()):
                    break
                time.sleep(0.5)
    finally:
        if local:
            local.stop()


def register(group) -> None:
    group.add_command(ingest)
