"""`archive doctor`: is this installation configured and can it reach everything it needs?

Each check answers in plain words what is wrong and what to do, because the person running
it is often a regency office's operator, not the developer who set it up.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass

from archive_app.operations.liveness import live_workers


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _explain(exc: Exception, what: str, where: str) -> str:
    text = f"{type(exc).__name__}: {exc}"
    lowered = text.lower()
    if "refused" in lowered or "connection" in lowered or "timeout" in lowered:
        return (
            f"cannot reach {what} at {where}: is the server running and the address right? "
            f"({text[:200]})"
        )
    if "auth" in lowered or "password" in lowered or "access denied" in lowered or "403" in lowered:
        return f"{what} refused the credentials: check the user name and password ({text[:200]})"
    return text[:300]


def run_checks(services) -> list[Check]:
    s = services.settings
    checks = [_data_dir(s), *_tesseract(s, services.ocr)]
    checks.append(
        _backend(
            "metadata database",
            s.effective_database_url.split("@")[-1],
            lambda: _metadata(services),
        )
    )
    where = s.s3_endpoint if s.object_store == "s3" else str(s.objects_dir)
    checks.append(_backend(f"object store ({s.object_store})", where, services.objects.health))
    where = (
        s.elasticsearch_url.split("@")[-1]
        if s.search_backend == "elasticsearch"
        else str(s.index_dir)
    )
    checks.append(_backend(f"search index ({s.search_backend})", where, services.index.health))
    where = s.redis_url.split("@")[-1] if s.queue_backend == "redis" else str(s.queue_path)
    checks.append(_backend(f"task queue ({s.queue_backend})", where, services.queue.health))
    checks.append(_workers(services))
    checks.append(_kept_counts(services))
    checks.append(_audit_anchor(services))
    return checks


def _audit_anchor(services) -> Check:
    """How well the audit trail is anchored: advice, not a failure (docs/security.md)."""
    s = services.settings
    key = (
        "ARCHIVE_AUDIT_KEY is set"
        if s.audit_key
        else "signed with a key derived from the secret key (anyone who can read the data "
        "folder or the environment can sign checkpoints: set ARCHIVE_AUDIT_KEY from a vault)"
    )
    where = (
        "checkpoints under S3 Object Lock"
        if s.object_store == "s3"
        else f"checkpoints appended to {services.anchor.path} (chattr +a makes it append-only)"
    )
    return Check("audit checkpoints", True, f"{key}; {where}")


def _data_dir(settings) -> Check:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=settings.data_dir):
            pass
        free = shutil.disk_usage(settings.data_dir).free / 1e9
        return Check("data folder", True, f"{settings.data_dir} is writable, {free:.1f} GB free")
    except OSError as exc:
        return Check("data folder", False, f"cannot write to {settings.data_dir}: {exc}")


def _tesseract(settings, page_ocr) -> list[Check]:
    import pytesseract

    if not shutil.which("tesseract"):
        return [
            Check(
                "tesseract",
                False,
                "Tesseract is not installed: run `make run` or "
                "apt-get install tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng "
                "tesseract-ocr-osd",
            )
        ]
    installed = set(pytesseract.get_languages(config=""))
    wanted = set(settings.ocr_languages.split("+")) | {"osd"}
    missing = sorted(wanted - installed)
    version = pytesseract.get_tesseract_version()
    if missing:
        return [
            Check(
                "tesseract",
                False,
                f"Tesseract {version} lacks language data {missing}: "
                f"install tesseract-ocr-{missing[0]} (or change ARCHIVE_OCR_LANGUAGES)",
            )
        ]
    import tesserocr

    from ingest import ocr

    try:  # page OCR runs on an engine in the worker: load one as the worker would
        with ocr.page_engine(page_ocr):
            pass
    except ocr.OcrError as exc:
        return [Check("tesseract", False, f"the page OCR engine does not start: {exc}")]
    engine = tesserocr.tesseract_version().split()[1]
    threads = os.environ.get("OMP_THREAD_LIMIT", "set for it by the archive")
    return [
        Check(
            "tesseract",
            True,
            f"Tesseract {engine} kept loaded for page OCR, the tesseract command {version} "
            f"for orientation (OMP_THREAD_LIMIT={threads}); languages "
            f"{settings.ocr_languages} + osd",
        )
    ]


def _metadata(services) -> dict:
    health = services.metadata.health()
    if not services.metadata.is_current():
        raise RuntimeError("the database schema is not up to date: run `archive init`")
    return health


def _backend(name: str, where: str, probe) -> Check:
    try:
        state = probe()
    except Exception as exc:
        return Check(name, False, _explain(exc, name, where))
    if not state.get("ok", False):
        return Check(name, False, f"{where}: {state}")
    extra = ", ".join(f"{k}={v}" for k, v in state.items() if k not in {"ok", "backend"})
    return Check(name, True, f"{where}" + (f" ({extra})" if extra else ""))


def _kept_counts(services) -> Check:
    """The counts the dashboard and lists read (db/counts.py) follow every change only
    while the database's triggers count it."""
    name = "kept counts"
    try:
        if not services.metadata.is_current():
            return Check(name, False, "not checked: the database schema is not up to date")
        kept = services.metadata.records.counts_kept()
    except Exception as exc:
        return Check(name, False, _explain(exc, "metadata database", ""))
    if not kept:
        why = (
            "retention states are not being counted by election, province and regency (a row"
            " was left in retention_counts_by_writer): run `archive recount`"
        )
        return Check(name, False, why)
    return Check(name, True, "every change is counted as it is written")


def _workers(services) -> Check:
    try:
        alive = live_workers(services)
    except Exception as exc:
        return Check("task workers", False, _explain(exc, "metadata database", ""))
    if not alive:
        return Check(
            "task workers",
            False,
            "no task worker is running: uploads will wait in "
            "the queue until `archive worker` (or `archive serve`) runs",
        )
    return Check(
        "task workers", True, f"{len(alive)} running: " + ", ".join(w["id"] for w in alive)
    )
