"""Security hardening: each test is one finding of the security review, as it was found.

Every test failed before its fix (issue "Security hardening").
"""

from __future__ import annotations

import base64
import csv
import io
import re
import sqlite3

import pytest

from archive_app import accounts, audit
from archive_app.audit import checkpoints
from archive_app.domain.roles import Role
from archive_app.intake import uploads
from tests.conftest import PASSWORD, bearer, make_settings
from tests.factories import META, mark_processed
from tests.formgen import make_form

# -- helpers ------------------------------------------------------------------------------


def csrf(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def web_login(client, username, password=PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf(client)}
    )


def session_cookie(client) -> str:
    return client.get_cookie("session").value


@pytest.fixture
def record_id(services, tmp_path):
    path = make_form(tmp_path / "f.png")
    with open(path, "rb") as fh:
        return uploads.receive(services, fh, "f.png", META, "archivist").id


# -- 1. a forged search cursor ------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/search?q=suara&cursor={c}", "/?q=suara&cursor={c}"])
@pytest.mark.parametrize("offset", ["100000000000000", str(2**64)])
def test_given_a_forged_cursor_when_searching_then_it_is_refused_and_the_worker_lives(
    client, tokens, url, offset
):
    forged = base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()
    response = client.get(url.format(c=forged), headers=bearer(tokens["auditor"]))
    assert response.status_code == 400
    assert (
        client.get("/api/v1/search?q=suara", headers=bearer(tokens["auditor"])).status_code == 200
    )


def test_given_a_cursor_the_server_gave_when_followed_then_it_continues(client, services, tokens):
    from archive_app.records import indexing
    from tests.integration.records_helpers import tiny_png

    for n in range(3):
        meta = {**META, "tps": str(n + 1)}
        added = uploads.receive(services, io.BytesIO(tiny_png(n)), f"{n}.png", meta, "archivist")
        mark_processed(services, added.id, review=False)

    indexing.index_records(services, [d.id for d in services.metadata.records.list()])
    first = client.get("/api/v1/search?per_page=2", headers=bearer(tokens["auditor"])).get_json()
    assert first["total"] == 3 and first["next_cursor"]
    again = client.get(
        f"/api/v1/search?per_page=2&cursor={first['next_cursor']}",
        headers=bearer(tokens["auditor"]),
    ).get_json()
    assert len(again["hits"]) == 1 and again["next_cursor"] is None
    tampered = first["next_cursor"][:-2] + ("AA" if first["next_cursor"][-2:] != "AA" else "BB")
    refused = client.get(f"/api/v1/search?cursor={tampered}", headers=bearer(tokens["auditor"]))
    assert refused.status_code == 400
    elsewhere = f"/api/v1/search?per_page=2&tps=9&cursor={first['next_cursor']}"
    assert client.get(elsewhere, headers=bearer(tokens["auditor"])).status_code == 400


# -- 2. numeric parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search?page=%C2%B2",
        "/api/v1/search?per_page=%C2%B9",
        "/api/v1/audit?limit=%C2%B9",
        "/api/v1/audit?offset=%C2%B2",
        "/api/v1/documents?page=%C2%B2",
        "/?page=%C2%B2",
        "/documents?page=%C2%B2",
        "/audit?page=%C2%B2",
        "/retention/records?page=%C2%B2&due_within=%C2%B2",
        "/?endpoint=x",
        "/?q=suara&endpoint=x&_external=1&_anchor=y",
    ],
)
def test_given_odd_numbers_or_url_for_names_when_asked_then_no_answer_is_a_500(client, tokens, url):
    response = client.get(url, headers=bearer(tokens["admin"]))
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


def test_given_a_superscript_year_when_uploading_then_the_field_is_refused(
    client, tokens, tmp_path
):
    data = {**META, "year": "²", "file": (io.BytesIO(make_form(tmp_path / "f.png").read_bytes()),
                                         "f.png")}  # fmt: skip
    response = client.post("/api/v1/documents", data=data, headers=bearer(tokens["archivist"]))
    assert response.status_code == 400 and "year" in response.get_json()["fields"]


# -- 3. password guessing -----------------------------------------------------------------


def test_given_wrong_passwords_when_guessing_goes_on_then_the_account_must_wait(
    client, services, tokens
):
    answers = [web_login(client, "auditor", f"wrong-{n}").status_code for n in range(8)]
    assert answers[:5] == [401] * 5 and set(answers[6:]) == {429}
    right = web_login(client, "auditor")
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    trail = services.metadata.audit.list(action="login.throttled", limit=10)
    assert len(trail) == 1  # once per burst, not once per try


def test_given_two_web_workers_when_both_are_guessed_at_then_they_share_the_count(services, tokens):
    from archive_app import create_app

    first = create_app(services.settings, services).test_client()
    from archive_app.services import build_services

    other_services = build_services(services.settings)  # another process's own connections
    second = create_app(services.settings, other_services).test_client()
    try:
        for n in range(3):
            assert web_login(first, "archivist", f"x{n}").status_code == 401
            assert web_login(second, "archivist", f"y{n}").status_code in (401, 429)
        assert web_login(first, "archivist").status_code == 429
    finally:
        other_services.close()


def test_given_one_address_when_it_tries_many_names_then_the_address_must_wait(
    client, services, tokens
):
    from archive_app.domain.throttle import ADDRESS

    tries = ADDRESS.free + 2
    answers = [web_login(client, f"nobody{n}", "guess").status_code for n in range(tries)]
    assert answers[-1] == 429 and answers[0] == 401
    assert web_login(client, "auditor").status_code == 429  # the whole address waits
    accounts.unlock(services, "", "127.0.0.1", "admin")  # archive users unlock --address
    assert web_login(client, "auditor").status_code == 302


# -- 4. sessions end ------------------------------------------------------------------------


def test_given_a_cookie_copied_before_logout_when_replayed_then_it_no_longer_logs_in(app, tokens):
    browser = app.test_client()
    assert web_login(browser, "auditor").status_code == 302
    copied = session_cookie(browser)
    token = csrf(browser, "/")
    browser.post("/logout", data={"csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 302  # to the login page


def test_given_a_new_password_when_set_then_old_cookies_and_tokens_stop_working(
    app, services, tokens
):
    browser = app.test_client()
    web_login(browser, "archivist")
    assert browser.get("/").status_code == 200
    accounts.update_user(services, "archivist", "admin", password="a whole new password")
    assert browser.get("/").status_code == 302
    response = app.test_client().get("/api/v1/search", headers=bearer(tokens["archivist"]))
    assert response.status_code == 401
    [entry] = services.metadata.audit.list(action="user.update", limit=1)
    assert entry["details"]["tokens_revoked"] == 1


def test_given_a_role_change_when_made_then_the_open_session_ends(app, services, tokens):
    browser = app.test_client()
    web_login(browser, "records-officer")
    accounts.update_user(services, "records-officer", "admin", role="auditor")
    assert browser.get("/").status_code == 302


def test_given_a_token_with_an_expiry_when_used_then_it_works_until_then(client, services, tokens):
    from archive_app.db.models import ApiTokenRow
    from archive_app.domain.clock import utcnow

    token = accounts.create_token(services, "auditor", "short", "admin", days=1)
    assert client.get("/api/v1/search", headers=bearer(token)).status_code == 200
    user = services.metadata.users.by_name("auditor")
    live = {t.name: t for t in services.metadata.users.tokens(user.id)}
    assert live["short"].last_used_at is not None and live["short"].expires_at is not None
    with services.metadata.users._s.write() as s:  # a day later
        row = s.get(ApiTokenRow, live["short"].id)
        row.expires_at = utcnow()
    assert client.get("/api/v1/search", headers=bearer(token)).status_code == 401
    with pytest.raises(accounts.AccountError):
        accounts.create_token(services, "auditor", "forever-ish", "admin", days=100_000)


@pytest.mark.parametrize("days", ["0", "-5", "abc", "99999", "²"])
def test_given_a_bad_lifetime_on_the_token_page_when_creating_then_no_token_is_made(
    app, services, tokens, days
):
    browser = app.test_client()
    web_login(browser, "auditor")
    page = browser.post(
        "/account/tokens",
        data={"name": "x", "days": days, "csrf_token": csrf(browser, "/account/tokens")},
    )
    assert page.status_code == 400 and "arc_" not in page.get_data(as_text=True)
    user = services.metadata.users.by_name("auditor")
    assert [t.name for t in services.metadata.users.tokens(user.id)] == ["test"]


def test_given_an_over_long_token_name_on_the_token_page_when_creating_then_it_is_refused(
    app, services, tokens
):
    """GIVEN a name past the column's 100 characters WHEN a token is asked for THEN 400 with
    the limit said, and no token (it was cut to 100 without a word; the CLI kept all of it)."""
    browser = app.test_client()
    web_login(browser, "auditor")
    page = browser.post(
        "/account/tokens",
        data={"name": "x" * 101, "csrf_token": csrf(browser, "/account/tokens")},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "arc_" not in html
    assert "Nama token paling banyak 100 karakter." in html
    user = services.metadata.users.by_name("auditor")
    assert [t.name for t in services.metadata.users.tokens(user.id)] == ["test"]
    with pytest.raises(accounts.AccountError):
        accounts.create_token(services, "auditor", "y" * 101, "admin")


def test_given_the_last_active_admin_when_disabled_or_demoted_then_the_rule_refuses_it(
    app, services, tokens
):
    """GIVEN one active administrator WHEN the service is asked to disable or demote them
    (from the CLI, or the admin page with the name in capitals, which the page's own check
    of 'yourself' did not see) THEN refused, and nobody is locked out of administration."""
    for change in ({"active": False}, {"role": "auditor"}):
        with pytest.raises(accounts.AccountError, match="satu-satunya administrator aktif"):
            accounts.update_user(services, "admin", "test", **change)
    browser = app.test_client()
    web_login(browser, "admin")
    browser.post(
        "/admin/users/ADMIN", data={"active": "0", "csrf_token": csrf(browser, "/admin/users")}
    )
    page = browser.get("/admin/users").get_data(as_text=True)
    assert "satu-satunya administrator aktif" in page
    admin = services.metadata.users.by_name("admin")
    assert admin.active and admin.role is Role.ADMIN


# -- 5. the audit trail cut short ---------------------------------------------------------


def _sqlite(services) -> sqlite3.Connection:
    return sqlite3.connect(services.settings.sqlite_path)


def test_given_a_checkpoint_when_the_newest_entries_are_deleted_then_verify_says_truncated(
    services, tokens
):
    for n in range(5):
        audit.record(services, "archivist", "download", f"document:{n}")
    checkpoint = checkpoints.write_checkpoint(services)
    assert checkpoint is not None and checkpoints.verify(services).ok
    assert checkpoints.write_checkpoint(services) is None  # nothing new
    with _sqlite(services) as db:
        db.execute("DELETE FROM audit_events WHERE id > ?", (checkpoint.last_id - 2,))
    report = checkpoints.verify(services)
    assert not report.ok and "truncated" in report.problem


def test_given_a_checkpoint_when_the_whole_chain_is_recomputed_then_verify_says_rewritten(
    services, tokens
):
    from archive_app.domain.audit import GENESIS, AuditEntry, entry_hash

    audit.record(services, "auditor", "download", "document:x")
    checkpoints.write_checkpoint(services)
    with _sqlite(services) as db:  # someone with database access edits and re-chains it all
        db.execute("UPDATE audit_events SET actor = 'someone-else' WHERE actor = 'auditor'")
        prev = GENESIS
        for row in db.execute(
            "SELECT id, at, actor, action, target, ip, details FROM audit_events ORDER BY id"
        ).fetchall():
            import json
            from datetime import datetime

            entry = AuditEntry(datetime.fromisoformat(row[1]), row[2], row[3], row[4], row[5],
                               json.loads(row[6]))  # fmt: skip
            new = entry_hash(entry, prev)
            db.execute(
                "UPDATE audit_events SET prev_hash=?, hash=? WHERE id=?", (prev, new, row[0])
            )
            prev = new
    report = checkpoints.verify(services)
    assert report.broken is None and "rewritten" in report.problem


def _truncate_after_checkpoint(services):
    for n in range(6):
        audit.record(services, "archivist", "download", f"document:{n}")
    checkpoint = checkpoints.write_checkpoint(services)
    with _sqlite(services) as db:
        db.execute("DELETE FROM audit_events WHERE id > ?", (checkpoint.last_id - 3,))
    return checkpoint


def test_given_a_cut_trail_when_the_worker_checkpoints_then_it_refuses_to_cover_it_up(
    services, tokens, caplog
):
    _truncate_after_checkpoint(services)
    audit.record(services, "archivist", "download", "document:new")  # life goes on
    with pytest.raises(checkpoints.TrailTampered):
        checkpoints.write_checkpoint(services)
    checkpoints.periodic(services)  # the 10-minute task: refuses, and says so
    assert "refused" in caplog.text
    report = checkpoints.verify(services)
    assert not report.ok and "truncated" in report.problem


def test_given_a_cut_trail_when_an_old_checkpoint_is_appended_again_then_verify_still_fails(
    services, tokens
):
    first = checkpoints.write_checkpoint(services)  # the users' own entries, anchored
    _truncate_after_checkpoint(services)
    services.anchor.append(first.seq, first.to_line())  # a genuine old line, replayed
    report = checkpoints.verify(services)
    assert not report.ok and "truncated" in report.problem


def test_given_a_new_audit_key_when_checkpointing_then_a_new_series_is_asked_for(services, tokens):
    from dataclasses import replace

    checkpoints.write_checkpoint(services)
    services.settings = replace(services.settings, audit_key="a-new-key-from-the-vault")
    assert not checkpoints.verify(services).ok  # the old checkpoints do not verify
    with pytest.raises(checkpoints.TrailTampered, match="new-series"):
        checkpoints.write_checkpoint(services)
    fresh = checkpoints.write_checkpoint(services, new_series=True)
    assert fresh.seq == 2 and checkpoints.verify(services).ok


@pytest.mark.scaleout
def test_given_object_lock_when_the_newest_checkpoint_is_overwritten_then_verify_sees_through(
    s3_settings, tmp_path
):
    from archive_app.services import build_services

    svc = build_services(make_settings(tmp_path / "s3", **s3_settings))
    svc.metadata.migrate()
    try:
        audit.record(svc, "auditor", "download", "document:a")
        first = checkpoints.write_checkpoint(svc)
        for n in range(3):
            audit.record(svc, "auditor", "download", f"document:{n}")
        second = checkpoints.write_checkpoint(svc)
        assert svc.anchor.protected
        with _sqlite(svc) as db:
            db.execute("DELETE FROM audit_events WHERE id > ?", (first.last_id,))
        # someone with the bucket's keys puts the old checkpoint over the newest one
        svc.objects.put_bytes(svc.anchor.key(second.seq), first.to_line().encode())
        report = checkpoints.verify(svc)
        assert not report.ok and "truncated" in report.problem
    finally:
        svc.close()


def test_given_the_cli_when_verifying_a_truncated_trail_then_it_exits_1(services, tokens):
    import os
    import subprocess
    import sys

    checkpoints.write_checkpoint(services)
    with _sqlite(services) as db:
        db.execute("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(services.settings.data_dir),
           "ARCHIVE_SECRET_KEY": services.settings.secret_key}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "archive_app", "audit", "verify"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1 and "truncated" in done.stdout, done.stdout + done.stderr


# -- 6. anonymous users and the audit log; CSV formulas ------------------------------------


def test_given_a_huge_login_name_when_it_fails_then_the_trail_keeps_a_short_one(client, services):
    response = client.post(
        "/login", data={"username": "x" * 30_000, "password": "p", "csrf_token": csrf(client)}
    )
    assert response.status_code == 401
    [entry] = services.metadata.audit.list(action="login.failed", limit=5)
    assert entry["actor"] == "anonymous" and entry["details"]["username"] == "x" * 64


def test_given_a_formula_in_the_trail_when_exported_then_it_is_text(client, services, tokens):
    audit.record(services, '=HYPERLINK("http://evil","klik")', "download", "document:1")
    csv_text = client.get("/audit/export.csv", headers=bearer(tokens["auditor"])).get_data(
        as_text=True
    )
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text


def test_given_formulas_read_from_a_form_when_the_region_export_is_read_then_they_are_text(
    client, services, tokens, tmp_path
):
    """The export defuses a form's place once for all its lines: every cell is still text."""
    import json

    from archive_app.db.models import RecordRow

    path = make_form(tmp_path / "g.png")
    with open(path, "rb") as fh:
        meta = {**META, "village": "=cmd|' /C calc'!A0"}
        record_id = uploads.receive(services, fh, "g.png", meta, "archivist").id
    tally = {"rows": [{"label": '=HYPERLINK("http://evil")', "votes": -3, "confidence": 0.9,
                       "status": "@SUM(A1)"}],
             "valid": 1, "invalid": 0, "ballots_used": 1, "consistent": None}  # fmt: skip
    with services.metadata.records._s.write() as s:
        s.get(RecordRow, record_id).tally = json.dumps(tally)
    text = client.get(
        "/api/v1/tally.csv", query_string={"regency": META["regency"]},
        headers=bearer(tokens["auditor"]),
    ).get_data(as_text=True)  # fmt: skip
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert len(rows) == 4
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://evil")' in cells and "'-3" in cells and "'@SUM(A1)" in cells
    assert all(row[7] == "'=cmd|' /C calc'!A0" for row in rows)


# -- 7. edits of records that are not waiting for review ----------------------------------


def _review(client, token, record_id, **changes):
    return client.post(f"/review/{record_id}", data={**META, **changes}, headers=bearer(token))


def test_given_a_ready_record_not_in_review_when_an_archivist_posts_changes_then_409(
    client, services, tokens, record_id
):
    mark_processed(services, record_id, review=False)
    response = _review(client, tokens["archivist"], record_id, village="Lain", tps="9")
    assert response.status_code == 409
    assert services.metadata.records.get(record_id).metadata.village == META["village"]


def test_given_a_held_record_in_review_when_changed_then_it_is_frozen(
    client, services, tokens, record_id
):
    from archive_app.recordkeeping import holds

    mark_processed(services, record_id, review=True)
    holds.place(services, reason="sengketa", case_ref="PHPU-1", document_ids=[record_id],
                actor="records-officer")  # fmt: skip
    assert _review(client, tokens["archivist"], record_id, village="Lain").status_code == 409


def test_given_a_form_type_in_another_series_when_an_archivist_changes_it_then_refused(
    client, services, tokens, record_id
):
    from archive_app.recordkeeping import retention

    retention.ensure_schedule(services, "admin")
    mark_processed(services, record_id, review=True)
    moved = {"form_type": "C.KEJADIAN"}
    assert _review(client, tokens["archivist"], record_id, **moved).status_code == 409
    assert _review(client, tokens["records_officer"], record_id, **moved).status_code == 302


# -- 8. a Bearer header beside a cookie ---------------------------------------------------


def test_given_a_cookie_login_when_a_bogus_bearer_is_added_then_csrf_is_not_skipped(app, tokens):
    browser = app.test_client()
    web_login(browser, "archivist")
    forged = browser.post("/api/v1/batches", json={"label": "x"}, headers=bearer("arc_nothing"))
    assert forged.status_code == 401  # the cookie is ignored, and the token is no good
    no_token = browser.post("/api/v1/batches", json={"label": "x"})
    assert no_token.status_code == 400  # a cookie call needs the CSRF token
    with_token = browser.post("/api/v1/batches", json={"label": "x"},
                              headers=bearer(tokens["archivist"]))  # fmt: skip
    assert with_token.status_code == 201


# -- 9. someone else's batch --------------------------------------------------------------


def test_given_another_archivists_batch_when_adding_a_file_then_403(client, services, tokens):
    accounts.create_user(services, "archivist2", PASSWORD, Role.ARCHIVIST, "admin")
    other = accounts.create_token(services, "archivist2", "t", "admin")
    batch = client.post("/api/v1/batches", json={"label": "mine"},
                        headers=bearer(tokens["archivist"])).get_json()["id"]  # fmt: skip
    data = {"file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")}
    response = client.post(f"/api/v1/batches/{batch}/files", data=data, headers=bearer(other))
    assert response.status_code == 403
    assert services.metadata.batches.items(batch) == []


# -- 10. caching and headers --------------------------------------------------------------


def test_given_pages_behind_a_login_when_served_then_no_cache_keeps_them(client, services, tokens):
    from archive_app.records import processing
    from tests.integration.records_helpers import add

    record = add(services, 5)
    processing.process(services, record)
    page_image = f"/api/v1/documents/{record}/pages/1/view"
    for url in ("/", "/api/v1/search", "/documents", page_image, f"{page_image[:-4]}thumb"):
        response = client.get(url, headers=bearer(tokens["auditor"]))
        assert response.headers["Cache-Control"] == "private, no-store", url
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "base-uri 'none'" in csp and "form-action 'self'" in csp


def test_given_anyone_when_asking_healthz_then_only_ok_or_not_is_said(client, tokens):
    anonymous = client.get("/healthz").get_json()
    assert anonymous == {"status": "ok"}
    auditor = client.get("/healthz", headers=bearer(tokens["auditor"])).get_json()
    assert set(auditor["backends"]) == {"metadata", "objects", "index", "queue"}


def test_given_no_login_when_a_big_body_is_sent_then_413(client):
    response = client.post("/login", data={"username": "a", "password": "b" * 200_000})
    assert response.status_code == 413


def test_given_an_https_public_url_when_the_app_starts_then_cookies_are_secure(tmp_path):
    from archive_app import create_app

    settings = make_settings(tmp_path / "d", public_url="https://arsip.example")
    from archive_app.services import build_services

    services = build_services(settings)
    try:
        assert create_app(settings, services).config["SESSION_COOKIE_SECURE"] is True
    finally:
        services.close()


def test_given_the_example_secret_when_starting_then_the_archive_refuses(tmp_path):
    from config.settings import SettingsError

    with pytest.raises(SettingsError, match="example"):
        make_settings(tmp_path / "d", secret_key="change-me-to-a-long-random-string")


# -- 11. tus 1.0 --------------------------------------------------------------------------


def test_given_tus_clients_when_they_ask_then_the_server_speaks_tus_1_0(client, tokens):
    options = client.options("/api/v1/uploads")
    assert options.status_code == 204
    assert options.headers["Tus-Version"] == "1.0.0"
    assert options.headers["Tus-Extension"] == "creation,termination"
    wrong = client.post("/api/v1/uploads", headers={**bearer(tokens["archivist"]),
                        "Tus-Resumable": "0.2.2", "Upload-Length": "10"})  # fmt: skip
    assert wrong.status_code == 412 and wrong.headers["Tus-Version"] == "1.0.0"
    anonymous = client.post("/api/v1/uploads", headers={"Tus-Resumable": "1.0.0"})
    assert anonymous.status_code == 401 and anonymous.headers["Tus-Resumable"] == "1.0.0"


def test_given_the_new_user_form_when_opened_then_the_least_privileged_role_is_chosen(
    client, tokens
):
    page = client.get("/admin/users", headers=bearer(tokens["admin"])).get_data(as_text=True)
    form = page[page.index('id="n-role"') :]
    chosen = re.search(r'<option value="([a-z_]+)"\s+selected', form).group(1)
    assert chosen == "auditor"
