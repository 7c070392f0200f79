"""Every route, asked anything, by anyone: no answer is a 500 and the server keeps serving.

Hypothesis draws a route from the app's own URL map (so a new route is fuzzed the day it
is added), a caller (anonymous or one of the roles), path values, a query string, and a
form or JSON body built from the parameter names the app uses and from anything else,
with the values that broke it before: superscript digits, 2^64, url_for's own keywords.
Under TESTING an unhandled exception propagates, so it fails the test too.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter, IntegerConverter

from archive_app.domain.roles import Role
from archive_app.intake import uploads
from tests.conftest import PASSWORD, bearer
from tests.factories import META
from tests.integration.records_helpers import tiny_png

NAMES = ["q", "page", "per_page", "cursor", "limit", "offset", "status", "election", "form_type",
         "year", "province", "regency", "district", "village", "tps", "flag", "retention", "state",
         "action", "due_within", "actor", "target", "endpoint", "_external", "_anchor", "next",
         "label", "metadata", "document_ids", "query", "reason", "case_ref", "approve", "comment",
         "username", "password", "role", "active", "rows", "days", "name", "upload_id",
         "download"]  # fmt: skip
NASTY = ["²", "¹", "①", "-1", "0", str(2**64), "9" * 30, "", " ", "\x00", "=HYPERLINK(1)",
         "../../etc/passwd", "<script>", "'; DROP TABLE users; --", "true", "null", "[]",
         "admin", "TPS 005", '"suara sah"', "a" * 3000]  # fmt: skip

values = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.integers().map(str))
params = st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), values,
                         max_size=6)  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | values,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),  # fmt: skip
    max_leaves=10,
)
json_bodies = st.one_of(st.dictionaries(st.sampled_from(NAMES), json_values, max_size=6),
                        json_values)  # fmt: skip
callers = st.sampled_from([None, *Role])
# no "/" (another path) and no lone surrogate (no client can put one in a URL)
PATH_CHARACTERS = st.characters(blacklist_characters="/", blacklist_categories=("Cs",))
DEEP_JSON = '{"reason": ' + "[" * 5000 + "]" * 5000 + "}"  # past the decoder's recursion
# what a client can put in a header at all: one line of Latin-1
_one_line = st.characters(min_codepoint=32, max_codepoint=126)
header_values = st.one_of(
    st.sampled_from([v for v in NASTY if v.isascii() and v.isprintable()]),
    st.text(alphabet=_one_line, max_size=40),
    st.integers().map(str),
)


def _routes(app):
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods):
            found.append((rule, method))
    return found


@pytest.fixture
def fuzz_target(app, services, tokens):
    record = uploads.receive(services, io.BytesIO(tiny_png(1)), "a.png", META, "archivist")
    return app, tokens, record.id


def _path_values(rule, record_id, draw):
    chosen = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        if isinstance(rule._converters[name], IntegerConverter):
            chosen[name] = draw(st.sampled_from([0, 1, 2, 999, 2**63 - 1, 2**63, 2**64]))
        elif converter == "AnyConverter":
            chosen[name] = draw(st.sampled_from(sorted(rule._converters[name].items)))
        elif name == "record_id":
            chosen[name] = draw(st.sampled_from([record_id, "0" * 32, "x", "²" * 32]))
        else:
            chosen[name] = draw(st.text(alphabet=PATH_CHARACTERS, min_size=1, max_size=20))
    return chosen


def _browser(app, username):
    """A client logged in through the login form (a session cookie), and its CSRF token."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    page = client.get("/account/tokens").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_no_route_answers_500_whatever_it_is_asked_and_the_server_keeps_serving(fuzz_target):
    app, tokens, record_id = fuzz_target
    routes = _routes(app)
    browsers = {role: _browser(app, role.value.replace("_", "-")) for role in Role}
    names = st.sampled_from(["Tus-Resumable", "Upload-Length", "Upload-Offset",
                             "Upload-Metadata", "Accept-Language", "Content-Type"])  # fmt: skip

    @settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1000")),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def one_request(data):
        rule, method = data.draw(st.sampled_from(routes))
        url = rule.build(_path_values(rule, record_id, data.draw), append_unknown=False)[1]
        caller = data.draw(callers)
        by_cookie = caller is not None and data.draw(st.booleans())
        client, csrf_token = browsers[caller] if by_cookie else (app.test_client(), "")
        headers = bearer(tokens[caller.value]) if caller and not by_cookie else {}
        headers.update(data.draw(st.dictionaries(names, header_values, max_size=3)))
        kwargs = {"query_string": data.draw(params), "headers": headers}
        body = data.draw(st.sampled_from(["none", "form", "json", "deep json"]))
        if method in {"POST", "PATCH", "DELETE", "PUT"} and body == "form":
            form = data.draw(params)
            if by_cookie and data.draw(st.booleans()):
                form["csrf_token"] = csrf_token
            kwargs["data"] = form
        elif method in {"POST", "PATCH", "DELETE", "PUT"} and body.endswith("json"):
            if body == "deep json":
                kwargs.update(data=DEEP_JSON, content_type="application/json")
            else:
                kwargs["json"] = data.draw(json_bodies)
            if by_cookie and data.draw(st.booleans()):
                headers["X-CSRFToken"] = csrf_token
        response = client.open(url, method=method, **kwargs)
        response.close()
        assert response.status_code < 500, (method, url, kwargs)

    one_request()
    # the same app, after everything it was asked: it still answers
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    found = client.get("/api/v1/search?q=suara", headers=bearer(tokens["auditor"]))
    assert found.status_code == 200


def test_a_row_id_past_what_a_database_holds_is_not_found_on_any_route(app, tokens):
    """``<int:...>`` of 2**63: SQLite and PostgreSQL refuse the number itself, which was a
    500 (OverflowError) on every route that looks a row up by it."""
    client = app.test_client()
    asked = 0
    for rule, method in _routes(app):
        numbers = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not numbers or method in {"HEAD", "OPTIONS"}:
            continue
        values = {name: 2**63 for name in numbers}
        for name in set(rule.arguments) - set(numbers):
            converter = rule._converters[name]
            values[name] = (
                sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "x"
            )
        url = rule.build(values, append_unknown=False)[1]
        response = client.open(url, method=method, headers=bearer(tokens["admin"]))
        assert response.status_code in (404, 405), (method, url)  # 405: another rule has the path
        asked += 1
    assert asked >= 10


@pytest.mark.parametrize("path", ["/api/v1/holds", "/api/v1/batches", "/api/v1/saved-searches"])
def test_a_json_body_nested_past_the_decoder_is_read_as_a_bad_body(app, tokens, path):
    """The decoder's RecursionError is not the ValueError Flask takes for a bad body, and
    was a 500. Now it is what any unreadable body is on that route: refused where a body
    is needed, none where it is optional (a batch takes its defaults)."""
    client = app.test_client()
    answers = [
        client.post(path, data=body, content_type="application/json",
                    headers=bearer(tokens["admin"])).status_code
        for body in (DEEP_JSON, "{not json")
    ]  # fmt: skip
    assert answers[0] == answers[1] and answers[0] in (201, 400), answers


# The language switch is public so the login page can offer it (docs/security.md).
PUBLIC = {
    "auth.login", "health.healthz", "api.uploads.upload_options", "static", "language.choose",
}  # fmt: skip


def test_every_route_is_public_or_role_checked_and_never_both(app):
    """Public routes are a short, named list; every other route checks the role on the server
    (whether the caller came with a session cookie or a bearer token)."""
    kinds = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        kinds[rule.endpoint] = (
            "public" if rule.endpoint == "static" else getattr(view, "access", None)
        )
    assert None not in kinds.values(), [e for e, k in kinds.items() if k is None]
    assert {e for e, k in kinds.items() if k == "public"} == PUBLIC


def test_a_view_marked_both_public_and_role_checked_is_refused_at_import():
    from archive_app.domain.roles import Permission
    from archive_app.http.security import public, requires

    def view():
        return ""

    with pytest.raises(TypeError, match="both"):
        requires(Permission.READ)(public(view))
