"""A NUL character in any text a request sends is refused with a 400 on every route, and
nothing is kept: PostgreSQL text holds no NUL, so a file named ``a%00.png`` or a search
for ``%00`` failed there with a 500 (and only there; SQLite kept the name)."""

from __future__ import annotations

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
                    values[name] = "x\x00"
                    texts.append(name)
            url = rule.build(values, append_unknown=False)[1]
            asks = [dict(query_string={"q": "\x00"})] if texts else []
            asks.append(dict(query_string={"next": "a\x00"}))
            if method != "GET":
                asks += [dict(data={"reason": "\x00", "label": "x"}),
                         dict(json={"reason": "ok", "rows": [{"name": "\x00"}]})]  # fmt: skip
            for ask in asks:
                answer = client.open(url, method=method, headers=bearer(tokens["admin"]), **ask)
                assert answer.status_code == 400, (method, url, ask, answer.status_code)
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
