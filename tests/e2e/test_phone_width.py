"""On a 390 px phone no page scrolls sideways: the menu folds, the search facets fold, wide
tables scroll inside their own box; and input borders are visible (3:1 against white)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import archive_cli, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser

PAGES = ["/", "/?q=tps", "/beranda", "/upload", "/batches/new", "/batches", "/review",
         "/documents", "/retention", "/retention/records", "/retention/schedule",
         "/retention/schedule/edit", "/holds", "/holds/new", "/dispositions",
         "/dispositions/new", "/audit", "/admin/users", "/account/tokens"]  # fmt: skip


@pytest.fixture(scope="module")
def a_record(archive_env, server, tmp_path_factory) -> str:
    scan = make_form(tmp_path_factory.mktemp("phone") / "tps031.png", tps=31, seed=31,
                     village="Gedangan")  # fmt: skip
    out = archive_cli(archive_env, "ingest", str(scan), "--no-wait", "--election", "PPWP",
                      "--form-type", "C.HASIL", "--year", "2024", "--province", "Jawa Tengah",
                      "--regency", "Karanganyar", "--district", "Jaten", "--village",
                      "Gedangan", "--tps", "31")  # fmt: skip
    return out.split("\t", 1)[0].strip()


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844},
                                  locale="id-ID", is_mobile=True, has_touch=True)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_no_page_scrolls_sideways_at_390_px(phone, a_record):
    log_in(phone, "admin")
    wide = {}
    for path in [*PAGES, f"/documents/{a_record}", "/audit?target=document:" + a_record]:
        phone.goto(path)
        if _sideways(phone) > 0:
            wide[path] = _sideways(phone)
    assert wide == {}, f"pages wider than the phone: {wide}"


def test_facets_fold_and_tables_scroll_in_their_box(phone, a_record):
    log_in(phone, "admin")
    phone.goto("/?province=Jawa+Tengah")
    facets = phone.locator("aside.facets details")
    expect(facets).not_to_have_attribute("open", re.compile(".*"))
    phone.get_by_text("Saring", exact=True).click()
    expect(facets).to_have_attribute("open", "")
    phone.goto("/documents")
    table = phone.locator("table.list").first
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"


def test_input_borders_have_3_to_1_contrast(phone):
    phone.goto("/login")
    colour = phone.get_by_label("Nama pengguna").evaluate("i => getComputedStyle(i).borderTopColor")
    r, g, b = (int(v) for v in re.findall(r"\d+", colour)[:3])
    assert _contrast((r, g, b), (255, 255, 255)) >= 3.0, colour


def _contrast(a, b) -> float:
    def luminance(rgb):
        c = [v / 255 for v in rgb]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
