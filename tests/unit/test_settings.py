"""Settings come from ARCHIVE_* variables, are checked early and keep secrets out of the repo."""

import pytest

from config.settings import SettingsError, load_settings


def test_environment_overrides_defaults_with_typed_values(tmp_path):
    s = load_settings(
        env={"ARCHIVE_DATA_DIR": str(tmp_path), "ARCHIVE_PORT": "8080", "ARCHIVE_S3_SECURE": "yes"}
    )
    assert s.port == 8080 and s.s3_secure is True and s.data_dir == tmp_path.resolve()


@pytest.mark.parametrize(
    "env,needle",
    [
        ({"ARCHIVE_PORT": "eighty"}, "ARCHIVE_PORT"),
        ({"ARCHIVE_OBJECT_STORE": "floppy"}, "ARCHIVE_OBJECT_STORE"),
        ({"ARCHIVE_SEARCH_BACKEND": "elasticsearch"}, "ARCHIVE_ELASTICSEARCH_URL"),
        ({"ARCHIVE_PAGE_READERS": "codes,fingerprints"}, "ARCHIVE_PAGE_READERS: unknown fing"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(tmp_path, env, needle):
    with pytest.raises(SettingsError, match=needle):
        load_settings(env={"ARCHIVE_DATA_DIR": str(tmp_path), **env})


def test_secret_key_is_generated_once_per_installation_and_kept_private(tmp_path):
    first = load_settings(env={"ARCHIVE_DATA_DIR": str(tmp_path)})
    second = load_settings(env={"ARCHIVE_DATA_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_no_password_or_key_shows_in_the_settings_repr(tmp_path):
    """Settings end up in logs (a failed step's arguments once printed the services)."""
    s = load_settings(env={
        "ARCHIVE_DATA_DIR": str(tmp_path),
        "ARCHIVE_DATABASE_URL": "postgresql+psycopg://archive:db-pass-123@db.example/archive",
        "ARCHIVE_SECRET_KEY": "secret-key-123", "ARCHIVE_S3_SECRET_KEY": "s3-key-123",
    })  # fmt: skip
    shown = repr(s)
    assert "Settings(" in shown
    assert not [word for word in ("db-pass-123", "secret-key-123", "s3-key-123") if word in shown]


def test_a_failed_step_is_logged_by_its_name_not_its_arguments(caplog):
    import functools

    from archive_app.intake import uploads

    def settle_retention(value):
        raise RuntimeError("the step failed")

    with caplog.at_level("ERROR"):
        uploads._quietly(functools.partial(settle_retention, "argument-secret-123"))
    assert "settle_retention" in caplog.text and "the step failed" in caplog.text
    assert "argument-secret-123" not in caplog.text
