"""WCAG 2.1 AA in a real browser: axe-core (vendored from npm, tests/e2e/vendor) checks
every main page as each role sees it, and any serious or critical violation fails.

The pages' Content-Security-Policy forbids injected scripts, so these contexts bypass it;
the CSP itself is tested elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import archive_cli, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EVERYONE = ["/", "/?q=tps", "/beranda", "/documents", "/batches", "/account/tokens"]
BY_ROLE = {
    "arsiparis": ["/upload", "/batches/new", "/review"],
    "pemeriksa": ["/retention", "/retention/records", "/retention/schedule", "/holds",
                  "/dispositions", "/audit", "/fixity"],
    "petugas": ["/review", "/retention", "/retention/schedule/edit", "/holds/new",
                "/dispositions/new"],
    "pejabat": ["/dispositions", "/retention"],
    "admin": ["/admin/users", "/upload"],
}  # fmt: skip
RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => `${v.id} (${v.impact}): `
                  + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


@pytest.fixture(scope="module")
def a_record(archive_env, server, tmp_path_factory) -> str:
    """A processed record, so the record page is checked with its viewer and readings."""
    scan = make_form(tmp_path_factory.mktemp("a11y") / "tps051.pdf", fmt="pdf", pages=2,
                     tps=51, seed=51, village="Brujul")  # fmt: skip
    out = archive_cli(archive_env, "ingest", str(scan), "--election", "PPWP", "--form-type",
                      "C.HASIL", "--year", "2024", "--province", "Jawa Tengah", "--regency",
                      "Karanganyar", "--district", "Jaten", "--village", "Brujul",
                      "--tps", "51")  # fmt: skip
    return out.split("\t", 1)[0].strip()


@pytest.mark.parametrize("user", list(BY_ROLE))
def test_main_pages_have_no_serious_violations(browser, server, user, a_record):
    context = browser.new_context(base_url=server, bypass_csp=True, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(20_000)
    found = {}
    try:
        log_in(page, user)
        for path in [*EVERYONE, f"/documents/{a_record}", *BY_ROLE[user]]:
            page.goto(path)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(RUN, TAGS)
            if violations:
                found[path] = violations
    finally:
        context.close()
    assert found == {}, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)


def test_the_login_page_has_no_serious_violations(browser, server):
    context = browser.new_context(base_url=server, bypass_csp=True, locale="id-ID")
    page = context.new_page()
    try:
        page.goto("/login")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN, TAGS) == []
    finally:
        context.close()
