"""`archive backup` and `archive restore`: an archive backed up, wiped and restored is the
same archive, record for record, hash for hash, audit entry for audit entry and hit for hit,
on the embedded default and on the real scale-out servers."""

from __future__ import annotations

import hashlib
import shutil
import time
from contextlib import contextmanager
from dataclasses import fields

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from archive_app import accounts
from archive_app.audit import checkpoints
from archive_app.cli import main
from archive_app.domain.records import Status
from archive_app.intake import uploads
from archive_app.operations import backup_sets
from archive_app.operations.backup import backup
from archive_app.operations.backup_sets import BackupError
from archive_app.operations.restore import restore
from archive_app.recordkeeping import fixity, holds, preservation
from archive_app.records import indexing, processing, sidecar
from archive_app.services import build_services
from config.settings import Settings, load_settings
from search.query import parse_search
from tests.conftest import make_settings, unique
from tests.factories import without
from tests.formgen import make_form

WORDS = ["Sawahrejo", "Kebonagung", "Tegalsari"]
QUERIES = [{"q": "sawahrejo"}, {"q": "kebonagung"}, {"tps": "2"}, {"q": "suara"}, {}]


@pytest.fixture(params=["embedded", "scaleout"])
def settings(request, tmp_path):
    """The archive under test; on the embedded default the data folder's own secret is used
    (it must come back with the restore, or no checkpoint would verify)."""
    extra = {"secret_key": ""}
    if request.param == "scaleout":
        for name in ("s3_settings", "es_settings", "pg_settings", "redis_settings"):
            extra.update(request.getfixturevalue(name))
    return make_settings(tmp_path / "data", **extra)


@pytest.fixture
def archive(services, tmp_path):
    """Three records (two processed, one still queued, the first with its PDF/A copy), a user
    with a token, a legal hold."""
    accounts.create_user(services, "ani", "a long password", "archivist", "test")
    services.token = accounts.create_token(services, "ani", "scanner", "test", days=30)
    ids = []
    for n, word in enumerate(WORDS, start=1):
        path = make_form(tmp_path / f"f{n}.png", tps=n, unique_word=word, seed=n)
        with open(path, "rb") as fh:
            ids.append(
                uploads.receive(
                    services, fh, path.name, {**without("tps"), "tps": str(n)}, "ani"
                ).id
            )
    for record_id in ids[:2]:
        processing.process(services, record_id)
    assert preservation.preserve(services, ids[0]) is not None  # what the worker's task makes
    holds.place(
        services, reason="sengketa", case_ref="MK-1/2024", document_ids=[ids[0]], actor="test"
    )
    # As `archive reindex` leaves it: Elasticsearch's scores count the deleted copies a
    # record's updates leave in the index until segments merge; the restore rebuilds it.
    indexing.reindex(services)
    services.ids = ids
    return services


def env_of(settings: Settings, **changes) -> dict[str, str]:
    """The ARCHIVE_* variables that give these settings (the data folder's secret stays in
    the data folder, as in production)."""
    env = {}
    for f in fields(Settings):
        value = changes.get(f.name, getattr(settings, f.name))
        if f.name == "secret_key" and (settings.data_dir / "secret_key").exists():
            continue
        if value != f.default:
            env[f"ARCHIVE_{f.name.upper()}"] = str(value)
    return env


def state(services) -> dict:
    """Everything a restore must give back, as plain values."""
    records = {}
    for batch in services.metadata.records.iter_records(50, statuses=tuple(Status)):
        for record, pages, files in batch:
            records[record.id] = (
                record.sha256,
                record.status,
                record.metadata,
                record.created_at,
                record.retention_state,
                [p.text for p in pages],
                sorted(files, key=lambda f: f.key),
            )
    for record_id, (*_, files) in records.items():
        for f in files:
            with services.objects.open(f.key) as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == f.sha256, (record_id, f.key)
    users = [(u.username, u.role, u.password_hash) for u in services.metadata.users.list()]
    searches = []
    for params in QUERIES:
        found = services.index.search(parse_search(params))
        # hits of equal score (made in the same second) come in the engine's own order
        ranked = sorted((-h.score, h.id, h.highlights) for h in found.hits)
        searches.append((found.total, ranked, found.facets))
    return {
        "records": records,
        "users": users,
        "searches": searches,
        "holds": [(h.id, h.case_ref, h.active) for h in services.metadata.holds.list()],
    }


def trail(services) -> list:
    return [(i, e, prev, h) for i, e, prev, h in services.metadata.audit.chain()]


def wipe(services, settings: Settings) -> Settings:
    """Lose everything: the data folder; on scale-out also the database and the index. The
    bucket cannot be emptied (its audit checkpoints are under Object Lock in compliance
    mode, which is the point of them), so the restore goes into a new, empty bucket."""
    services.close()
    shutil.rmtree(settings.data_dir)
    if settings.object_store == "local":
        return settings
    import psycopg

    services.index.drop()
    url = settings.database_url
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(
        url.replace("+psycopg", "").rsplit("/", 1)[0] + "/archive", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return settings.with_overrides(s3_bucket=unique("t-"))


@pytest.fixture
def destination(settings, tmp_path):
    if settings.object_store == "s3":
        return f"s3://{unique('bk-')}/nightly"
    return str(tmp_path / "backup")


@pytest.mark.parametrize("before_0020", [False, True], ids=["a set", "a set without tally lines"])
def test_GIVEN_a_backup_WHEN_everything_is_lost_and_restored_THEN_it_is_the_same_archive(
    archive, settings, destination, before_0020
):
    before, entries = state(archive), trail(archive)
    objects = sum(len(files) for *_, files in before["records"].values())
    if before_0020:  # a set taken before migration 0020 holds no kept tally lines
        with archive.metadata.engines.write.begin() as conn:
            assert conn.execute(text("DELETE FROM tally_lines")).rowcount == 2
    runner = CliRunner()
    done = runner.invoke(main, ["backup", destination], env=env_of(settings))
    assert done.exit_code == 0, done.output
    assert f"3 record(s), {objects} object(s)" in done.output
    # what the backup wrote to the trail, after the snapshot, is the live archive's, not the set's
    taken = trail(archive)
    assert taken[: len(entries)] == entries and taken[len(entries)][1].action == "backup.started"
    in_set = taken[: len(entries) + 1]

    restored_settings = wipe(archive, settings)
    env = env_of(restored_settings)
    done = runner.invoke(main, ["restore", destination], env=env)
    assert done.exit_code == 0, done.output
    assert f"verify: {objects} file(s), 0 missing, 0 changed" in done.output
    assert "audit verify: chain intact" in done.output and "checkpoint" in done.output
    assert "reindex: 2 record(s) searchable" in done.output
    assert ("tally lines: kept for 2 record(s)" in done.output) is before_0020

    restored = build_services(load_settings(env=env))
    try:
        assert state(restored) == before
        roles = {f.role for f in restored.metadata.records.files(archive.ids[0])}
        assert {"original", "pdf", "pdfa", "metadata"} <= roles
        after = trail(restored)
        assert after[: len(in_set)] == in_set
        actions = [e.action for _, e, _, _ in after[len(in_set) :]]
        kept = ["tally.lines"] if before_0020 else []
        assert actions == ["restore.completed", "fixity.run", "index.rebuild", *kept]
        assert [f.kept is not None for f in restored.metadata.readings.iter_tallies({})] == [
            True,
            True,
        ]
        assert accounts.user_for_token(restored, archive.token).username == "ani"
        if restored_settings.object_store == "s3":  # the legal hold is back on the objects
            held = restored.metadata.records.files(archive.ids[0])[0].key
            assert restored.objects.legal_hold(held)
    finally:
        restored.close()


def test_GIVEN_backends_in_use_WHEN_restoring_into_them_THEN_it_is_refused_and_nothing_changes(
    archive, settings, destination
):
    backup(archive, destination)
    entries = trail(archive)
    with pytest.raises(BackupError, match="restore goes only into empty backends.*database is in"):
        restore(archive, destination)
    assert trail(archive) == entries
    done = CliRunner().invoke(main, ["restore", destination], env=env_of(settings))
    assert done.exit_code == 1 and "empty backends" in done.output


class TestEmbedded:
    """What does not depend on the backends, on the embedded default only."""

    @pytest.fixture
    def settings(self, tmp_path):
        return make_settings(tmp_path / "data")

    def test_GIVEN_a_set_WHEN_backing_up_again_THEN_only_new_objects_are_copied_and_old_sets_go(
        self, archive, tmp_path
    ):
        dest = str(tmp_path / "backup")
        objects = sum(len(archive.metadata.records.files(i)) for i in archive.ids)
        first = backup(archive, dest, keep=1)
        assert first.ok and first.files == objects and first.copied == objects
        again = backup(archive, dest, keep=1)
        assert again.copied == 0 and again.files == objects and again.pruned == [first.set_id]

        record_id = archive.ids[1]  # a correction rewrites the record's metadata.json
        old = next(f for f in archive.metadata.records.files(record_id) if f.role == "metadata")
        sidecar.rewrite(archive, record_id)
        third = backup(archive, dest, keep=1)
        assert third.copied == 1 and third.pruned == [again.set_id]
        store = archive_dest(tmp_path)
        assert not store.exists(backup_sets.blob_key(old.sha256))  # only the old sets named it
        assert backup_sets.sealed(store) == [third.set_id]

    def test_GIVEN_a_damaged_object_THEN_the_backup_names_it_and_a_damaged_backup_is_refused(
        self, archive, tmp_path
    ):
        files = archive.metadata.records.files(archive.ids[0])
        victim = next(f for f in files if f.role == "original")
        path = archive.settings.objects_dir / victim.key
        good = path.read_bytes()
        path.write_bytes(good + b"rot")
        dest = str(tmp_path / "backup")
        report = backup(archive, dest)
        assert not report.ok
        assert report.damaged == [[archive.ids[0], victim.key, "changed"]]
        path.write_bytes(good)
        report = backup(archive, dest)
        assert report.ok and report.copied == 1

        blob = tmp_path / "backup" / backup_sets.blob_key(victim.sha256)
        blob.write_bytes(b"bit rot in the backup")
        fresh = build_services(make_settings(tmp_path / "fresh"))
        try:
            with pytest.raises(BackupError, match=f"{victim.sha256}.*does not match"):
                restore(fresh, dest)
        finally:
            fresh.close()

    def test_the_nightly_task_backs_up_to_the_configured_destination_and_keeps_n_sets(
        self, archive, tmp_path
    ):
        from archive_app.operations.tasks import REGISTRY

        [nightly] = [p for p in REGISTRY.periodic if p.name == "backup"]
        assert (nightly.minute, nightly.hour) == ("43", "2")
        nightly.run(archive)  # no destination set: nothing happens
        dest = tmp_path / "nightly"
        archive.settings = archive.settings.with_overrides(backup_dest=str(dest), backup_keep=2)
        for _ in range(3):
            nightly.run(archive)
        assert len(backup_sets.sealed(archive_dest(tmp_path, "nightly"))) == 2

    def test_GIVEN_metadata_json_rewritten_during_the_backup_THEN_restore_derives_it_again(
        self, archive, tmp_path
    ):
        record_id = archive.ids[1]
        in_snapshot = archive.metadata.records.files(record_id)
        archive.metadata = _CorrectedAfterSnapshot(archive, record_id)
        report = backup(archive, str(tmp_path / "backup"))
        assert report.ok and report.rederive == [record_id]

        restored = build_services(make_settings(tmp_path / "restored"))
        try:
            restore(restored, str(tmp_path / "backup"))
            files = restored.metadata.records.files(record_id)
            meta = next(f for f in files if f.role == "metadata")
            with restored.objects.open(meta.key) as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == meta.sha256
            others = [f for f in in_snapshot if f.role != "metadata"]
            assert [f for f in files if f.role != "metadata"] == others
            assert fixity.verify(restored).ok and checkpoints.verify(restored).ok
        finally:
            restored.close()

    def test_GIVEN_a_pdfa_copy_made_again_during_the_backup_THEN_restore_makes_it_again(
        self, archive, tmp_path
    ):
        record_id = archive.ids[0]
        in_snapshot = archive.metadata.records.files(record_id)
        archive.metadata = _RemadeAfterSnapshot(archive, record_id)
        report = backup(archive, str(tmp_path / "backup"))
        assert report.ok and report.remake == [record_id] and report.changed == []

        restored = build_services(make_settings(tmp_path / "restored"))
        try:
            done = restore(restored, str(tmp_path / "backup"))
            assert done.remade == 1 and done.remake_failed == {}
            files = {f.role: f for f in restored.metadata.records.files(record_id)}
            old = next(f for f in in_snapshot if f.role == "pdfa")
            assert files["pdfa"].sha256 != old.sha256
            with restored.objects.open(files["pdfa"].key) as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == files["pdfa"].sha256
            with restored.objects.open(files["metadata"].key) as fh:  # lists the new copy
                assert files["pdfa"].sha256 in fh.read().decode()
            assert fixity.verify(restored).ok and checkpoints.verify(restored).ok
        finally:
            restored.close()

    def test_GIVEN_a_restore_cut_short_WHEN_run_again_THEN_it_takes_up_where_it_stopped(
        self, archive, tmp_path
    ):
        dest = tmp_path / "backup"
        first = backup(archive, str(dest)).set_id
        listed = archive.metadata.records.files(archive.ids[0])
        blob = dest / backup_sets.blob_key(max(f.sha256 for f in listed))
        kept = blob.read_bytes()
        blob.unlink()
        restored = build_services(make_settings(tmp_path / "restored"))
        try:
            with pytest.raises(BackupError, match="the backup has lost"):
                restore(restored, str(dest))
            assert restored.metadata.contents()["records"] == 0  # the database goes in last
            backup(archive, str(dest))  # a newer set, which names the lost blob as held
            with pytest.raises(BackupError, match=f"interrupted restore of set {first}"):
                restore(restored, str(dest))
            blob.write_bytes(kept)
            again = restore(restored, str(dest), set_id=first)
            assert again.resumed and again.records == 3
            assert fixity.verify(restored).ok and checkpoints.verify(restored).ok
        finally:
            restored.close()


def archive_dest(tmp_path, name="backup"):
    from archive_app.storage.local import LocalObjectStore

    return LocalObjectStore(tmp_path / name)


class _CorrectedAfterSnapshot:
    """The archive's own metadata store; right after its snapshot is taken, a reviewer's
    correction lands (the race a backup of a working archive always runs)."""

    def __init__(self, services, record_id):
        self._inner, self._services, self._record_id = services.metadata, services, record_id

    def __getattr__(self, name):
        return getattr(self._inner, name)

    @contextmanager
    def snapshot(self, out):
        with self._inner.snapshot(out) as taken:
            self._services.metadata = self._inner
            sidecar.rewrite(self._services, self._record_id)
            yield taken


class _RemadeAfterSnapshot(_CorrectedAfterSnapshot):
    """Right after the snapshot, the record's PDF/A copy is made again (a correction's task):
    the bytes the snapshot names are gone from the store."""

    @contextmanager
    def snapshot(self, out):
        with self._inner.snapshot(out) as taken:
            self._services.metadata = self._inner
            time.sleep(1.1)  # the copy's xmp:ModifyDate is to the second: new bytes
            assert preservation.preserve(self._services, self._record_id, again=True)
            yield taken
