"""Calls the API tests share: upload a scan, wait for processing or search, find leftovers."""

from __future__ import annotations

import io
import time
from datetime import datetime

from tests.conftest import bearer, make_settings
from tests.factories import metadata

FIELDS = metadata(tps="005")


def settings_for(request, tmp_path):
    """For a ``settings`` fixture with params ["embedded", "scaleout"]: the test runs on the
    embedded adapters and again on the real scale-out servers."""
    extra = {}
    if request.param == "scaleout":
        for name in ("s3_settings", "es_settings", "pg_settings", "redis_settings"):
            extra.update(request.getfixturevalue(name))
    return make_settings(tmp_path / "data", **extra)


def upload(client, token, path, **overrides):
    data = {**FIELDS, **overrides}
    with open(path, "rb") as fh:
        data["file"] = (io.BytesIO(fh.read()), path.name)
    return client.post(
        "/api/v1/documents", data=data, headers=bearer(token), content_type="multipart/form-data"
    )


def wait_settled(client, token, record_id, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/documents/{record_id}", headers=bearer(token)).get_json()
        if body["status"] in {"ready", "failed"}:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{record_id} did not settle: {body}")


def wait_searchable(client, token, params, timeout=30):
    """The first answer that finds something. A 503 ("try again shortly", as the API says
    when the index cannot answer: a loaded test node may fail a search now and then) is asked
    again like an empty answer, until the deadline; any other error fails at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get("/api/v1/search", query_string=params, headers=bearer(token))
        body = answer.get_json()
        assert answer.status_code in (200, 503), body
        if answer.status_code == 200 and body["total"]:
            return body
        time.sleep(0.2)
    raise AssertionError(f"nothing found for {params}: {body}")


def leftovers(services) -> dict:
    """Everything a failed upload could have left behind."""
    return {
        "rows": services.metadata.records.count(),
        "uploading": services.metadata.records.stale_uploads(datetime(2100, 1, 1)),
        "objects": list(services.objects.list("records/")),
        "tmp": [p.name for p in services.settings.tmp_dir.iterdir()],
    }
