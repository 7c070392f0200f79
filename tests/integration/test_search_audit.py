"""An API search and its audit entry: written beside the answer (http.audit_reads.SearchNote),
yet committed before the answer leaves, and a search whose entry fails is not answered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from archive_app import accounts
from archive_app.audit import checkpoints
from archive_app.db.interfaces import MetadataUnavailable
from archive_app.db.models import ApiTokenRow, RecordRow
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.records import indexing
from tests.conftest import bearer
from tests.integration.records_helpers import add


def _ready(services, n: int) -> list[str]:
    ids = [add(services, i, tps=i) for i in range(1, n + 1)]
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id.in_(ids)).values(status="ready"))
    assert indexing.index_records(services, ids)
    return ids


def test_given_a_search_when_answered_then_its_entry_is_already_in_the_chain(
    client, services, tokens
):
    """GIVEN three indexed records WHEN an auditor searches over the API THEN by the time
    the answer arrives its entry is committed, with the query as asked and the hit count,
    and the chain still verifies."""
    ids = _ready(services, 3)
    response = client.get("/api/v1/search?village=papahan&tps=", headers=bearer(tokens["auditor"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 3 and sorted(h["id"] for h in body["hits"]) == sorted(ids)
    entry = services.metadata.audit.list(action="search", actor="auditor", limit=1)[0]
    assert entry["details"] == {"query": {"village": "papahan"}, "hits": 3, "via": "api"}
    assert checkpoints.verify(services).ok


def test_given_the_trail_cannot_be_written_when_searching_then_no_hits_are_answered(
    client, services, tokens, monkeypatch
):
    """GIVEN an indexed record and an audit trail that refuses writes WHEN an auditor
    searches over the API THEN the answer is the 503 of a database away, with no hits,
    as when the entry was written after the search on the request's own thread."""
    _ready(services, 1)

    def refuse(entry):
        raise MetadataUnavailable("metadata database unavailable: disk I/O error")

    monkeypatch.setattr(services.metadata.audit, "append", refuse)
    response = client.get("/api/v1/search?village=papahan", headers=bearer(tokens["auditor"]))
    assert response.status_code == 503
    assert "hits" not in response.get_json()


def test_given_a_bad_cursor_when_searching_then_refused_and_not_audited(client, services, tokens):
    """GIVEN a cursor this server never gave out WHEN it is sent THEN 400, and no search
    entry is written (the engine was never asked)."""
    response = client.get("/api/v1/search?cursor=forged", headers=bearer(tokens["auditor"]))
    assert response.status_code == 400
    assert services.metadata.audit.list(action="search") == []


def test_given_revoked_or_expired_tokens_when_searching_then_refused(client, services, tokens):
    """GIVEN the token lookup reads plain columns WHEN a token is revoked or past its expiry
    THEN it no longer authenticates; a live one does, and its last use is kept."""
    auth, mine = bearer(tokens["auditor"]), accounts.hash_token(tokens["auditor"])
    assert client.get("/api/v1/search", headers=auth).status_code == 200
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(ApiTokenRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/api/v1/search", headers=auth).status_code == 401
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(ApiTokenRow).values(expires_at=None, revoked_at=utcnow()))
    assert client.get("/api/v1/search", headers=auth).status_code == 401
    with Sessions(services.metadata.engines).read() as s:
        used = s.scalar(select(ApiTokenRow.last_used_at).where(ApiTokenRow.token_hash == mine))
    assert used is not None


def test_given_the_search_page_when_searched_then_the_same_entry_and_none_for_the_bare_page(
    client, services, tokens, monkeypatch
):
    """GIVEN the search page WHEN opened bare THEN no entry (browsing); WHEN searched THEN
    the same entry as the API's, committed before the page is answered; and a trail that
    refuses writes fails the page as it fails the API."""
    _ready(services, 2)
    auditor = bearer(tokens["auditor"])
    assert client.get("/", headers=auditor).status_code == 200
    assert services.metadata.audit.list(action="search") == []
    assert client.get("/?village=papahan&q=", headers=auditor).status_code == 200
    entry = services.metadata.audit.list(action="search", actor="auditor", limit=1)[0]
    assert entry["details"] == {"query": {"village": "papahan"}, "hits": 2, "via": "web"}

    def refuse(entry):
        raise MetadataUnavailable("metadata database unavailable: disk I/O error")

    monkeypatch.setattr(services.metadata.audit, "append", refuse)
    response = client.get("/?village=papahan", headers=auditor)
    assert response.status_code == 503
