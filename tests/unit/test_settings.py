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
