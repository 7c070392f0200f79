"""Records management at the command line: fixity, the audit chain, retention, holds and
executing approved disposition lists (proposing and approving happen in the UI or API,
where every user is known, so the four-eyes rule can hold)."""

from __future__ import annotations

import sys

import click

from archive_app.commands.context import cli_actor, pass_ctx


@click.command()
@click.option(
    "--sample",
    type=click.IntRange(1, 10**9),
    default=None,
    help="Check this many files chosen at random.",
)
@click.option("--older-than", "older_than", type=click.IntRange(0, 36_500), default=None,
              help="Only files not checked for this many days.")  # fmt: skip
@pass_ctx
def verify(ctx, sample, older_than):
    """Re-read stored objects and compare their SHA-256 with the recorded one."""
    from tqdm import tqdm

    from archive_app.recordkeeping import fixity

    with tqdm(unit="file", desc="verify", file=sys.stderr) as bar:
        report = fixity.verify(ctx.services, sample=sample, older_than_days=older_than,
                               actor=cli_actor(), progress=bar.update)  # fmt: skip
    for record_id, key in report.missing:
        click.echo(f"MISSING\t{record_id}\t{key}")
    for record_id, key in report.changed:
        click.echo(f"CHANGED\t{record_id}\t{key}")
    click.echo(
        f"checked {report.checked} file(s), {report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s "
        f"({report.mb_per_second:.1f} MB/s): {len(report.missing)} missing, "
        f"{len(report.changed)} changed"
    )
    sys.exit(0 if report.ok else 1)


@click.command()
@click.argument("record_ids", nargs=-1)
@click.option("--missing", is_flag=True, help="Every ready record that has no copy yet.")
@click.option("--again", is_flag=True, help="Make the copies of RECORD_IDS again.")
@click.option(
    "--limit",
    type=click.IntRange(1, 10**9),
    default=None,
    help="With --missing: at most this many.",
)
@pass_ctx
def preserve(ctx, record_ids, missing, again, limit):
    """Make PDF/A-2b preservation copies here and now (workers make them after processing)."""
    from tqdm import tqdm

    from archive_app.recordkeeping import preservation

    if bool(record_ids) == missing:
        raise click.UsageError("name records (RECORD_IDS) or pass --missing, not both")
    ids = list(record_ids) if record_ids else preservation.missing(ctx.services, limit=limit)
    with tqdm(unit="record", desc="preserve", file=sys.stderr) as bar:
        report = preservation.preserve_many(ctx.services, ids, again=again, progress=bar.update)
    for record_id, why in report.failed.items():
        click.echo(f"FAILED\t{record_id}\t{why}")
    for record_id in report.unknown:
        click.echo(f"NOT FOUND\t{record_id}\tno record has this id", err=True)
    summary = (
        f"made {len(report.made)} PDF/A copies; {len(report.skipped)} had one or are not ready;"
        f" {len(report.failed)} failed"
    )
    click.echo(summary + (f"; {len(report.unknown)} not found" if report.unknown else ""))
    sys.exit(1 if report.failed or report.unknown else 0)


@click.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
@pass_ctx
def audit_verify(ctx):
    """Recompute the hash chain and hold it against the newest signed checkpoint."""
    from tqdm import tqdm

    from archive_app.audit import checkpoints

    with tqdm(unit="entry", desc="audit", file=sys.stderr, mininterval=1) as bar:
        report = checkpoints.verify(ctx.services, progress=bar.update)
    if report.broken:
        click.echo(f"BROKEN at entry {report.broken[0]}: {report.broken[1]}")
    if report.problem:
        click.echo(f"CHECKPOINT: {report.problem}")
    if not report.ok:
        sys.exit(1)
    cp = report.checkpoint
    anchored = (
        f"checkpoint {cp.seq} of {cp.at} (entries up to {cp.last_id}) holds"
        if cp
        else "no checkpoint yet: entries cut off the end could not be detected"
    )
    click.echo(f"audit chain intact: {report.entries} entries; {anchored}")


@audit_group.command("checkpoint")
@click.option("--new-series", is_flag=True,
              help="After a change of ARCHIVE_AUDIT_KEY: sign on after the old ones.")  # fmt: skip
@pass_ctx
def audit_checkpoint(ctx, new_series):
    """Write a signed checkpoint of the trail now (workers do so every 10 minutes)."""
    from archive_app.audit import checkpoints

    try:
        checkpoint = checkpoints.write_checkpoint(ctx.services, new_series=new_series)
    except checkpoints.TrailTampered as exc:
        raise click.ClickException(f"{exc}; run 'archive audit verify'") from None
    if checkpoint is None:
        click.echo("nothing new since the last checkpoint")
        return
    where = "object-locked" if ctx.services.anchor.protected else "appended"
    click.echo(
        f"checkpoint {checkpoint.seq} {where}: {checkpoint.entries} entries up to "
        f"{checkpoint.last_id}"
    )


@audit_group.command("export")
@click.option("--actor", default=None)
@click.option("--action", default=None)
@click.option("--target", default=None)
@click.option("--from", "start", default=None, help="First day, YYYY-MM-DD (UTC).")
@click.option("--to", "end", default=None, help="Last day, YYYY-MM-DD (UTC), included.")
@pass_ctx
def audit_export(ctx, actor, action, target, start, end):
    """Write the trail (optionally filtered) as CSV to standard output."""
    from archive_app.audit.export import write_csv
    from archive_app.audit.readable import DateRangeError, date_range

    try:
        since, until = date_range(start, end)
    except DateRangeError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
    write_csv(ctx.services, sys.stdout, actor=actor, action=action, target=target,
              since=since, until=until)  # fmt: skip


@click.group()
def retention():
    """Retention schedule and states."""


@retention.command("refresh")
@click.option("--all", "everything", is_flag=True,
              help="Recompute every record, not only those whose date has come.")  # fmt: skip
@pass_ctx
def retention_refresh(ctx, everything):
    """Move the records whose dates have come to their next state now (what the nightly
    task does); with --all, recompute every record's state."""
    from archive_app.recordkeeping import retention as service

    changed = service.refresh(ctx.services) if everything else service.daily(ctx.services)
    click.echo(f"{changed} record(s) changed state")


@retention.command("show")
@pass_ctx
def retention_show(ctx):
    """Print the schedule in force and the counts by state."""
    from archive_app.recordkeeping import retention as service

    current = service.schedule(ctx.services)
    click.echo(f"schedule version {current.version}")
    for s in current.series:
        elections = ",".join(s.elections) or "any"
        years = f"{s.active_years}+{s.inactive_years} years"
        forms = ",".join(s.form_types)
        click.echo(f"  {s.code}\t{forms}\t{elections}\t{years}\t{s.disposition}\t{s.trigger}")
    for state, count in sorted(ctx.services.metadata.lifecycle.retention_counts().items()):
        click.echo(f"  {state}: {count}")


@click.group()
def disposition():
    """Disposition lists (penyusutan)."""


@disposition.command("list")
@pass_ctx
def disposition_list(ctx):
    """List disposition lists and their status."""
    for d in ctx.services.metadata.dispositions.lists():
        click.echo(f"{d.id}\t{d.action}\t{d.status}\t{d.items} record(s)\t"
                   f"proposed by {d.proposed_by}\tdecided by {d.decided_by or '-'}")  # fmt: skip


@disposition.command("execute")
@click.argument("list_id", type=click.IntRange(1, 2**63 - 1))
@pass_ctx
def disposition_execute(ctx, list_id):
    """Carry out an APPROVED list (or finish an interrupted run)."""
    from tqdm import tqdm

    from archive_app.recordkeeping import disposition as service

    current = ctx.services.metadata.dispositions.get(list_id)
    total = current.items if current else 0
    with tqdm(total=total, unit="record", desc="execute", file=sys.stderr) as bar:
        try:
            summary = service.execute(ctx.services, list_id, cli_actor(), progress=bar.update)
        except service.DispositionError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"done {summary['done']}, skipped (on hold) {summary['skipped']}, "
               f"report {summary['report']}")  # fmt: skip


@click.group()
def holds():
    """Legal holds."""


@holds.command("list")
@pass_ctx
def holds_list(ctx):
    """List active and released holds."""
    from archive_app.domain import spreadsheet

    writer = spreadsheet.writer(sys.stdout, delimiter="\t")
    for h in ctx.services.metadata.holds.list():
        state = "active" if h.active else f"released {h.released_at:%Y-%m-%d} by {h.released_by}"
        writer.writerow([h.id, h.case_ref, h.reason, h.records, state])


def register(group) -> None:
    for command in (verify, preserve, audit_group, retention, disposition, holds):
        group.add_command(command)
