"""`archive backup [DEST]` and `archive restore SRC` (docs/operations.md)."""

from __future__ import annotations

import sys

import click

from archive_app.commands.context import cli_actor, pass_ctx


def _mb(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


@click.command()
@click.argument("destination", required=False)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help="Complete sets to keep (default ARCHIVE_BACKUP_KEEP).",
)
@pass_ctx
def backup(ctx, destination, keep):
    """Back up the archive to DESTINATION, a folder or s3://bucket/prefix (default
    ARCHIVE_BACKUP_DEST): a database snapshot, the objects it lacks, the audit anchor and a
    manifest with every hash."""
    from tqdm import tqdm

    from archive_app.operations import backup as service
    from archive_app.operations.backup_sets import BackupError
    from archive_app.storage.destinations import DestinationError

    destination = destination or ctx.settings.backup_dest
    if not destination:
        raise click.UsageError("name a DESTINATION or set ARCHIVE_BACKUP_DEST")
    with tqdm(unit="object", desc="backup", file=sys.stderr, mininterval=1) as bar:
        try:
            report = service.backup(
                ctx.services, destination, keep=keep, actor=cli_actor(), progress=bar.update
            )
        except (BackupError, DestinationError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    for record_id, key, what in report.damaged:
        click.echo(f"DAMAGED\t{record_id}\t{key}\t{what}")
    click.echo(
        f"backup set {report.set_id} in {destination}: {report.records} record(s), "
        f"{report.files} object(s) ({_mb(report.bytes)}), {report.copied} copied "
        f"({_mb(report.copied_bytes)}), database {_mb(report.metadata_bytes)}, "
        f"{report.audit_entries} audit entries, in {report.seconds:.1f} s"
    )
    if report.rederive or report.remake or report.changed:
        click.echo(
            f"changed while the backup ran: {len(report.rederive)} metadata.json "
            f"(written again on restore), {len(report.remake)} PDF/A copies (made again on "
            f"restore), {len(report.changed)} other(s)"
        )
    if report.pruned:
        click.echo(f"removed older set(s): {', '.join(report.pruned)}")
    click.echo(f"manifest SHA-256 {report.manifest_sha256}")
    sys.exit(0 if report.ok else 1)


@click.command()
@click.argument("source")
@click.option("--set", "set_id", default=None, help="The set to restore (default: the newest).")
@pass_ctx
def restore(ctx, source, set_id):
    """Restore the newest backup set in SOURCE into this archive's empty backends, then check
    every object, the audit chain, and rebuild the search index (and any tally CSV lines
    the set did not hold)."""
    from tqdm import tqdm

    from archive_app.operations import restore as service
    from archive_app.operations.backup_sets import BackupError
    from archive_app.storage.destinations import DestinationError

    with tqdm(unit="object", desc="restore", file=sys.stderr, mininterval=1) as bar:
        try:
            report = service.restore(
                ctx.services, source, set_id=set_id, actor=cli_actor(), progress=bar.update
            )
        except (BackupError, DestinationError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"restored set {report.set_id}: {report.records} record(s), {report.objects} object(s) "
        f"({_mb(report.bytes)}), {report.checkpoints} audit checkpoint(s)"
        f"{', the secret key' if report.secret_restored else ''} in {report.seconds:.1f} s"
        f"{' (resumed)' if report.resumed else ''}"
    )
    if report.remade or report.remake_failed:
        click.echo(f"PDF/A copies made again: {report.remade}")
    for record_id, why in report.remake_failed.items():
        click.echo(f"NO PDF/A COPY\t{record_id}\t{why}")
    ctx.reload()  # the restored secret key derives the audit key
    ok = _checks(ctx.services)
    sys.exit(0 if ok else 1)


def _checks(services) -> bool:
    """What `archive verify`, `archive audit verify`, `archive reindex` and `archive
    tally-lines` do, in a row."""
    from tqdm import tqdm

    from archive_app import audit
    from archive_app.audit import checkpoints
    from archive_app.recordkeeping import fixity
    from archive_app.records import indexing

    with tqdm(unit="file", desc="verify", file=sys.stderr, mininterval=1) as bar:
        fixed = fixity.verify(services, actor=cli_actor(), progress=bar.update)
    for record_id, key in fixed.missing:
        click.echo(f"MISSING\t{record_id}\t{key}")
    for record_id, key in fixed.changed:
        click.echo(f"CHANGED\t{record_id}\t{key}")
    click.echo(
        f"verify: {fixed.checked} file(s), {len(fixed.missing)} missing, "
        f"{len(fixed.changed)} changed"
    )
    trail = checkpoints.verify(services)
    if trail.ok:
        cp = trail.checkpoint
        held = f"; checkpoint {cp.seq} holds" if cp else "; no checkpoint in the backup"
        click.echo(f"audit verify: chain intact, {trail.entries} entries{held}")
    else:
        broken = trail.broken
        problem = trail.problem or (f"entry {broken[0]}: {broken[1]}" if broken else "")
        click.echo(f"audit verify: FAILED: {problem}")
    with tqdm(unit="record", desc="reindex", file=sys.stderr, mininterval=1) as bar:
        indexed = indexing.reindex(services, progress=bar.update)
    audit.record(services, cli_actor(), "index.rebuild", "", records=indexed)
    click.echo(f"reindex: {indexed} record(s) searchable")
    # a set taken before the tally lines were kept (migration 0020) restores without them
    kept = sum(n for _, n in services.metadata.readings.keep_tally_lines())
    if kept:
        audit.record(services, cli_actor(), "tally.lines", "", records=kept)
        click.echo(f"tally lines: kept for {kept} record(s)")
    return fixed.ok and trail.ok


def register(group) -> None:
    for command in (backup, restore):
        group.add_command(command)
