"""Which language a person gets: their stored choice, else their browser's Accept-Language,
else Indonesian; the pages and the API's messages follow the same choice."""

from __future__ import annotations

import io
import json
import re

from tests.conftest import PASSWORD, bearer

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def _post(client, path: str, data: dict, page: str = "/login", **kwargs):
    """A form post as a browser sends it: with the CSRF token of a page it was shown."""
    html = client.get(page).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def _login(client, username: str) -> None:
    answer = _post(client, "/login", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def test_indonesian_without_a_choice_or_a_header(client, tokens):
    """GIVEN no preference and no Accept-Language WHEN a page is opened THEN it is in
    Indonesian and says so."""
    answer = client.get("/beranda", headers=bearer(tokens["archivist"]))
    page = answer.get_data(as_text=True)
    assert '<html lang="id">' in page and "Pekerjaan menunggu" in page
    assert answer.headers["Content-Language"] == "id"


def test_a_browser_asking_for_english_gets_english_pages(client, tokens):
    """GIVEN a browser that prefers English WHEN it opens Beranda and the login page THEN
    both are in English."""
    page = client.get("/beranda", headers={**bearer(tokens["archivist"]), **ENGLISH})
    text = page.get_data(as_text=True)
    assert '<html lang="en">' in text and "Work waiting" in text and "Beranda" not in text
    assert page.headers["Content-Language"] == "en"
    login = client.get("/login", headers={"Accept-Language": "fr, en;q=0.5"})
    assert "Log in" in login.get_data(as_text=True)


def test_an_unsupported_language_falls_back_to_indonesian(client):
    page = client.get("/login", headers={"Accept-Language": "fr-FR, de;q=0.8"})
    assert '<html lang="id">' in page.get_data(as_text=True)


def test_a_stored_preference_wins_over_the_browser(app, services, tokens):
    """GIVEN an archivist whose browser asks for English WHEN they choose Bahasa Indonesia
    in the menu THEN every later page is Indonesian despite the header, in a new session too,
    and choosing English again switches back."""
    client = app.test_client()
    _login(client, "archivist")
    assert "Work waiting" in client.get("/beranda", headers=ENGLISH).get_data(as_text=True)
    chosen = _post(client, "/bahasa", {"language": "id", "next": "/beranda"}, "/beranda")
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/beranda"
    assert services.metadata.users.by_name("archivist").language == "id"
    assert "Pekerjaan menunggu" in client.get("/beranda", headers=ENGLISH).get_data(as_text=True)
    other = app.test_client()  # another browser, same person
    _login(other, "archivist")
    assert "Pekerjaan menunggu" in other.get("/beranda", headers=ENGLISH).get_data(as_text=True)
    _post(client, "/bahasa", {"language": "en", "next": "/beranda"}, "/beranda")
    assert "Work waiting" in client.get("/beranda").get_data(as_text=True)


def test_a_choice_made_before_login_becomes_the_preference(app, services, tokens):
    """GIVEN someone who picks English on the login page WHEN they log in THEN English is
    stored as their preference."""
    client = app.test_client()
    _post(client, "/bahasa", {"language": "en", "next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)
    _login(client, "auditor")
    assert services.metadata.users.by_name("auditor").language == "en"


def test_the_switch_never_redirects_off_the_site(app, tokens):
    client = app.test_client()
    answer = _post(client, "/bahasa", {"language": "en", "next": "//evil.example/x"})
    assert answer.headers["Location"].startswith("/") and "evil" not in answer.headers["Location"]


def test_the_api_keeps_its_codes_and_speaks_the_asked_language(client, services, tokens):
    """GIVEN API calls refused for the same reason WHEN asked in Indonesian, in English,
    and by a token whose user chose English THEN the code is the same and the message
    follows the language."""
    auditor = bearer(tokens["auditor"])
    default = client.get("/api/v1/holds/999", headers=auditor)
    english = client.get("/api/v1/holds/999", headers={**auditor, **ENGLISH})
    assert default.status_code == english.status_code == 404
    assert default.get_json() == {
        "error": "hold.not_found",
        "message": "Penahanan tidak ditemukan.",
    }
    assert english.get_json() == {"error": "hold.not_found", "message": "No such hold."}
    assert english.headers["Content-Language"] == "en"

    forbidden = client.post("/api/v1/holds", json={}, headers={**auditor, **ENGLISH})
    assert forbidden.get_json() == {
        "error": "forbidden",
        "message": "Your role does not allow this.",
    }
    anonymous = client.get("/api/v1/search", headers=ENGLISH)
    assert anonymous.status_code == 401
    assert anonymous.get_json() == {
        "error": "unauthenticated",
        "message": "Authentication required.",
    }

    user = services.metadata.users.by_name("auditor")
    services.metadata.users.set_language(user.id, "en")
    preferred = client.get("/api/v1/holds/999", headers={**auditor, "Accept-Language": "id"})
    assert preferred.get_json() == {"error": "hold.not_found", "message": "No such hold."}


def test_an_error_page_is_in_the_asked_language(client, tokens):
    page = client.get("/documents/tidak-ada", headers={**bearer(tokens["auditor"]), **ENGLISH})
    assert page.status_code == 404 and "Page or document not found." in page.get_data(as_text=True)


def test_the_scripts_get_their_words_in_the_page_language(client, tokens):
    """GIVEN the upload page in English WHEN its script reads its words THEN they are the
    English ones (the scripts hold no words of their own)."""
    page = client.get("/batches/new", headers={**bearer(tokens["archivist"]), **ENGLISH})
    block = re.search(
        r'<script type="application/json" id="strings">(.*?)</script>', page.get_data(as_text=True)
    )
    strings = json.loads(block.group(1))
    assert strings["language"] == "en" and strings["uploading"] == "Uploading…"
    assert strings["batch"]["rejected"] == "rejected" and strings["status"]["queued"] == "Queued"


def test_refusals_and_review_reasons_follow_the_language(app, client, tokens):
    """GIVEN a refused upload and a stored review reason WHEN read in English and in
    Indonesian THEN each reads in that language (stored in English, shown translated)."""
    from archive_app.intake.reasons import translated
    from archive_app.records.review_reasons import translated as review_reason

    archivist = bearer(tokens["archivist"])
    data = {"file": (io.BytesIO(b""), "kosong.png")}
    refused = client.post(
        "/api/v1/documents", data=data, headers={**archivist, **ENGLISH}, buffered=True
    ).get_json()
    assert refused["message"] == "The file is empty." and refused["code"] == refused["error"]
    for language, said, reason in (
        ("en", "The file is empty.", "Polling station: neither given nor read from the page"),
        ("id", "Berkas kosong.", "TPS: tidak diisi dan tidak terbaca dari halaman"),
    ):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert translated("The file is empty.") == said
            assert review_reason("tps: neither given nor read from the page") == reason
    tally = {"issues": [{"message": "jumlah tidak cocok", "message_en": "sums differ"}]}
    for language, said in (("en", "tally: sums differ"), ("id", "hitungan: jumlah tidak cocok")):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert review_reason("tally: sums differ", tally) == said


def test_a_rule_refusal_reads_in_the_asked_language(client, tokens):
    """GIVEN a search with a malformed TPS WHEN asked in Indonesian and in English THEN the
    code and field are the same and the sentence follows the language."""
    auditor = bearer(tokens["auditor"])
    default = client.get("/api/v1/search?tps=abc", headers=auditor).get_json()
    english = client.get("/api/v1/search?tps=abc", headers={**auditor, **ENGLISH}).get_json()
    assert default["error"] == english["error"] == "invalid_parameter"
    assert default["fields"]["tps"] == "tps harus berupa angka 1 sampai 999"
    assert english["fields"]["tps"] == english["message"] == "tps must be a number from 1 to 999"


def test_our_row_labels_are_translated_but_names_read_from_forms_are_not(app):
    from archive_app.recap.comparison import row_label

    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import gettext

        assert row_label("valid", "Jumlah suara sah", gettext) == "Valid votes"
        assert row_label("02", "Nomor urut 02", gettext) == "Ballot number 02"
        assert row_label("02", "BUDI SANTOSO", gettext) == "BUDI SANTOSO"
