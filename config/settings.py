"""Settings: read the ``ARCHIVE_*`` environment once into a frozen object.

Every process (web, worker, CLI) builds the same ``Settings`` from the same environment,
so they agree on where the archive lives and which backends it uses. Bad values fail
fast with a message naming the variable. Every variable is documented in
``config/example.env``; a test fails when one is missing there.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from vocabulary.elections import Vocabulary, load_vocabulary


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _env_name(name: str) -> str:
    return "ARCHIVE_" + name.upper()


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    # default: SQLite file in data_dir; out of the repr, as a URL may carry a password
    database_url: str = field(default="", repr=False)
    object_store: str = "local"  # local | s3
    search_backend: str = "tantivy"  # tantivy | elasticsearch
    queue_backend: str = "sqlite"  # sqlite | redis
    secret_key: str = field(default="", repr=False)
    secure_cookies: bool = False  # set true behind HTTPS (automatic when public_url is https)
    public_url: str = ""  # the address people use, e.g. https://arsip.kpu.example
    proxy_hops: int = 0  # reverse proxies in front that set X-Forwarded-For/-Proto
    audit_key: str = field(default="", repr=False)  # signs audit checkpoints; default: derived
    host: str = "127.0.0.1"
    port: int = 5000
    web_workers: int = 2
    workers: int = 0  # 0: one per CPU core
    page_workers: int = 0  # pages of one document OCR'd at once; 0: one per CPU core
    job_lease_seconds: int = 120
    job_max_attempts: int = 3
    index_lock_timeout: float = 30.0
    ocr_languages: str = "ind+eng"
    ocr_psm: int = 4
    ocr_dpi: int = 300
    ocr_timeout: int = 600
    max_upload_mb: int = 1024
    max_image_pixels: int = 150_000_000
    max_pages: int = 2000
    max_zip_files: int = 20_000
    max_zip_mb: int = 20_480
    max_tps_voters: int = 300  # a TPS had at most 300 voters in 2024
    page_readers: str = "codes,header,tally"  # what is read from each page besides text
    vocabulary_file: Path | None = None
    s3_endpoint: str = ""
    s3_access_key: str = field(default="", repr=False)
    s3_secret_key: str = field(default="", repr=False)
    s3_bucket: str = "archive"
    s3_secure: bool = False
    s3_region: str = ""
    elasticsearch_url: str = ""
    elasticsearch_index: str = "archive-documents"
    redis_url: str = ""
    backup_dest: str = ""  # a folder or s3://bucket/prefix: the nightly backup goes there
    backup_keep: int = 7  # complete backup sets kept; older ones are removed
    backup_s3_endpoint: str = ""  # default: the archive's own S3 connection
    backup_s3_access_key: str = field(default="", repr=False)
    backup_s3_secret_key: str = field(default="", repr=False)
    backup_s3_secure: bool = False
    backup_s3_region: str = ""
    log_level: str = "INFO"
    letterhead: str = "KOMISI PEMILIHAN UMUM"  # the office on official reports; lines split by |

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.public_url.lower().startswith("https://")

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "archive.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.db"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def page_worker_count(self) -> int:
        return self.page_workers or os.cpu_count() or 1

    @property
    def vocabulary(self) -> Vocabulary:
        return load_vocabulary(self.vocabulary_file)

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)


PAGE_READERS = {"codes", "header", "tally"}
# The placeholders shipped in .env.example: an install that kept one has a public secret.
EXAMPLE_SECRETS = {"change-me-to-a-long-random-string", "change-me-to-another-long-random-string"}
# Every adapter of every port, embedded default first: the settings accept these names, and
# the contract suites (tests/contract) run once per name listed here.
BACKENDS: dict[str, tuple[str, ...]] = {
    "object_store": ("local", "s3"),
    "metadata": ("sqlite", "postgresql"),  # chosen by ARCHIVE_DATABASE_URL
    "search_backend": ("tantivy", "elasticsearch"),
    "queue_backend": ("sqlite", "redis"),
}
_CHOICES = {name: set(names) for name, names in BACKENDS.items() if name != "metadata"}


def _coerce(name: str, raw: str, default):
    var = _env_name(name)
    try:
        if isinstance(default, bool):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if name in {"data_dir", "vocabulary_file"}:
            return Path(raw).expanduser()
        return raw
    except ValueError:
        raise SettingsError(f"{var}={raw!r} is not a valid {type(default).__name__}") from None


def load_settings(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Build settings from ``env`` (default ``os.environ``) plus explicit overrides."""
    env = os.environ if env is None else env
    values = {}
    for f in fields(Settings):
        var = _env_name(f.name)
        if var in env:
            values[f.name] = _coerce(f.name, env[var], f.default)
    values.update(overrides)
    settings = Settings(**values)
    _validate(settings)
    data_dir = settings.data_dir.resolve()
    secret = settings.secret_key or _persistent_secret(data_dir)
    return replace(settings, data_dir=data_dir, secret_key=secret)


def _validate(settings: Settings) -> None:
    for name, allowed in _CHOICES.items():
        value = getattr(settings, name)
        if value not in allowed:
            raise SettingsError(
                f"{_env_name(name)}={value!r}: choose one of {', '.join(sorted(allowed))}"
            )
    unknown = {n.strip() for n in settings.page_readers.split(",") if n.strip()} - PAGE_READERS
    if unknown:
        raise SettingsError(
            f"ARCHIVE_PAGE_READERS: unknown {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(sorted(PAGE_READERS))}"
        )
    positive = ("port", "job_lease_seconds", "job_max_attempts", "ocr_dpi", "max_upload_mb")
    for name in (*positive, "backup_keep"):
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{_env_name(name)} must be a positive number")
    for name in ("secret_key", "audit_key"):
        if getattr(settings, name) in EXAMPLE_SECRETS:
            raise SettingsError(
                f"{_env_name(name)} is the example value from .env.example: set a long random "
                "one (python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
    if settings.proxy_hops < 0:
        raise SettingsError("ARCHIVE_PROXY_HOPS must be 0 or more")
    if settings.object_store == "s3" and not settings.s3_endpoint:
        raise SettingsError("ARCHIVE_S3_ENDPOINT is required when ARCHIVE_OBJECT_STORE=s3")
    if settings.search_backend == "elasticsearch" and not settings.elasticsearch_url:
        raise SettingsError(
            "ARCHIVE_ELASTICSEARCH_URL is required when ARCHIVE_SEARCH_BACKEND=elasticsearch"
        )
    if settings.queue_backend == "redis" and not settings.redis_url:
        raise SettingsError("ARCHIVE_REDIS_URL is required when ARCHIVE_QUEUE_BACKEND=redis")


def _persistent_secret(data_dir: Path) -> str:
    """A per-installation secret kept in the data folder, so no secret lives in the repo."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic: the first process to start wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def documented_variables() -> set[str]:
    """Every ARCHIVE_* variable Settings understands (used by the docs test)."""
    return {_env_name(f.name) for f in fields(Settings)}
