"""The fixity page: an auditor sees the last checks and which stored file went missing or
changed, with a link to its record; others may not read it."""

from __future__ import annotations

from archive_app.recordkeeping import fixity
from tests.conftest import bearer
from tests.integration.records_helpers import add


def test_the_last_runs_and_the_failed_files_are_listed(client, services, tokens):
    """GIVEN two archived scans, one overwritten behind the archive's back, and two checks
    WHEN an auditor opens the fixity page THEN both runs are listed, the last with one changed
    file, and that file links to its record."""
    good, bad = add(services, 1), add(services, 2)
    fixity.verify(services)
    original = next(f for f in services.metadata.records.files(bad) if f.role == "original")
    services.objects.put_bytes(original.key, b"not the scan any more")
    fixity.verify(services, actor="auditor")

    answer = client.get("/fixity", headers=bearer(tokens["auditor"]))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    runs = page[page.index('id="fixity-runs"') : page.index('id="fixity-problems"')]
    assert runs.count("<tr class=") == 2
    assert '<b class="bad">1</b>' in runs
    problems = page[page.index('id="fixity-problems"') :]
    assert "isi berubah" in problems and f"/documents/{bad}" in problems
    assert f"/documents/{good}" not in problems
    assert 'href="/fixity"' in client.get("/beranda", headers=bearer(tokens["auditor"])).get_data(
        as_text=True
    )


def test_only_auditing_roles_read_it(client, tokens):
    assert client.get("/fixity", headers=bearer(tokens["archivist"])).status_code == 403
    assert client.get("/fixity").status_code in (302, 401)
