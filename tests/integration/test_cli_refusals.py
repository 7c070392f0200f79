"""What a probe of the `archive` command found accepted and should not have: each asks a
command for something it cannot do, and the command says so and exits non-zero, having made
or changed nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest
from click.testing import CliRunner

from archive_app.cli import main
from archive_app.domain.clock import utcnow
from tests.formgen import make_form

META = ["--election", "PPWP", "--form-type", "C.HASIL", "--year", "2024", "--province",
        "Jawa Tengah", "--regency", "Karanganyar", "--district", "Jaten", "--village",
        "Papahan", "--tps", "5"]  # fmt: skip


@pytest.fixture
def env(settings):
    return {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_WORKERS": "1",
        "ARCHIVE_ADMIN_PASSWORD": "an admin password",
    }


@pytest.fixture
def cli(env):
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0

    def run(*args, stdin=None):
        return runner.invoke(main, [str(a) for a in args], env=env, input=stdin)

    return run


def test_given_a_worker_that_died_when_ingest_waits_then_it_stops_with_a_message(
    services, cli, env, tmp_path
):
    """GIVEN a worker whose last heartbeat, 30 s ago, is still young enough to count, but
    which is dead WHEN `archive ingest --wait` waits for it THEN it stops once the heartbeat
    is stale, saying no worker is left, and exits 1 (it waited forever)."""
    beaten = utcnow() - timedelta(seconds=30)
    with mock.patch("archive_app.db.workers.utcnow", return_value=beaten):
        services.metadata.workers.beat("gone:1", "elsewhere", 1)
    form = make_form(tmp_path / "f.png")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "archive_app", "ingest", "--wait", str(form), *META],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("archive ingest --wait went on waiting for a dead worker")
    assert done.returncode == 1, done.stderr
    assert "no task worker is running any more" in done.stderr
    assert "1 record(s) are not processed yet" in done.stderr


def test_given_a_url_of_another_kind_when_backing_up_then_it_is_refused_and_nothing_made(
    cli, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for destination in ("ftp://x", "https://example.org/backup", "file:///tmp/b"):
        done = cli("backup", destination)
        assert done.exit_code == 1, (destination, done.output)
        assert "s3:// is the only kind of URL" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_given_a_missing_folder_when_restoring_then_it_is_refused_and_not_made(cli, tmp_path):
    missing = tmp_path / "no-backup-here"
    done = cli("restore", missing)
    assert done.exit_code == 1 and "no such folder" in done.output, done.output
    assert not missing.exists()


def test_given_an_unknown_record_id_when_preserving_then_it_is_named_and_exit_is_1(cli):
    done = cli("preserve", "0" * 32)
    assert done.exit_code == 1, done.output
    assert f"NOT FOUND\t{'0' * 32}" in done.output and "1 not found" in done.output


def test_given_no_such_user_when_unlocking_then_it_is_refused(cli):
    done = cli("users", "unlock", "nobody")
    assert done.exit_code == 1 and "Tidak ada pengguna 'nobody'" in done.output, done.output
    assert cli("users", "unlock", "admin").exit_code == 0
    assert cli("users", "unlock", "--address", "10.0.0.9").exit_code == 0


def test_given_the_last_active_admin_when_disabled_or_demoted_then_it_is_refused(cli):
    """GIVEN one active administrator WHEN disabled or given another role THEN refused, and
    still an active admin; once a second admin exists, the first may be demoted."""
    for args in (["disable", "admin"], ["set-role", "admin", "auditor"]):
        done = cli("users", *args)
        assert done.exit_code == 1, (args, done.output)
        assert "satu-satunya administrator aktif" in done.output
    assert cli("users", "list").output == "admin\tadmin\tactive\n"
    password = "a long password\n"
    made = cli("users", "create", "ani", "--role", "admin", "--password-stdin", stdin=password)
    assert made.exit_code == 0, made.output
    assert cli("users", "disable", "ani").exit_code == 0  # admin is still there
    assert cli("users", "set-role", "admin", "auditor").exit_code == 1  # ani is disabled
    assert cli("users", "enable", "ani").exit_code == 0
    assert cli("users", "set-role", "admin", "auditor").exit_code == 0


@pytest.mark.parametrize("interval", ["nan", "-nan", "inf", "-1", "0", "1e400"])
def test_given_an_interval_that_is_no_time_when_watching_then_it_is_refused(
    cli, tmp_path, interval
):
    done = cli("watch", "--once", "--interval", interval, tmp_path)
    assert done.exit_code == 2 and "--interval" in done.output, done.output
    assert cli("watch", "--once", "--settle", "nan", tmp_path).exit_code == 2


def test_given_an_over_long_token_label_when_creating_then_it_is_refused(cli, services):
    done = cli("tokens", "create", "admin", "--label", "x" * 101)
    assert done.exit_code == 1 and "paling banyak 100 karakter" in done.output, done.output
    assert "arc_" not in done.output
    admin = services.metadata.users.by_name("admin")
    assert services.metadata.users.tokens(admin.id) == []
    assert cli("tokens", "create", "admin", "--label", "x" * 100).exit_code == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--region", "nope"], "region 'nope' is not a region or TPS code"),
        (["--region", "1"], "region '1' is not a region or TPS code"),
        (["--election", "NOPE"], "unknown election 'NOPE'"),
    ],
)
def test_given_an_unknown_election_or_region_when_listing_changes_then_it_is_refused(
    cli, args, said
):
    done = cli("results", "changes", "--year", "2024", *args)
    assert done.exit_code == 1 and said in done.output, done.output
    assert cli("results", "changes", "--year", "2024", "--region", "33.13").exit_code == 0
