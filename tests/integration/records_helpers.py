"""Records the records-management tests share: small distinct scans, archived as a form
whose retention is already due (C.KEJADIAN PPWP 2014 is due for destruction)."""

from __future__ import annotations

import io

from PIL import Image

from archive_app.intake import uploads
from tests.factories import metadata

# a form whose retention is already due (C.KEJADIAN PPWP 2014 is due for destruction)
META = metadata(form_type="C.KEJADIAN", year=2014)


def tiny_png(n: int) -> bytes:
    """A distinct small scan per n (different bytes, so no duplicate refusal)."""
    image = Image.new("L", (64, 64), 255)
    image.putpixel((n % 64, (n // 64) % 64), 0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def add(services, n: int, **overrides) -> str:
    """A record as archived (not yet OCR-processed)."""
    meta = {**META, **{k: str(v) for k, v in overrides.items()}}
    return uploads.receive(services, io.BytesIO(tiny_png(n)), f"s{n}.png", meta, "archivist").id


def set_retention(services, record_id: str, **values) -> None:
    """Write a record's cached retention state as a refresh would (record_retention)."""
    from sqlalchemy import update

    from archive_app.db.models import RetentionRow
    from archive_app.db.session import Sessions

    with Sessions(services.metadata.engines).write() as s:
        s.execute(
            update(RetentionRow).where(RetentionRow.document_id == record_id).values(**values)
        )


def with_officers(services, *extra: tuple[str, str]):
    """The archive with its example retention schedule, a records officer ("pengelola") and
    an approver ("pejabat"), and any other (name, role): what a disposition needs."""
    from archive_app import accounts
    from archive_app.recordkeeping import retention

    retention.ensure_schedule(services, "test")
    for name, role in (("pengelola", "records_officer"), ("pejabat", "approver"), *extra):
        accounts.create_user(services, name, "a long password", role, "test")
    return services
