"""Saved searches: save the search shown, list and run them, delete your own; audited."""

from __future__ import annotations

import re

import pytest

from archive_app import accounts
from archive_app.domain.clock import utcnow
from archive_app.domain.roles import Role
from tests.conftest import PASSWORD, bearer


def _csrf(client, path="/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def ani(client, tokens):
    """The archivist, logged in with a browser session (cookie and CSRF token)."""
    client.post(
        "/login",
        data={"username": "archivist", "password": PASSWORD, "csrf_token": _csrf(client, "/login")},
    )
    return client


def _save(client, name, shared=False, **params):
    form = {"name": name, "csrf_token": _csrf(client), **params}
    if shared:
        form["shared"] = "1"
    return client.post("/saved-searches", data=form)


def test_a_search_saved_on_the_page_is_listed_runs_and_is_audited(ani, services):
    """GIVEN a filtered, sorted search WHEN it is saved with a name THEN the page lists it,
    its link runs the same search (without page or cursor), and the save is audited."""
    answer = _save(ani, "  Kelapamuda   per TPS ", q="suara", village="Kelapamuda", sort="tps",
                   page="3")  # fmt: skip
    assert answer.status_code == 303
    page = ani.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Pencarian \u201cKelapamuda per TPS\u201d disimpan." in page
    link = re.search(r'<a href="(/saved-searches/\d+)">Kelapamuda per TPS</a>', page).group(1)
    run = ani.get(link)
    assert run.status_code == 302
    assert run.headers["Location"] == "/?q=suara&village=Kelapamuda&sort=tps"
    entries = services.metadata.audit.list(action="saved_search.save")
    assert entries and entries[0]["actor"] == "archivist"
    assert entries[0]["details"]["query"] == {"q": "suara", "village": "Kelapamuda", "sort": "tps"}


@pytest.mark.parametrize(
    "name, message",
    [("   ", "Beri nama pencarian ini"), ("x" * 81, "Nama paling panjang 80 karakter")],
)
def test_a_missing_or_too_long_name_is_refused_with_a_clear_message(ani, services, name, message):
    answer = _save(ani, name, q="suara")
    page = ani.get(answer.headers["Location"]).get_data(as_text=True)
    assert message in page and "Pencarian tidak disimpan" in page
    assert services.metadata.saved_searches.visible_to("archivist") == []


def test_saving_without_the_csrf_token_is_refused(ani, services):
    answer = ani.post("/saved-searches", data={"name": "Tanpa token", "q": "suara"})
    assert answer.status_code == 400
    assert services.metadata.saved_searches.visible_to("archivist") == []


def test_only_the_owner_deletes_and_an_admin_may_delete_shared_ones(client, services, tokens):
    """GIVEN the archivist's private and shared searches WHEN the auditor tries to delete
    them THEN both are refused (the private one is not even visible); the admin may delete
    the shared one only; the owner deletes her own, and each delete is audited."""
    repo = services.metadata.saved_searches
    private = repo.save("archivist", "Pribadi", {"q": "a"}, False, _now())
    shared = repo.save("archivist", "Bersama", {"q": "b"}, True, _now())
    auditor, admin = bearer(tokens["auditor"]), bearer(tokens["admin"])
    url = "/api/v1/saved-searches/{}".format
    assert client.delete(url(private.id), headers=auditor).status_code == 404
    assert client.delete(url(shared.id), headers=auditor).status_code == 403
    assert client.delete(url(private.id), headers=admin).status_code == 404
    assert client.delete(url(shared.id), headers=admin).status_code == 204
    owner = bearer(tokens["archivist"])
    assert client.delete(url(private.id), headers=owner).status_code == 204
    assert repo.visible_to("archivist") == []
    deleted = services.metadata.audit.list(action="saved_search.delete")
    assert sorted(e["actor"] for e in deleted) == ["admin", "archivist"]


def test_the_page_offers_delete_only_where_it_is_allowed(ani, services):
    repo = services.metadata.saved_searches
    repo.save("archivist", "Punya saya", {"q": "a"}, False, _now())
    repo.save("auditor", "Dari auditor", {"q": "b"}, True, _now())
    repo.save("auditor", "Rahasia auditor", {"q": "c"}, False, _now())
    page = ani.get("/").get_data(as_text=True)
    assert "Punya saya" in page and "Dari auditor" in page and "Rahasia auditor" not in page
    assert "Hapus pencarian tersimpan Punya saya" in page
    assert "Hapus pencarian tersimpan Dari auditor" not in page
    other = repo.visible_to("auditor")[0]
    answer = ani.post(f"/saved-searches/{other.id}/delete", data={"csrf_token": _csrf(ani)})
    assert answer.status_code == 303 and len(repo.visible_to("auditor")) == 2
    mine = next(s for s in repo.visible_to("archivist") if s.name == "Punya saya")
    answer = ani.post(f"/saved-searches/{mine.id}/delete", data={"csrf_token": _csrf(ani)})
    page = ani.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Pencarian \u201cPunya saya\u201d dihapus." in page


def test_a_private_search_of_someone_else_does_not_run(client, services, tokens):
    saved = services.metadata.saved_searches.save("auditor", "R", {"q": "c"}, False, _now())
    answer = client.get(f"/saved-searches/{saved.id}", headers=bearer(tokens["archivist"]))
    assert answer.status_code == 404
    assert client.get("/saved-searches/99999999999999999999",
                      headers=bearer(tokens["archivist"])).status_code == 404  # fmt: skip


def test_the_api_saves_lists_and_refuses_bad_input(client, services, tokens):
    auth = bearer(tokens["auditor"])
    body = {"name": "Per wilayah", "query": {"province": "Jawa Tengah", "sort": "region",
                                            "page": "4"}, "shared": True}  # fmt: skip
    created = client.post("/api/v1/saved-searches", json=body, headers=auth)
    assert created.status_code == 201
    assert created.get_json()["query"] == {"province": "Jawa Tengah", "sort": "region"}
    listed = client.get("/api/v1/saved-searches", headers=bearer(tokens["archivist"])).get_json()
    assert [(s["name"], s["shared"], s["deletable"]) for s in listed["saved_searches"]] == [
        ("Per wilayah", True, False)
    ]
    empty = client.post("/api/v1/saved-searches", json={"name": "", "query": {}}, headers=auth)
    assert empty.status_code == 400 and "name" in empty.get_json()["fields"]
    bad = {"name": "Salah", "query": {"sort": "acak"}}
    answer = client.post("/api/v1/saved-searches", json=bad, headers=auth)
    assert answer.status_code == 400 and "sort" in answer.get_json()["fields"]
    assert client.post("/api/v1/saved-searches", json=[1], headers=auth).status_code == 400


def test_every_role_may_save_and_nobody_anonymous(client, services, tokens):
    for role in Role:
        answer = client.post("/api/v1/saved-searches", json={"name": role.value, "query": {}},
                             headers=bearer(tokens[role.value]))  # fmt: skip
        assert answer.status_code == 201, role
    assert client.post("/api/v1/saved-searches", json={"name": "x"}).status_code == 401
    accounts.update_user(services, "auditor", "test", active=False)
    answer = client.get("/api/v1/saved-searches", headers=bearer(tokens["auditor"]))
    assert answer.status_code == 401


def _now():
    return utcnow()


def test_a_query_too_long_to_be_a_search_is_refused_and_not_sent_back_as_an_address(
    ani, client, services, tokens
):
    """A 100 kB q arrived in a saved search's form and came back as a 100 kB Location."""
    answer = _save(ani, "Panjang", q="suara " * 20_000)
    assert answer.status_code == 303 and len(answer.headers["Location"]) < 4_000
    page = ani.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Pencarian tidak disimpan" in page and "2000" in page.replace(",", "")
    assert services.metadata.saved_searches.visible_to("archivist") == []
    found = client.get("/api/v1/search", query_string={"q": "a " * 1_001},
                       headers=bearer(tokens["auditor"]))  # fmt: skip
    assert found.status_code == 400 and found.get_json()["error"]
