"""MetadataStore contract: users, records, job leases and the audit chain behave the same on
every database."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from archive_app.db.interfaces import DuplicateDocument
from archive_app.domain.audit import GENESIS, AuditEntry, entry_hash
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import NewDocument, Page, StoredFile
from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.records import IndexState, Status
from archive_app.domain.roles import Role

META = RecordMetadata("PPWP", "C.HASIL", 2024, "Jawa Tengah", "Karanganyar", "Jaten", "Papahan", 5)


def new_doc(sha: str | None = None) -> NewDocument:
    return NewDocument(
        id=uuid.uuid4().hex,
        sha256=sha or uuid.uuid4().hex * 2,
        metadata=META,
        kind="pdf",
        original_name="scan.pdf",
        size=10,
        page_count=2,
        created_by="ani",
    )


def queued(store, sha=None) -> str:
    doc = new_doc(sha)
    store.documents.begin_upload(doc)
    store.documents.complete_upload(doc.id, [StoredFile("original", f"k/{doc.id}", "a" * 64, 10)])
    return doc.id


PAGE = Page(1, "ocr", "suara sah", 91.5, 2, 0, 2480, 3508)


def test_users_and_tokens(metadata_store):
    users = metadata_store.users
    ani = users.create("Ani", "hash", Role.ARCHIVIST)
    assert users.by_name("ani").id == ani.id and users.count() == 1
    token = users.create_token(ani.id, "scanner", "t" * 64)
    assert users.user_for_token("t" * 64).username == "ani"
    assert users.revoke_token(ani.id, token.id)
    assert users.user_for_token("t" * 64) is None
    assert users.update("ani", role=Role.AUDITOR, active=False).role is Role.AUDITOR


def test_a_reserved_upload_is_invisible_until_completed(metadata_store):
    docs = metadata_store.documents
    doc = new_doc()
    docs.begin_upload(doc)
    assert docs.get(doc.id) is None and docs.list() == []
    docs.complete_upload(doc.id, [StoredFile("original", "k/1", "a" * 64, 10)])
    assert docs.get(doc.id).status is Status.QUEUED
    assert [f.role for f in docs.files(doc.id)] == ["original"]


def test_the_same_bytes_twice_is_a_duplicate_naming_the_first(metadata_store):
    first = queued(metadata_store, "b" * 64)
    with pytest.raises(DuplicateDocument) as exc:
        metadata_store.documents.begin_upload(new_doc("b" * 64))
    assert exc.value.existing_id == first


def test_abandoned_upload_leaves_no_row(metadata_store):
    doc = new_doc()
    metadata_store.documents.begin_upload(doc)
    metadata_store.documents.abandon_upload(doc.id)
    assert metadata_store.documents.by_sha256(doc.sha256) is None


def test_only_one_of_many_concurrent_claims_wins(metadata_store):
    doc_id = queued(metadata_store)
    winners = []

    def claim(n):
        if metadata_store.documents.claim(doc_id, f"host:1:{n}", 60):
            winners.append(n)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_an_expired_lease_can_be_reclaimed_and_the_old_owner_cannot_finish(metadata_store):
    docs = metadata_store.documents
    doc_id = queued(metadata_store)
    assert docs.claim(doc_id, "old", 60)
    assert docs.claim(doc_id, "new", 60) is None
    docs.expire_lease(doc_id, "old")
    assert doc_id in docs.reclaimable(utcnow(), None)
    assert docs.claim(doc_id, "new", 60).attempts == 2
    with pytest.raises(LookupError):
        docs.finish(doc_id, "old", [PAGE], [], 90.0)
    docs.finish(doc_id, "new", [PAGE], [StoredFile("pdf", "k/p", "c" * 64, 5)], 91.5)
    doc = docs.get(doc_id)
    assert doc.status is Status.READY and doc.index_state is IndexState.PENDING
    assert docs.pages(doc_id) == [PAGE]


def test_failures_are_final_or_requeued_and_retry_resets(metadata_store):
    docs = metadata_store.documents
    doc_id = queued(metadata_store)
    docs.claim(doc_id, "w", 60)
    docs.fail(doc_id, "w", "backend away", final=False, count_attempt=False)
    doc = docs.get(doc_id)
    assert doc.status is Status.QUEUED and doc.attempts == 0
    docs.claim(doc_id, "w", 60)
    docs.fail(doc_id, "w", "bad scan", final=True)
    assert docs.get(doc_id).status is Status.FAILED and docs.get(doc_id).error == "bad scan"
    assert docs.requeue(doc_id) and docs.get(doc_id).status is Status.QUEUED
    assert not docs.requeue(doc_id)


def test_index_bookkeeping_keeps_later_edits_pending(metadata_store):
    docs = metadata_store.documents
    doc_id = queued(metadata_store)
    docs.claim(doc_id, "w", 60)
    docs.finish(doc_id, "w", [PAGE], [], 90.0)
    assert docs.pending_index(10) == [doc_id]
    # read before the last change: not marked, and named so the writer indexes it again
    assert docs.mark_indexed([doc_id], utcnow() - timedelta(hours=1)) == [doc_id]
    assert docs.pending_index(10) == [doc_id]
    assert docs.mark_indexed([doc_id, "no-such-id"], utcnow()) == ["no-such-id"]
    assert docs.pending_index(10) == []


def test_iter_ready_yields_bounded_batches_with_pages(metadata_store):
    docs = metadata_store.documents
    ids = []
    for _ in range(5):
        doc_id = queued(metadata_store)
        docs.claim(doc_id, "w", 60)
        docs.finish(doc_id, "w", [PAGE], [], 90.0)
        ids.append(doc_id)
    batches = list(docs.iter_ready(2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert sorted(d.id for b in batches for d, _ in b) == sorted(ids)
    assert all(pages == [PAGE] for b in batches for _, pages in b)


def test_audit_entries_form_a_hash_chain_even_with_concurrent_writers(metadata_store):
    def write(n):
        for i in range(5):
            metadata_store.audit.append(AuditEntry(utcnow(), f"user{n}", "view", f"doc:{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = list(reversed(metadata_store.audit.list(limit=100)))
    assert len(rows) == 20
    from sqlalchemy import select

    from archive_app.db.models import AuditRow

    with metadata_store.engines.read.connect() as conn:
        stored = conn.execute(select(AuditRow).order_by(AuditRow.id)).all()
    prev = GENESIS
    for row in stored:
        entry = AuditEntry(row.at, row.actor, row.action, row.target, row.ip, {})
        assert row.prev_hash == prev and row.hash == entry_hash(entry, prev)
        prev = row.hash
