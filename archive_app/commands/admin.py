"""`archive users ...`, `archive tokens ...`, `archive reindex`, `archive retry`."""

from __future__ import annotations

import sys

import click

from archive_app.commands.context import cli_actor, pass_ctx
from archive_app.domain.roles import Role


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _account_call(fn, *args, **kwargs):
    from archive_app.accounts import AccountError

    try:
        return fn(*args, **kwargs)
    except (AccountError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def users():
    """Manage user accounts and roles."""


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def create_user(ctx, name, role, password_stdin):
    """Create a user NAME with ROLE."""
    from archive_app import accounts

    password = _read_password(password_stdin)
    user = _account_call(accounts.create_user, ctx.services, name, password, role, cli_actor())
    click.echo(f"Created {user.username} ({user.role.value})")


@users.command("list")
@pass_ctx
def list_users(ctx):
    """List users, their roles and whether they are active."""
    for user in ctx.services.metadata.users.list():
        state = "active" if user.active else "disabled"
        click.echo(f"{user.username}\t{user.role.value}\t{state}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@pass_ctx
def set_role(ctx, name, role):
    """Give user NAME the role ROLE."""
    from archive_app import accounts

    _account_call(accounts.update_user, ctx.services, name, cli_actor(), role=role)
    click.echo(f"{name} is now {role}")


@users.command("disable")
@click.argument("name")
@pass_ctx
def disable(ctx, name):
    """Stop user NAME from logging in (their history stays)."""
    from archive_app import accounts

    _account_call(accounts.update_user, ctx.services, name, cli_actor(), active=False)
    click.echo(f"{name} disabled")


@users.command("enable")
@click.argument("name")
@pass_ctx
def enable(ctx, name):
    """Let a disabled user NAME log in again."""
    from archive_app import accounts

    _account_call(accounts.update_user, ctx.services, name, cli_actor(), active=True)
    click.echo(f"{name} enabled")


@users.command("unlock")
@click.argument("name", required=False)
@click.option("--address", default=None, help="Also forget the failures of this client address.")
@pass_ctx
def unlock(ctx, name, address):
    """Let user NAME (and/or a client --address) try to log in again at once."""
    from archive_app import accounts

    if not name and not address:
        raise click.UsageError("Name a user, an --address, or both.")
    _account_call(accounts.unlock, ctx.services, name or "", address or "", cli_actor())
    click.echo(f"unlocked {' and '.join(x for x in (name, address) if x)}")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def passwd(ctx, name, password_stdin):
    """Set a new password for user NAME."""
    from archive_app import accounts

    password = _read_password(password_stdin)
    _account_call(accounts.update_user, ctx.services, name, cli_actor(), password=password)
    click.echo(f"Password of {name} changed")


@click.group()
def tokens():
    """API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--label", default="cli", help="What the token is for.")
@click.option(
    "--days",
    type=click.IntRange(1, 36_500),
    default=None,
    help="Stop working after this many days.",
)
@pass_ctx
def create_token(ctx, name, label, days):
    """Create an API token for user NAME and print it (only its hash is kept)."""
    from archive_app import accounts

    token = _account_call(accounts.create_token, ctx.services, name, label, cli_actor(), days=days)
    click.echo(token)


@click.command()
@pass_ctx
def reindex(ctx):
    """Rebuild the search index from the metadata database (searches keep working)."""
    from tqdm import tqdm

    from archive_app import audit
    from archive_app.records import indexing

    services = ctx.services
    services.metadata.migrate()
    total = services.metadata.records.count(status="ready")
    with tqdm(total=total, unit="record", desc="reindex", file=sys.stderr) as bar:
        done = indexing.reindex(services, progress=bar.update)
    audit.record(services, cli_actor(), "index.rebuild", "", records=done)
    click.echo(f"Indexed {done} record(s)")


@click.command()
@pass_ctx
def recount(ctx):
    """Count the kept counts again from the records (the dashboard's and the lists'), and
    let the database count every change again: the repair `archive doctor` asks for."""
    from archive_app import audit

    ctx.services.metadata.migrate()
    repaired = ctx.services.metadata.records.recount()
    audit.record(ctx.services, cli_actor(), "counts.recount", "", retention_rows=repaired)
    click.echo("Counts recounted from the records")
    if repaired:
        click.echo(f"{repaired} retention row(s) given their record's filters again")


@click.command("tally-lines")
@pass_ctx
def tally_lines(ctx):
    """Write the tally CSV lines of records stored before they were kept (or kept in an
    older layout), so that exports join them instead of writing them (migration 0020)."""
    from tqdm import tqdm

    from archive_app import audit

    services = ctx.services
    services.metadata.migrate()
    read = kept = 0
    with tqdm(unit="record", desc="tally lines", file=sys.stderr) as bar:
        for batch, batch_kept in services.metadata.readings.keep_tally_lines():
            bar.update(batch)
            read, kept = read + batch, kept + batch_kept
    audit.record(services, cli_actor(), "tally.lines", "", records=kept)
    click.echo(f"Kept the tally lines of {kept} record(s)")
    if read > kept:
        click.echo(
            f"{read - kept} record(s) have counts whose lines cannot be kept (a cell holding "
            "a line break or a control character); exports write them from their counts"
        )


@click.command()
@click.argument("record_ids", nargs=-1, required=True)
@pass_ctx
def retry(ctx, record_ids):
    """Queue failed records RECORD_IDS for processing again."""
    from archive_app.intake import uploads

    failed = 0
    for record_id in record_ids:
        if uploads.retry(ctx.services, record_id, cli_actor()):
            click.echo(f"{record_id}\tqueued")
        else:
            click.echo(f"{record_id}\tnot failed (nothing to retry)", err=True)
            failed += 1
    sys.exit(1 if failed else 0)


def register(group) -> None:
    for command in (users, tokens, reindex, recount, retry, transfer, tally_lines):
        group.add_command(command)


@click.command()
@click.option(
    "--to",
    "target_env",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An env file with the target's ARCHIVE_* settings (see config/example.env).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 10**9),
    default=None,
    help="Copy at most this many records this run.",
)
@pass_ctx
def transfer(ctx, target_env, limit):
    """Move this archive onto other backends (e.g. the provincial cluster); resumable."""
    from dotenv import dotenv_values
    from tqdm import tqdm

    from archive_app import audit
    from archive_app.operations.transfer import TransferError
    from archive_app.operations.transfer import transfer as run_transfer
    from archive_app.services import build_services
    from config.settings import SettingsError, load_settings

    source = ctx.services
    source.metadata.migrate()
    try:
        wanted = load_settings(env=dotenv_values(target_env))
    except SettingsError as exc:
        raise click.ClickException(f"{target_env}: {exc}") from None
    if wanted.effective_database_url == source.settings.effective_database_url:
        # into itself it waited on its own database lock for good
        raise click.ClickException(
            f"{target_env}: these settings name this archive's own database; give the"
            " settings of the backends to move onto"
        )
    target = build_services(wanted)
    click.get_current_context().call_on_close(target.close)
    total = source.metadata.records.count()
    with tqdm(total=total, unit="record", desc="transfer", file=sys.stderr) as bar:
        try:
            report = run_transfer(source, target, limit=limit, progress=bar.update)
        except TransferError as exc:
            raise click.ClickException(str(exc)) from None
    audit.record(
        source,
        cli_actor(),
        "transfer",
        f"to:{target_env}",
        **{k: v for k, v in vars(report).items() if k != "queued"},
    )
    click.echo(
        f"records copied {report.records}, already there {report.already_there}, objects "
        f"{report.objects} ({report.bytes / 1e6:.1f} MB, each verified by SHA-256), users "
        f"{report.users}, audit entries {report.audit_entries}, legal holds {report.holds}, "
        f"disposition lists {report.dispositions}, "
        f"indexed {report.indexed}"
    )
    for waiting in report.waiting:
        click.echo(f"not followed yet: {waiting}", err=True)
    if report.waiting:
        click.echo("Settle these here, then run the same command again.")
        sys.exit(3)
    if not report.complete:
        click.echo("Stopped at the limit: run the same command again to continue.")
        sys.exit(3)
