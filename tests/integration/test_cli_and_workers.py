"""The archive as an operator runs it: the `archive` command in real processes, and a worker
killed in the middle of a job."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner

from archive_app.domain.clock import utcnow
from archive_app.domain.records import Status
from archive_app.intake import uploads
from tests.descriptors import open_files
from tests.formgen import make_form

META = [
    "--election",
    "PPWP",
    "--form-type",
    "C.HASIL",
    "--year",
    "2024",
    "--province",
    "Jawa Tengah",
    "--regency",
    "Karanganyar",
    "--district",
    "Jaten",
    "--village",
    "Papahan",
    "--tps",
    "5",
]


def archive(env, *args, stdin=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "archive_app", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def env(settings):
    return {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_JOB_LEASE_SECONDS": "6",
        "ARCHIVE_WORKERS": "1",
        "ARCHIVE_ADMIN_PASSWORD": "an admin password",
    }


def test_init_users_tokens_and_ingest_from_the_command_line(env, tmp_path):
    init = archive(env, "init")
    assert init.returncode == 0 and "admin" in init.stdout
    created = archive(
        env,
        "users",
        "create",
        "ani",
        "--role",
        "archivist",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "ani\tarchivist\tactive" in archive(env, "users", "list").stdout
    token = archive(env, "tokens", "create", "ani").stdout.strip()
    assert token.startswith("arc_")

    form = make_form(tmp_path / "tps5.png", unique_word="Sawomatang")
    first = archive(env, "ingest", str(form), *META)
    assert first.returncode == 0, first.stderr
    record_id, status, name = first.stdout.strip().split("\t")[:3]
    assert status == "ready" and name == form.name and len(record_id) == 32

    again = archive(env, "ingest", str(form), *META)
    assert again.returncode == 0 and again.stdout.startswith(record_id)
    assert "already archived" in again.stderr

    reindex = archive(env, "reindex")
    assert reindex.returncode == 0 and "Indexed 1 record" in reindex.stdout


def test_a_command_run_in_process_leaves_no_database_connection_open(env, settings, tmp_path):
    """A command closes the services it built (and the ones its workers built) when it ends:
    run inside another process, it must not leave connections to the collector."""
    from archive_app.cli import main

    form = make_form(tmp_path / "cli.png")
    done = CliRunner().invoke(main, ["init"], env=env)
    assert done.exit_code == 0, done.output
    done = CliRunner().invoke(main, ["ingest", str(form), *META], env=env)
    assert done.exit_code == 0, done.output
    assert open_files(settings.sqlite_path.resolve()) == 0


def test_cli_refusals_exit_non_zero_with_a_message(env, tmp_path):
    archive(env, "init")
    form = make_form(tmp_path / "f.png")
    bad_meta = archive(env, "ingest", str(form), *META[:-1], "1000")
    assert bad_meta.returncode == 2 and "--tps" in bad_meta.stderr
    notes = tmp_path / "notes.pdf"
    notes.write_text("not a pdf at all")
    rejected = archive(env, "ingest", str(notes), *META)
    assert rejected.returncode == 1 and "rejected" in rejected.stderr
    weak = archive(
        env, "users", "create", "bob", "--role", "auditor", "--password-stdin", stdin="short\n"
    )
    assert (
        weak.returncode == 1 and "paling sedikit 10 karakter" in weak.stderr
    )  # Indonesian, the default
    assert (
        archive(
            env,
            "users",
            "create",
            "x",
            "--role",
            "king",
            "--password-stdin",
            stdin="a long password\n",
        ).returncode
        == 2
    )


def _worker(env, workers=1):
    return subprocess.Popen(
        [sys.executable, "-m", "archive_app", "worker", "--workers", str(workers)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_job_is_restarted_and_finishes_the_record(services, env, tmp_path):
    """GIVEN a worker processing a 4-page scan WHEN it is killed (SIGKILL) mid-job and a worker
    starts again THEN the record is completed, with every page and every checksum right."""
    scan = make_form(tmp_path / "four.tiff", fmt="tiff", pages=4)
    meta = dict(zip([m[2:].replace("-", "_") for m in META[::2]], META[1::2], strict=True))
    with open(scan, "rb") as fh:
        record_id = uploads.receive(services, fh, scan.name, meta, "test").id
    records = services.metadata.records

    first = _worker(env)
    try:
        _wait(
            lambda: (
                (d := records.get(record_id)) and d.status is Status.PROCESSING and d.pages_done
            ),
            120,
            "processing to start",
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert records.get(record_id).status is Status.PROCESSING  # the dead worker still "holds" it

    second = _worker(env)
    try:
        _wait(lambda: records.get(record_id).status is Status.READY, 180, "the record to be ready")
    finally:
        os.killpg(second.pid, signal.SIGINT)
        second.wait(timeout=60)
    record = records.get(record_id)
    assert record.page_count == 4 and record.attempts == 2
    assert [p.number for p in records.pages(record_id)] == [1, 2, 3, 4]
    for f in records.files(record_id):
        with services.objects.open(f.key) as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == f.sha256


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return {int(p) for p in fh.read().split()}


def test_worker_processes_share_the_queue_and_a_dead_one_is_replaced(services, env, tmp_path):
    """GIVEN `archive worker --workers 2` WHEN records are queued THEN two worker processes
    (each its own consumer) process them; a worker killed outright is started again; SIGINT
    to the pool stops every worker gracefully."""
    meta = dict(zip([m[2:].replace("-", "_") for m in META[::2]], META[1::2], strict=True))
    ids = []
    for n in range(3):
        form = make_form(tmp_path / f"form-{n}.png", tps=n + 1)
        with open(form, "rb") as fh:
            record = uploads.receive(services, fh, form.name, {**meta, "tps": str(n + 1)}, "test")
        ids.append(record.id)
    records = services.metadata.records
    pool = _worker(env, 2)
    try:
        workers = _wait(lambda: len(kids := _children(pool.pid)) == 2 and kids, 60, "2 workers")
        _wait(lambda: {r["pid"] for r in services.metadata.workers.alive(_since())} == workers,
              60, "both workers to register")  # fmt: skip
        _wait(lambda: all(records.get(i).status is Status.READY for i in ids), 180, "records ready")
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        _wait(lambda: len(_children(pool.pid) - workers) == 1, 60, "a new worker")
        assert _children(pool.pid) - {victim} >= workers - {victim}
    finally:
        os.killpg(pool.pid, signal.SIGINT)
        assert pool.wait(timeout=90) == 0
    left = {r["pid"] for r in services.metadata.workers.alive(_since())}
    assert left <= {victim}  # the others deregistered on their way out


def _since():
    return utcnow() - timedelta(seconds=45)


def test_bad_command_line_input_is_refused_with_a_message_not_a_traceback(services, env, tmp_path):
    """What a probe of every command found: `retry` crashed on any id (a misnamed
    parameter), a FIFO given to `ingest` blocked it for good, `--workers -1` waited forever
    with no worker, numbers past 2^63 crashed the commands that store or bind them, an
    export into a missing folder crashed, a transfer into the archive itself waited on its
    own lock for good, and a data folder that is a file crashed every command."""
    from archive_app.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    form = make_form(tmp_path / "f.png")
    fifo = tmp_path / "scan.pdf"
    os.mkfifo(fifo)
    huge = str(2**64)
    asked = {
        "retry": (["retry", "0" * 32], 1, "0" * 32),
        "fifo": (["ingest", str(fifo), *META], 2, "not a regular file"),
        "workers": (["ingest", "--wait", "--workers", "-1", str(form), *META], 2, "--workers"),
        "verify": (["verify", "--older-than", huge], 2, "--older-than"),
        "disposition": (["disposition", "execute", huge], 2, "LIST_ID"),
        "results": (["results", "changes", "--election", "PPWP", "--year", huge], 2, "--year"),
    }
    for name, (args, code, said) in asked.items():
        done = runner.invoke(main, args, env=env)
        assert isinstance(done.exception, SystemExit), (name, done.exception)
        assert done.exit_code == code and said in done.output, (name, done.output)
    meta = dict(zip([m[2:].replace("-", "_") for m in META[::2]], META[1::2], strict=True))
    with open(form, "rb") as fh:
        record_id = uploads.receive(services, fh, form.name, meta, "test").id
    services.metadata.jobs.claim(record_id, "test", 60)
    services.metadata.jobs.fail(record_id, "test", "a scan no step could read", final=True)
    done = runner.invoke(main, ["retry", record_id], env=env)
    assert done.exit_code == 0 and f"{record_id}\tqueued" in done.output, done.output
    nowhere = tmp_path / "no-such-folder" / "recap.csv"
    args = ["recap", "export", "--election", "PPWP", "--year", "2024", "--out", str(nowhere)]
    done = runner.invoke(main, args, env=env)
    assert done.exit_code == 1 and "no such folder" in done.output and not nowhere.exists()
    itself = tmp_path / "itself.env"
    itself.write_text(f"ARCHIVE_DATA_DIR={env['ARCHIVE_DATA_DIR']}\n")
    done = runner.invoke(main, ["transfer", "--to", str(itself)], env=env)  # it waited forever
    assert done.exit_code == 1 and "own database" in done.output, done.output
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    done = runner.invoke(main, ["doctor"], env={**env, "ARCHIVE_DATA_DIR": str(a_file)})
    assert isinstance(done.exception, SystemExit) and done.exit_code == 1, done.exception
    assert "ARCHIVE_DATA_DIR" in done.output
