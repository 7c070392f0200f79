"""A NUL character in any text a request sends is refused with a 400 on every route, and
nothing is kept: PostgreSQL text holds no NUL, so a file named ``a%00.png`` or a search
for ``%00`` failed there with a 500 (and only there; SQLite kept the name)."""

from __future__ import annotations

import base64
import io

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from archive_app.intake import uploads
from tests.conftest import bearer, make_settings
from tests.factories import META
from tests.formgen import make_text_pdf
from tests.integration.api_helpers import upload, wait_settled
from tests.integration.records_helpers import tiny_png


@pytest.fixture(params=["embedded", "postgresql"])
def settings(request, tmp_path):
    extra = request.getfixturevalue("pg_settings") if request.param == "postgresql" else {}
    return make_settings(tmp_path / "data", **extra)


def _kept(services) -> tuple[int, int]:
    return len(services.metadata.records.list(limit=1000)), len(services.metadata.audit.list())


def test_GIVEN_a_file_named_with_a_NUL_WHEN_uploaded_THEN_it_is_refused_and_nothing_is_kept(
    client, services, tokens
):
    before = _kept(services)
    data = {**META, "file": (io.BytesIO(tiny_png(1)), "a\x00.png")}
    answer = client.post("/api/v1/documents", data=data, headers=bearer(tokens["archivist"]),
                         content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == "bad_request" and "NUL" in answer.get_json()["message"]
    assert _kept(services) == before
    # the same file, named plainly, is archived
    data = {**META, "file": (io.BytesIO(tiny_png(1)), "a.png")}
    answer = client.post("/api/v1/documents", data=data, headers=bearer(tokens["archivist"]),
                         content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 202, answer.get_data(as_text=True)


def test_GIVEN_a_NUL_in_the_path_query_form_or_JSON_THEN_every_route_answers_400(
    app, services, tokens
):
    uploads.receive(services, io.BytesIO(tiny_png(2)), "b.png", META, "archivist")
    before = _kept(services)
    client = app.test_client()
    asked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            values, texts = {}, []
            for name, converter in rule._converters.items():
                if isinstance(converter, IntegerConverter):
                    values[name] = 1
                elif isinstance(converter, AnyConverter):
                    values[name] = sorted(converter.items)[0]
                else:
                    values[name] = "x"
                    texts.append(name)
            url = rule.build(values, append_unknown=False)[1]
            asks = [(url, dict(query_string={"next": "a\x00"}))]
            if texts:  # the NUL in the path alone
                nul_path = rule.build({**values, texts[0]: "x\x00"}, append_unknown=False)[1]
                asks.append((nul_path, {}))
            if method != "GET":
                form, body = {"reason": "\x00", "label": "x"}, {"rows": [{"name": "\x00"}]}
                asks += [(url, dict(data=form)), (url, dict(json=body))]
            for where, ask in asks:
                answer = client.open(where, method=method, headers=bearer(tokens["admin"]), **ask)
                assert answer.status_code == 400, (method, where, ask, answer.status_code)
                asked += 1
    assert asked >= 100
    assert _kept(services) == before


def test_GIVEN_a_PDF_whose_text_layer_holds_a_NUL_THEN_it_is_archived_with_its_text(
    client, tokens, worker, tmp_path
):
    """A glyph a PDF maps to U+0000 is kept as the replacement character: the page's text
    went to PostgreSQL as it was and failed the record there alone."""
    pdf = make_text_pdf(tmp_path / "nul.pdf", "Rekapitulasi hasil\x00 penghitungan suara Jaten")
    record_id = upload(client, tokens["archivist"], pdf).get_json()["id"]
    record = wait_settled(client, tokens["archivist"], record_id)
    assert record["status"] == "ready", record.get("error")
    text = client.get(f"/api/v1/documents/{record_id}/text", headers=bearer(tokens["auditor"]))
    assert "hasil\ufffd penghitungan" in text.get_data(as_text=True)


def test_GIVEN_a_NUL_in_the_second_file_of_a_form_or_in_a_resumable_uploads_name_THEN_400(
    client, services, tokens
):
    """Every file of a field is looked at, not the first alone; and the name a resumable
    upload sends in base64 (in its Upload-Metadata header) is refused like any other."""
    before = _kept(services)
    files = [(io.BytesIO(tiny_png(3)), "a.png"), (io.BytesIO(tiny_png(4)), "b\x00.png")]
    answer = client.post("/batches", data={**META, "files": files},
                         headers=bearer(tokens["archivist"]),
                         content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 400
    named = base64.b64encode(b"c\x00.png").decode()
    answer = client.post("/api/v1/uploads", headers={
        **bearer(tokens["archivist"]), "Tus-Resumable": "1.0.0", "Upload-Length": "10",
        "Upload-Metadata": f"filename {named}",
    })  # fmt: skip
    assert answer.status_code == 400 and "NUL" in answer.get_json()["message"]
    assert _kept(services) == before
    assert services.metadata.batches.list() == []


def test_GIVEN_a_caller_the_route_refuses_THEN_its_body_is_not_read_for_the_check(client, tokens):
    """An auditor may not upload: the answer is the 403 the route gives, not a 400 from a
    body the route would never read."""
    data = {**META, "file": (io.BytesIO(tiny_png(5)), "a\x00.png")}
    answer = client.post("/api/v1/documents", data=data, headers=bearer(tokens["auditor"]),
                         content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 403
