"""Records management through the JSON API and the pages: holds, four-eyes disposition,
the retention block of a record, the audit trail (views, searches, CSV export), the record
page (retention, fixity, timeline) and the schedule editor."""

from __future__ import annotations

import csv
import io
import time

import pytest

from archive_app.intake import uploads
from archive_app.recordkeeping import fixity, retention
from tests.conftest import bearer
from tests.integration.records_helpers import META, add


@pytest.fixture
def archive(services, tokens):
    retention.ensure_schedule(services, "test")
    return services


@pytest.fixture
def officer(tokens):
    return bearer(tokens["records_officer"])


def api_doc(client, headers, record_id) -> dict:
    response = client.get(f"/api/v1/documents/{record_id}", headers=headers)
    assert response.status_code == 200
    return response.get_json()


# --- the JSON API -----------------------------------------------------------------------------


def test_get_document_carries_its_retention_state_dates_and_holds(client, archive, tokens):
    """GIVEN a due record and a permanent one WHEN read over the API THEN each carries the
    retention block with ISO dates, and a hold shows up in it."""
    due, kept = add(archive, 1), add(archive, 2, form_type="C.HASIL", year=2024)
    auditor = bearer(tokens["auditor"])
    block = api_doc(client, auditor, due)["retention"]
    assert block["state"] == "due" and block["action"] == "destroy"
    assert block["changes_at"] is None and block["holds"] == []
    assert block["series"] == "KEJADIAN" and block["inactive_until"] == "2019-07-09"
    block = api_doc(client, auditor, kept)["retention"]
    assert (block["state"], block["action"], block["changes_at"]) == ("active", None, "2029-02-14")

    response = client.post(
        "/api/v1/holds",
        json={"document_ids": [due], "reason": "Sengketa", "case_ref": "PHPU 1/2024"},
        headers=bearer(tokens["records_officer"]),
    )
    hold_id = response.get_json()["id"]
    block = api_doc(client, auditor, due)["retention"]
    assert block["state"] == "on_hold" and block["action"] is None
    assert block["holds"] == [{"id": hold_id, "reason": "Sengketa", "case_ref": "PHPU 1/2024"}]


def test_records_officer_holds_chosen_records_and_a_search_over_the_api(
    client, archive, officer, tokens
):
    """GIVEN records in two villages WHEN an officer holds one record by id and then every
    record of a village by query THEN both are 201 and the records are on hold; other roles
    get 403 and incomplete requests 400."""
    one, suruh, papahan = add(archive, 1), add(archive, 2, village="Suruh"), add(archive, 3)
    by_id = client.post(
        "/api/v1/holds",
        json={"document_ids": [one], "reason": "Sengketa", "case_ref": "PHPU 1/2024"},
        headers=officer,
    )
    assert by_id.status_code == 201 and by_id.get_json()["records"] == 1
    by_query = client.post(
        "/api/v1/holds",
        json={
            "query": {"village": "Suruh", "election": "PPWP"},
            "reason": "Sengketa desa Suruh",
            "case_ref": "PHP 7/2024",
        },
        headers=officer,
    )
    assert by_query.status_code == 201, by_query.get_json()
    records = archive.metadata.records
    assert records.get(one).retention_state == "on_hold"
    assert records.get(suruh).retention_state == "on_hold"
    assert records.get(papahan).retention_state == "due"
    listed = client.get("/api/v1/holds?active=true", headers=bearer(tokens["auditor"]))
    assert {h["case_ref"] for h in listed.get_json()["holds"]} == {"PHPU 1/2024", "PHP 7/2024"}
    detail = client.get(f"/api/v1/holds/{by_query.get_json()['id']}", headers=officer)
    assert detail.get_json()["document_ids"] == [suruh]
    assert detail.get_json()["query"] == {"village": "Suruh", "election": "PPWP"}

    body = {"document_ids": [papahan], "reason": "x", "case_ref": "y"}
    for role in ("archivist", "auditor", "approver"):
        refused = client.post("/api/v1/holds", json=body, headers=bearer(tokens[role]))
        assert refused.status_code == 403, role
    for bad in (
        {"document_ids": [papahan], "case_ref": "y"},  # no reason
        {"document_ids": ["0" * 32], "reason": "x", "case_ref": "y"},  # unknown record
        {"query": {"tps": "abc"}, "reason": "x", "case_ref": "y"},  # QueryError
        {"query": {"colour": "red"}, "reason": "x", "case_ref": "y"},  # not a search field
        {"document_ids": [papahan], "query": {"village": "x"}, "reason": "x", "case_ref": "y"},
    ):
        response = client.post("/api/v1/holds", json=bad, headers=officer)
        assert response.status_code == 400 and response.get_json()["error"], bad


def test_releasing_a_hold_needs_a_reason_and_happens_once(client, archive, officer, tokens):
    record_id = add(archive, 1)
    hold_id = client.post(
        "/api/v1/holds",
        json={"document_ids": [record_id], "reason": "Sengketa", "case_ref": "PHPU 1/2024"},
        headers=officer,
    ).get_json()["id"]
    assert client.delete(f"/api/v1/holds/{hold_id}", json={}, headers=officer).status_code == 400
    refused = client.delete(
        f"/api/v1/holds/{hold_id}", json={"reason": "x"}, headers=bearer(tokens["auditor"])
    )
    assert refused.status_code == 403
    released = client.delete(
        f"/api/v1/holds/{hold_id}", json={"reason": "Putusan MK inkracht"}, headers=officer
    )
    assert released.status_code == 200
    assert released.get_json()["active"] is False
    assert released.get_json()["release_reason"] == "Putusan MK inkracht"
    assert archive.metadata.records.get(record_id).retention_state == "due"
    again = client.delete(f"/api/v1/holds/{hold_id}", json={"reason": "again"}, headers=officer)
    assert again.status_code == 409
    assert (
        client.delete("/api/v1/holds/999", json={"reason": "x"}, headers=officer).status_code == 404
    )


def test_four_eyes_disposition_over_the_api(client, archive, officer, tokens):
    """GIVEN due records WHEN the officer proposes THEN the officer cannot decide (403 with a
    message), the approver can; only then can the officer execute, and the minutes download."""
    due = [add(archive, n) for n in (1, 2)]
    active = add(archive, 3, form_type="C.HASIL", year=2024)
    approver = bearer(tokens["approver"])
    refused = client.post(
        "/api/v1/dispositions",
        json={"action": "destroy", "document_ids": [*due, active], "comment": "usul"},
        headers=officer,
    )
    assert refused.status_code == 400 and active in refused.get_json()["problems"]
    proposed = client.post(
        "/api/v1/dispositions",
        json={"action": "destroy", "document_ids": due, "comment": "usul musnah 2014"},
        headers=officer,
    )
    assert proposed.status_code == 201
    list_id = proposed.get_json()["id"]
    url = f"/api/v1/dispositions/{list_id}"

    own = client.post(f"{url}/decision", json={"approve": True, "comment": "ok"}, headers=officer)
    assert own.status_code == 403 and own.get_json()["error"] == "disposition.own_list"
    assert client.post(f"{url}/execute", headers=officer).status_code == 409
    no_comment = client.post(f"{url}/decision", json={"approve": True}, headers=approver)
    assert no_comment.status_code == 400
    not_bool = client.post(f"{url}/decision", json={"approve": "yes", "comment": "x"},
                           headers=approver)  # fmt: skip
    assert not_bool.status_code == 400
    approved = client.post(
        f"{url}/decision", json={"approve": True, "comment": "Sesuai JRA"}, headers=approver
    )
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    twice = client.post(f"{url}/decision", json={"approve": False, "comment": "x"},
                        headers=bearer(tokens["admin"]))  # fmt: skip
    assert twice.status_code == 409
    assert client.post(f"{url}/execute", headers=approver).status_code == 403

    executed = client.post(f"{url}/execute", headers=officer)
    assert executed.status_code == 200, executed.get_json()
    body = executed.get_json()
    assert body["status"] == "executed" and body["done"] == 2 and body["skipped"] == 0
    detail = client.get(url, headers=bearer(tokens["auditor"])).get_json()
    assert {i["state"] for i in detail["items"]} == {"done"}
    report = client.get(detail["report"], headers=bearer(tokens["auditor"]))
    assert report.status_code == 200 and report.data[:5] == b"%PDF-"
    assert api_doc(client, officer, due[0])["retention"]["state"] == "disposed"
    assert client.post("/api/v1/dispositions/999/execute", headers=officer).status_code == 404


def test_retention_summary_counts_by_state_and_election(client, archive, tokens):
    add(archive, 1)
    add(archive, 2, form_type="C.HASIL", year=2024)
    body = client.get("/api/v1/retention/summary", headers=bearer(tokens["auditor"])).get_json()
    assert body["by_state"] == {"due": 1, "active": 1}
    assert body["by_election"] == {"PPWP": {"due": 1, "active": 1}}
    assert body["schedule_version"] == 1
    archivist = bearer(tokens["archivist"])
    assert client.get("/api/v1/retention/summary", headers=archivist).status_code == 403


# --- the audit trail --------------------------------------------------------------------------


def test_record_views_and_searches_are_audited(client, archive, tokens):
    """GIVEN a record WHEN it is opened over the API and on its page, and searched for THEN
    each leaves an entry (a reload within a minute does not add another)."""
    record_id = add(archive, 1)
    auditor = bearer(tokens["auditor"])
    api_doc(client, auditor, record_id)
    api_doc(client, auditor, record_id)  # the page's status poll, a reload...
    assert (
        client.get(f"/documents/{record_id}", headers=bearer(tokens["approver"])).status_code == 200
    )
    views = archive.metadata.audit.list(action="record.view", target=f"document:{record_id}")
    assert [(v["actor"], v["details"]["via"]) for v in views] == [
        ("approver", "web"),
        ("auditor", "api"),
    ]
    client.get("/api/v1/search?village=papahan&q=kejadian", headers=auditor)
    client.get("/?election=PPWP", headers=auditor)
    searches = archive.metadata.audit.list(action="search", actor="auditor")
    assert searches[0]["details"]["query"] == {"election": "PPWP"}
    assert searches[0]["details"]["via"] == "web"
    assert searches[1]["details"] == {
        "query": {"village": "papahan", "q": "kejadian"}, "hits": 0, "via": "api",
    }  # fmt: skip


def test_audit_trail_filters_and_csv_export(client, archive, officer, tokens):
    record_id = add(archive, 1)
    client.post(
        "/api/v1/holds",
        json={"document_ids": [record_id], "reason": "Sengketa", "case_ref": "PHPU 1/2024"},
        headers=officer,
    )
    auditor = bearer(tokens["auditor"])
    response = client.get("/audit/export.csv?action=hold.place", headers=auditor)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["actor"], r["action"]) for r in rows] == [("records-officer", "hold.place")]
    assert '"case_ref": "PHPU 1/2024"' in rows[0]["details"]

    target = client.get(f"/audit/export.csv?target=document:{record_id}", headers=auditor)
    actions = {r["action"] for r in csv.DictReader(io.StringIO(target.get_data(as_text=True)))}
    assert "upload" in actions and "hold.place" not in actions
    exported = archive.metadata.audit.list(action="audit.export")
    assert exported[0]["actor"] == "auditor" and exported[0]["details"]["filters"] == {
        "target": f"document:{record_id}"
    }
    page = client.get("/audit?actor=records-officer", headers=auditor)
    assert page.status_code == 200 and b"?action=hold.place" in page.data
    assert b"?action=audit.export" not in page.data  # the auditor's own entry is filtered out
    api = client.get("/api/v1/audit?action=hold.place", headers=auditor).get_json()
    assert [e["target"] for e in api["entries"]] == [rows[0]["target"]]
    assert client.get("/audit", headers=bearer(tokens["archivist"])).status_code == 403


# --- pages ------------------------------------------------------------------------------------


def test_record_page_shows_retention_fixity_and_timeline(client, archive, tokens):
    record_id = add(archive, 1)
    auditor, officer = bearer(tokens["auditor"]), bearer(tokens["records_officer"])
    page = client.get(f"/documents/{record_id}", headers=auditor).get_data(as_text=True)
    assert "jatuh tempo (musnah)" in page and "Inaktif sampai" in page and "2019-07-09" in page
    assert "belum pernah diperiksa" in page
    assert "Jejak audit arsip ini" in page and "upload" in page
    assert "Tahan</a>" not in page  # auditors cannot place holds

    fixity.verify(archive)
    page = client.get(f"/documents/{record_id}", headers=officer).get_data(as_text=True)
    assert "cocok" in page and "TIDAK COCOK" not in page
    assert f"/holds/new?document_ids={record_id}" in page
    archivist = client.get(f"/documents/{record_id}", headers=bearer(tokens["archivist"]))
    assert "jatuh tempo" in archivist.get_data(as_text=True)
    assert "Jejak audit arsip ini" not in archivist.get_data(as_text=True)


def _digest(page: str) -> str:
    """The preview's token the save must carry back."""
    import re

    return re.search(r'name="previewed" value="([0-9a-f]+)"', page).group(1)


def test_schedule_edit_creates_version_two_in_the_history(client, archive, officer, tokens):
    """GIVEN the example schedule WHEN an officer lengthens a series with a comment THEN
    version 2 is in force, listed with who and why, and records are recomputed."""
    record_id = add(archive, 1)
    assert b"KEJADIAN" in client.get("/retention/schedule/edit", headers=officer).data
    rows = retention.schedule_rows(retention.schedule(archive))
    form = {"rows": str(len(rows) + 1)}
    for n, row in enumerate(rows):
        form.update({f"{k}-{n}": v for k, v in row.items() if not isinstance(v, list)})
        form[f"form_types-{n}"] = row["form_types"]
        if row["code"] == "KEJADIAN":
            form[f"inactive_years-{n}"] = "50"
    refused = client.post("/retention/schedule", data=form, headers=officer)
    assert refused.status_code == 400 and "alasan perubahan" in refused.get_data(as_text=True)
    n = len(rows)
    overlap = {**form, "comment": "x", f"code-{n}": "DUP", f"form_types-{n}": ["C.KEJADIAN"],
               f"active_years-{n}": "1", f"inactive_years-{n}": "1",
               f"disposition-{n}": "destroy"}  # fmt: skip
    refused = client.post("/retention/schedule", data=overlap, headers=officer)
    said = refused.get_data(as_text=True)  # the rule's sentence, on an Indonesian page
    assert refused.status_code == 400 and "sama-sama mencakup C.KEJADIAN" in said
    assert archive.metadata.schedules.current().version == 1

    wanted = {**form, "comment": "PKPU baru: inaktif 50 tahun"}
    previewed = client.post("/retention/schedule", data=wanted, headers=officer)
    page = previewed.get_data(as_text=True)
    assert previewed.status_code == 200 and "<b>1</b> arsip inaktif" in page  # nothing saved
    assert archive.metadata.schedules.current().version == 1
    saved = client.post("/retention/schedule", data={**wanted, "previewed": _digest(page)},
                        headers=officer)  # fmt: skip
    assert saved.status_code == 302
    assert archive.metadata.schedules.current().version == 2
    assert archive.metadata.records.get(record_id).retention_state == "inactive"
    page = client.get("/retention/schedule", headers=bearer(tokens["auditor"]))
    text = page.get_data(as_text=True)
    assert "versi 2" in text and "PKPU baru: inaktif 50 tahun" in text and "records-officer" in text
    removed = {**form, "comment": "hapus KEJADIAN"}
    removed[f"remove-{[r['code'] for r in rows].index('KEJADIAN')}"] = "1"
    page = client.post("/retention/schedule", data=removed, headers=officer).get_data(as_text=True)
    removed["previewed"] = _digest(page)
    assert client.post("/retention/schedule", data=removed, headers=officer).status_code == 302
    assert "KEJADIAN" not in {s.code for s in retention.schedule(archive).series}
    assert (
        client.get("/retention/schedule/edit", headers=bearer(tokens["auditor"])).status_code == 403
    )


def test_hold_and_release_through_the_pages(client, archive, officer):
    record_id = add(archive, 1)
    form = client.get(f"/holds/new?document_ids={record_id}", headers=officer)
    assert record_id in form.get_data(as_text=True)
    bad = client.post("/holds", data={"document_ids": "not-an-id", "reason": "r", "case_ref": "c"},
                      headers=officer)  # fmt: skip
    assert bad.status_code == 400 and "Bukan ID arsip" in bad.get_data(as_text=True)
    placed = client.post(
        "/holds", data={"document_ids": record_id, "reason": "Sengketa", "case_ref": "PHPU 9/2024"},
        headers=officer,
    )  # fmt: skip
    assert placed.status_code == 302
    hold_url = placed.location
    assert "ditahan" in client.get(f"/documents/{record_id}", headers=officer).get_data(
        as_text=True
    )
    client.post(f"{hold_url}/release", data={"reason": ""}, headers=officer)
    assert archive.metadata.records.get(record_id).retention_state == "on_hold"
    client.post(f"{hold_url}/release", data={"reason": "Perkara selesai"}, headers=officer)
    assert archive.metadata.records.get(record_id).retention_state == "due"
    listed = client.get("/holds", headers=officer).get_data(as_text=True)
    assert "Dicabut (1)" in listed and "Perkara selesai" in listed


def test_disposition_through_the_pages_with_four_eyes(client, archive, officer, tokens):
    ids = [add(archive, n, district="Colomadu") for n in (1, 2, 3)]
    add(archive, 9)  # due too, but in another district
    page = client.get("/dispositions/new?action=destroy&district=Colomadu", headers=officer)
    assert page.get_data(as_text=True).count('name="record_id"') == 3
    proposed = client.post(
        "/dispositions",
        data={"action": "destroy", "district": "Colomadu", "scope": "all", "comment": "usul"},
        headers=officer,
    )
    assert proposed.status_code == 302
    list_id = int(proposed.location.rsplit("/", 1)[1])
    assert {i for i, _, _ in archive.metadata.dispositions.items(list_id)} == set(ids)

    own = client.get(f"/dispositions/{list_id}", headers=officer).get_data(as_text=True)
    assert "Setujui" not in own and "prinsip empat mata" in own
    client.post(f"/dispositions/{list_id}/decision", data={"decision": "approve", "comment": "ok"},
                headers=officer)  # fmt: skip
    assert archive.metadata.dispositions.get(list_id).status == "proposed"
    approver = bearer(tokens["approver"])
    assert "Setujui" in client.get(f"/dispositions/{list_id}", headers=approver).get_data(True)
    decision = {"decision": "approve", "comment": "Sesuai JRA"}
    client.post(f"/dispositions/{list_id}/decision", data=decision, headers=approver)
    assert archive.metadata.dispositions.get(list_id).status == "approved"
    page = client.get(f"/dispositions/{list_id}", headers=officer).get_data(as_text=True)
    assert f"Ketik nomor daftar ({list_id})" in page
    unconfirmed = client.post(f"/dispositions/{list_id}/execute", data={"confirm": "ya"},
                              headers=officer)  # fmt: skip
    assert unconfirmed.status_code == 302  # back to the list, with the reason
    assert archive.metadata.dispositions.get(list_id).status == "approved"  # nothing destroyed
    client.post(f"/dispositions/{list_id}/execute", data={"confirm": str(list_id)},
                headers=officer)  # fmt: skip
    done = client.get(f"/dispositions/{list_id}", headers=officer).get_data(as_text=True)
    assert "dilaksanakan" in done and f"/api/v1/dispositions/{list_id}/report" in done


def test_dashboard_lists_and_csv_export(client, archive, tokens):
    due = add(archive, 1)
    add(archive, 2, form_type="C.HASIL", year=2024)
    auditor = bearer(tokens["auditor"])
    page = client.get("/retention", headers=auditor).get_data(as_text=True)
    assert "jatuh tempo dalam 12 bulan" in page and "PPWP" in page and "Jawa Tengah" in page
    listed = client.get("/retention/records?state=due", headers=auditor).get_data(as_text=True)
    assert due in listed and "1 arsip" in listed
    assert client.get("/retention/records?state=nope", headers=auditor).status_code == 400
    export = client.get("/retention/records.csv?state=due&election=ppwp", headers=auditor)
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(r["id"], r["state_label"], r["inactive_until"]) for r in rows] == [
        (due, "jatuh tempo (musnah)", "2019-07-09")
    ]
    for url in ("/holds", "/dispositions", "/audit", "/retention/schedule"):
        assert client.get(url, headers=auditor).status_code == 200, url
    nav = client.get("/", headers=bearer(tokens["archivist"])).get_data(as_text=True)
    assert ">Retensi</a>" not in nav and ">Jejak Audit</a>" not in nav
    assert ">Jejak Audit</a>" in client.get("/", headers=auditor).get_data(as_text=True)


def test_search_page_filters_and_labels_retention(client, archive, tokens, worker, form):
    """GIVEN a processed, indexed due record WHEN searched THEN the page offers the six
    states, labels the facet in Indonesian and offers officers to hold every hit."""
    with open(form, "rb") as fh:
        record_id = uploads.receive(archive, fh, form.name, META, "archivist").id
    deadline = time.monotonic() + 120
    while archive.metadata.records.get(record_id).index_state.value != "indexed":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    officer = bearer(tokens["records_officer"])
    page = client.get("/?retention=due&district=Jaten", headers=officer).get_data(as_text=True)
    assert "1 dokumen ditemukan" in page
    for label in ("aktif", "inaktif", "jatuh tempo", "ditahan", "dimusnahkan", "diserahkan"):
        assert f">{label}</option>" in page
    assert 'data-facet="retention">jatuh tempo</a>' in page
    assert "/holds/new?district=Jaten" in page and "Tahan semua hasil ini" in page
    auditor = client.get("/?district=Jaten", headers=bearer(tokens["auditor"]))
    assert "Tahan semua hasil ini" not in auditor.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"rows": "-1"}, "jadwal memerlukan paling sedikit satu seri"),
        ({"rows": "0"}, "jadwal memerlukan paling sedikit satu seri"),
        ({"code-0": "X" * 500}, "kode seri paling panjang 32 karakter"),
        ({"form_types-0": ["NOPE"]}, "jenis formulir NOPE tidak dikenal"),
        ({"elections-0": ["NOPE"]}, "pemilihan NOPE tidak dikenal"),
        ({"active_years-0": ""}, "masa retensi harus antara 0 dan 200 tahun"),
        ({"active_years-0": "1.5"}, "masa retensi harus antara 0 dan 200 tahun"),
    ],
)
def test_a_schedule_the_archive_cannot_live_by_is_refused_before_its_preview(
    client, archive, officer, change, said
):
    """A form sent with rows=-1 saved a schedule of no series (every record lost its
    series); a 500-character code, an unknown form type and blank years were saved too,
    or answered in Python's words."""
    rows = retention.schedule_rows(retention.schedule(archive))
    form = {"rows": str(len(rows)), "comment": "probe"}
    for n, row in enumerate(rows):
        form.update({f"{k}-{n}": v for k, v in row.items() if not isinstance(v, list)})
        form[f"form_types-{n}"] = row["form_types"]
        form[f"elections-{n}"] = row["elections"]
    form.update(change)
    refused = client.post("/retention/schedule", data=form, headers=officer)
    assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    assert "invalid literal" not in refused.get_data(as_text=True)
    assert archive.metadata.schedules.current().version == 1
