"""Role checks on the server for every route: 401 without login, 403 for the wrong role.

The matrix is built from the app's own URL map, so a new route without a declared
permission fails here before it can ship.
"""

from __future__ import annotations

import pytest

from archive_app.domain.roles import Role, can
from archive_app.intake import uploads
from tests.conftest import bearer
from tests.factories import META
from tests.formgen import make_form

VALUES = {
    "record_id": None,
    "number": 1,
    "size": "thumb",
    "what": "original",
    "token_id": 999,
    "hold_id": 999,
    "list_id": 999,
    "batch_id": 999,
    "search_id": 999,
    "upload_id": "abc",
    "username": "auditor",
}


@pytest.fixture
def record_id(services, tmp_path):
    path = make_form(tmp_path / "f.png")
    with open(path, "rb") as fh:
        return uploads.receive(services, fh, "f.png", META, "test").id


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, view


def test_every_route_declares_a_permission_or_is_explicitly_public(app):
    undeclared = [r.rule for r, _, view in routes(app) if not hasattr(view, "required_permission")]
    assert not undeclared


def test_role_matrix(app, client, tokens, record_id):
    checked = 0
    for rule, method, view in routes(app):
        permission = view.required_permission
        if permission is None:
            continue
        url = rule.build(
            {
                k: (record_id if k == "record_id" else v)
                for k, v in VALUES.items()
                if k in rule.arguments
            },
            append_unknown=False,
        )[1]
        # answered before any body is read or any CSRF token is asked for
        anonymous = client.open(url, method=method, data=b"x" * 100_000)
        if url.startswith("/api/"):
            assert anonymous.status_code == 401, (method, url)
        else:
            assert anonymous.status_code == 302 and "/login" in anonymous.location, (method, url)
        for role in Role:
            response = client.open(url, method=method, headers=bearer(tokens[role.value]))
            response.close()  # a streamed body (CSV exports) ends here
            if can(role, permission):
                assert response.status_code not in (401, 403), (role, method, url)
            else:
                assert response.status_code == 403, (role, method, url)
            checked += 1
    assert checked > 50


def test_forms_without_a_csrf_token_are_refused(app, client, tokens):
    client.post("/login", data={"username": "admin", "password": "x"})  # no token
    response = client.post("/login", data={"username": "archivist", "password": "wrong"})
    assert response.status_code == 400


def test_auditors_cannot_change_anything(client, tokens, record_id):
    auditor = bearer(tokens["auditor"])
    assert client.post("/api/v1/documents", headers=auditor).status_code == 403
    assert client.post(f"/api/v1/documents/{record_id}/retry", headers=auditor).status_code == 403
    assert client.get("/upload", headers=auditor).status_code == 403
    assert client.post("/admin/users", headers=auditor).status_code == 403


def test_a_disabled_user_and_a_revoked_token_no_longer_work(client, services, tokens):
    from archive_app import accounts

    accounts.update_user(services, "auditor", "test", active=False)
    assert client.get("/api/v1/search", headers=bearer(tokens["auditor"])).status_code == 401
    assert client.get("/api/v1/search", headers=bearer("arc_not-a-token")).status_code == 401
