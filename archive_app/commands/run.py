"""`archive init`, `archive serve`, `archive worker`."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys

import click

from archive_app.commands.context import cli_actor, pass_ctx


def ensure_ready(services) -> None:
    """Create the data folder, bring the database schema up to date, load the example
    retention schedule on first start."""
    from archive_app.recordkeeping import retention

    services.settings.data_dir.mkdir(parents=True, exist_ok=True)
    services.metadata.migrate()
    retention.ensure_schedule(services, cli_actor())


EXAMPLE_PASSWORDS = {"change-me-admin-password"}  # the placeholder of .env.example


def ensure_admin(services) -> None:
    from archive_app import accounts
    from archive_app.domain.roles import Role

    if services.metadata.users.count():
        return
    given = os.environ.get("ARCHIVE_ADMIN_PASSWORD", "")
    if given in EXAMPLE_PASSWORDS:
        raise click.ClickException(
            "ARCHIVE_ADMIN_PASSWORD is the example value from .env.example: choose your own"
        )
    password = given or secrets.token_urlsafe(12)
    accounts.create_user(services, "admin", password, Role.ADMIN, cli_actor())
    click.echo("Created the first administrator account.")
    click.echo("  user name: admin")
    if os.environ.get("ARCHIVE_ADMIN_PASSWORD"):
        click.echo("  password:  the value of ARCHIVE_ADMIN_PASSWORD")
    else:
        click.echo(
            f"  password:  {password}   (shown once; change it with `archive users passwd admin`)"
        )


@click.command()
@pass_ctx
def init(ctx):
    """Create the data folder, migrate the database and the first admin."""
    ensure_ready(ctx.services)
    ensure_admin(ctx.services)
    click.echo(f"Archive ready in {ctx.settings.data_dir}")


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default ARCHIVE_HOST).")
@click.option(
    "--port", default=None, type=click.IntRange(1, 65_535), help="Port (default ARCHIVE_PORT)."
)
@click.option(
    "--workers", default=None, type=click.IntRange(0, 64),
    help="Task worker processes beside the web server (0: none, e.g. when workers run elsewhere).",
)  # fmt: skip
@pass_ctx
def serve(ctx, host, port, workers):
    """Serve the web UI and API with gunicorn, plus task workers."""
    from archive_app.operations.worker_pool import start_child
    from archive_app.wsgi import run_gunicorn

    services = ctx.services
    ensure_ready(services)
    ensure_admin(services)
    settings = services.settings
    host, port = host or settings.host, port or settings.port
    worker = None
    if workers != 0:
        command = [sys.executable, "-m", "archive_app", "worker"]
        if workers:
            command += ["--workers", str(workers)]
        worker = start_child(command)  # Ctrl-C reaches it once, through us
    note = f"task worker pid {worker.pid}" if worker else "no task worker"
    click.echo(f"Serving on http://{host}:{port}  ({note}; Ctrl-C stops)")
    try:
        run_gunicorn(host, port, settings.web_workers)
    finally:
        if worker:
            worker.send_signal(signal.SIGINT)  # graceful: let the current page finish
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


@click.command()
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes (default: CPU cores).",
)
@click.option("--threads", is_flag=True, help="Run the workers as threads of this one process.")
@click.option("--no-periodic", is_flag=True, hidden=True, help="Periodic tasks run elsewhere.")
@pass_ctx
def worker(ctx, workers, threads, no_periodic):
    """Run task workers only (processing and index catch-up)."""
    settings = ctx.settings
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(processName)s %(levelname)s %(message)s"
    )
    count = workers or settings.worker_count
    if count < 1:
        raise click.BadParameter("must be at least 1", param_hint="--workers")
    if threads or count == 1:
        shape = "one process" if count == 1 else f"{count} threads"
        click.echo(f"Task worker: {shape} on the {settings.queue_backend} queue, pid {os.getpid()}")
        ctx.services.queue.run_worker(count, periodic=not no_periodic)
        return
    from archive_app.operations.worker_pool import WorkerPool

    click.echo(f"Task workers: {count} processes on the {settings.queue_backend} queue")
    sys.exit(WorkerPool(count).run())


def register(group) -> None:
    for command in (init, serve, worker, doctor):
        group.add_command(command)


@click.command()
@pass_ctx
def doctor(ctx):
    """Check the configuration and every backend; explain what is wrong."""
    from archive_app.operations.doctor import run_checks

    checks = run_checks(ctx.services)
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"[{mark}] {check.name}: {check.detail}")
    sys.exit(0 if all(c.ok for c in checks) else 1)
