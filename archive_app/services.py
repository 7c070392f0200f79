"""build_services: the one place that turns settings into adapters.

The app factory, the workers and the CLI all call it, so every entry point runs on
the same backends. Callers get ports (interfaces), never concrete classes.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

from archive_app.db.interfaces import MetadataStore
from archive_app.jobs.interfaces import TaskQueue
from archive_app.storage.anchors import AuditAnchor
from archive_app.storage.interfaces import ObjectStore
from config.settings import Settings
from ingest.models import Limits, OcrSettings
from search.interfaces import SearchIndex


@dataclass
class Services:
    """The ports, as the application uses them; which adapters fill them is settings'."""

    settings: Settings
    objects: ObjectStore
    metadata: MetadataStore
    index: SearchIndex
    queue: TaskQueue
    anchor: AuditAnchor
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    @property
    def host_pid(self) -> tuple[str, int]:
        return socket.gethostname(), os.getpid()

    def new_owner(self) -> str:
        """A lease owner id: host and pid let a restarted worker spot leases of dead ones."""
        return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @property
    def ocr(self) -> OcrSettings:
        s = self.settings
        return OcrSettings(
            languages=s.ocr_languages, psm=s.ocr_psm, dpi=s.ocr_dpi, timeout_seconds=s.ocr_timeout,
            page_workers=s.page_worker_count, keep_pixels=bool(s.page_readers.strip(" ,")),
        )  # fmt: skip

    @property
    def limits(self) -> Limits:
        return Limits(
            max_image_pixels=self.settings.max_image_pixels, max_pages=self.settings.max_pages
        )

    def close(self) -> None:
        self.queue.close()
        self.metadata.close()


def build_objects(settings: Settings) -> ObjectStore:
    if settings.object_store == "s3":
        from archive_app.storage.s3 import S3ObjectStore

        return S3ObjectStore.from_settings(settings)
    from archive_app.storage.local import LocalObjectStore

    return LocalObjectStore.from_settings(settings)


def build_index(settings: Settings) -> SearchIndex:
    if settings.search_backend == "elasticsearch":
        from search.elasticsearch_index import ElasticsearchIndex

        return ElasticsearchIndex.from_settings(settings)
    from search.tantivy_index import TantivyIndex

    return TantivyIndex.from_settings(settings)


def build_services(settings: Settings) -> Services:
    from archive_app.db.sql_store import SqlMetadataStore
    from archive_app.jobs.huey_queue import HueyTaskQueue
    from archive_app.operations.tasks import REGISTRY
    from archive_app.storage.anchors import build_anchor

    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    objects = build_objects(settings)
    return Services(
        settings=settings,
        objects=objects,
        anchor=build_anchor(settings, objects),
        metadata=SqlMetadataStore.from_settings(settings),
        index=build_index(settings),
        queue=HueyTaskQueue.from_settings(settings, build_services, REGISTRY),
    )
