"""The audit trail as people read it: a record named by its title and linked to its page,
actions in Indonesian with the code kept beside them, details as labelled fields, and a
date range that combines with the other filters and with "Lebih lama"; bad dates are told
in words, never a 500. The titles of a whole page come from one query."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, text

from archive_app.domain.audit import AuditEntry
from archive_app.recordkeeping import holds
from tests.conftest import bearer
from tests.integration.records_helpers import add

ROW_ID = re.compile(r"<tr>\s*<td>(\d+)</td>")
OLDER = re.compile(r'<a href="([^"]+)">Lebih lama »</a>')


@pytest.fixture
def auditor(tokens):
    return bearer(tokens["auditor"])


def _at(services, day: str, actor: str = "lina", action: str = "download", n: int = 1):
    start = datetime.fromisoformat(day)
    services.metadata.audit.append_many(
        [AuditEntry(start + timedelta(minutes=i), actor, action, f"user:{actor}") for i in range(n)]
    )


def test_a_records_entries_show_its_title_linked_to_its_page(client, services, auditor):
    """GIVEN a record uploaded and placed on hold WHEN an auditor opens /audit THEN the upload
    names the record by form, election, year, place and TPS, linked to its page (the hex id
    only in the tooltip); the hold and the user are named in words; actions are Indonesian
    phrases with the code in the title; details are a definition list with Indonesian labels."""
    record_id = add(services, 1, tps=7, village="Papahan")
    hold_id = holds.place(services, reason="Sengketa", case_ref="PHPU 1/2024",
                          document_ids=[record_id], actor="records-officer")  # fmt: skip
    page = client.get("/audit", headers=auditor).get_data(as_text=True)

    link = re.search(rf'<a href="/documents/{record_id}" title="document:{record_id}">([^<]+)</a>',
                     page)  # fmt: skip
    assert link, "the record's entry links to its page"
    assert html.unescape(link.group(1)) == (
        "C.KEJADIAN PPWP 2014 · Papahan, Kec. Jaten, Karanganyar · TPS 007"
    )
    assert f">document:{record_id}<" not in page
    assert f'title="hold:{hold_id}">Penahanan no. {hold_id}</a>' in page
    assert 'title="upload" data-action="upload">Mengunggah dokumen</a>' in page
    assert 'title="hold.place" data-action="hold.place">Menahan dokumen</a>' in page
    assert '<dt title="case_ref">Nomor perkara</dt><dd>PHPU 1/2024</dd>' in page
    shown = re.sub(r"<script.*?</script>", "", page, flags=re.S)  # the scripts' words are JSON
    assert "{&#34;" not in shown and '{"' not in shown  # no raw JSON left


def test_the_api_keeps_codes_and_adds_the_words(client, services, auditor):
    """GIVEN an upload WHEN GET /api/v1/audit THEN each entry keeps its ``action`` code and
    adds its Indonesian ``label``."""
    add(services, 1)
    entries = client.get("/api/v1/audit?action=upload", headers=auditor).get_json()["entries"]
    assert [(e["action"], e["label"]) for e in entries] == [("upload", "Mengunggah dokumen")]


def test_a_date_range_takes_both_days_and_combines_with_actor(client, services, auditor):
    """GIVEN entries on 1, 2, 3 and 4 March by two people WHEN an auditor asks for 2 to 3 March
    by lina, on the page, over the API and in the CSV THEN only lina's of those two days."""
    for day in ("2024-03-01", "2024-03-02T23:59:59", "2024-03-03", "2024-03-04"):
        _at(services, day, "lina")
        _at(services, day, "budi")
    wanted = [e["id"] for e in services.metadata.audit.list(actor="lina")][1:3]

    page = client.get("/audit?actor=lina&from=2024-03-02&to=2024-03-03", headers=auditor)
    assert page.status_code == 200
    assert [int(i) for i in ROW_ID.findall(page.get_data(as_text=True))] == wanted

    api = client.get("/api/v1/audit?actor=lina&from=2024-03-02&to=2024-03-03", headers=auditor)
    assert [e["id"] for e in api.get_json()["entries"]] == wanted
    only_from = client.get("/api/v1/audit?actor=lina&from=2024-03-03", headers=auditor)
    assert len(only_from.get_json()["entries"]) == 2

    csv = client.get("/audit/export.csv?actor=lina&from=2024-03-02&to=2024-03-03",
                     headers=auditor).get_data(as_text=True)  # fmt: skip
    assert [int(line.split(",")[0]) for line in csv.splitlines()[1:]] == wanted


def test_lebih_lama_keeps_the_date_range_and_visits_each_entry_once(client, services, auditor):
    """GIVEN 230 downloads on one day between others WHEN an auditor filters that day and
    follows "Lebih lama" THEN the pages show those 230 once each, newest first, nothing else."""
    _at(services, "2024-05-01", n=5)
    _at(services, "2024-05-02", n=230)
    _at(services, "2024-05-03", n=5)
    since = datetime(2024, 5, 2)
    wanted = [e["id"] for e in services.metadata.audit.list(limit=1000)
              if since <= e["at"] < since + timedelta(days=1)]  # fmt: skip
    path, shown, pages = "/audit?action=download&from=2024-05-02&to=2024-05-02", [], 0
    while path:
        body = client.get(path, headers=auditor).get_data(as_text=True)
        shown += [int(i) for i in ROW_ID.findall(body)]
        found = OLDER.search(body)
        path = html.unescape(found.group(1)) if found else ""
        assert not found or "from=2024-05-02" in path
        pages += 1
    assert (shown, pages) == (wanted, 3)


@pytest.mark.parametrize(
    "query, field",
    [("from=2024-13-45", "from"), ("to=kemarin", "to"), ("from=2024-03-05&to=2024-03-01", "from"),
     ("from=99999-01-01", "from"), ("to=9999-12-31", "to")],
)  # fmt: skip
def test_a_bad_date_is_told_in_words_not_a_500(client, services, auditor, query, field):
    """GIVEN a date that is not one, or a range that ends before it starts WHEN asked on the
    page, over the API or for the CSV THEN a 400 that says what is wrong."""
    page = client.get(f"/audit?{query}", headers=auditor)
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert f'id="a-{field}-error" role="alert">' in body and 'aria-invalid="true"' in body
    assert "Perbaiki tanggal" in body
    api = client.get(f"/api/v1/audit?{query}", headers=auditor)
    assert api.status_code == 400 and field in api.get_json()["fields"]
    assert client.get(f"/audit/export.csv?{query}", headers=auditor).status_code == 400


def test_a_page_of_titles_is_read_in_one_query(client, services, auditor):
    """GIVEN 30 records, each uploaded and viewed WHEN an auditor opens /audit THEN the
    records named on the page are read from the documents table in one query, not one each."""
    for n in range(1, 31):
        add(services, n)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = services.metadata.engines.read
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get("/audit?action=upload", headers=auditor).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert page.count('href="/documents/') == 30
    reads = [s for s in statements if re.search(r"FROM documents\b", s)]
    assert len(reads) == 1, reads


def test_a_date_range_is_read_from_the_index_on_time(services):
    """GIVEN the trail's table WHEN only dates filter it THEN SQLite reads the range from the
    index on ``at`` (a day's page costs what that day holds, not the whole trail)."""
    _at(services, "2024-05-02", n=3)
    with services.metadata.engines.read.connect() as conn:
        plan = conn.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE at >= :a AND at < :b "
                "ORDER BY id DESC LIMIT 101"
            ),
            {"a": datetime(2024, 5, 2), "b": datetime(2024, 5, 3)},
        ).fetchall()
    assert "ix_audit_events_at" in " ".join(str(row[-1]) for row in plan)


def test_the_cli_export_takes_the_same_dates(services, settings):
    """GIVEN entries on two days WHEN ``archive audit export --from --to`` names one THEN the
    CSV holds that day's entries; a bad date is refused with the reason."""
    _at(services, "2024-03-01", n=2)
    _at(services, "2024-03-02", n=3)
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}

    def export(*args):
        return subprocess.run([sys.executable, "-m", "archive_app", "audit", "export", *args],
                              env=env, capture_output=True, text=True, timeout=120)  # fmt: skip

    done = export("--from", "2024-03-02", "--to", "2024-03-02")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1 + 3
    refused = export("--from", "2024-02-30")
    assert refused.returncode == 2 and "Tanggal tidak dikenali" in refused.stderr
