"""A real archive served by `archive serve` (gunicorn + task workers) and a real headless
Chromium driven by Playwright: the journeys are tested as a person uses them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORDS = {
    "admin": "admin password 1",
    "arsiparis": "arsiparis pass 1",
    "pemeriksa": "pemeriksa pass 1",
    "petugas": "petugas arsip pass 1",
    "pejabat": "pejabat berwenang pass 1",
}
E2E_USERS = {
    "arsiparis": "archivist",
    "pemeriksa": "auditor",
    "petugas": "records_officer",
    "pejabat": "approver",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _archive(env, *args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "archive_app", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def archive_env(tmp_path_factory) -> dict:
    """The environment of the served archive, for tests that also use its CLI (e.g. ingest)."""
    data = tmp_path_factory.mktemp("e2e") / "data"
    env = {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(data),
        "ARCHIVE_PORT": str(_free_port()),
        "ARCHIVE_ADMIN_PASSWORD": PASSWORDS["admin"],
        "ARCHIVE_WORKERS": "2",
        "ARCHIVE_WEB_WORKERS": "2",
    }
    _archive(env, "init")
    for name, role in E2E_USERS.items():
        _archive(env, "users", "create", name, "--role", role, "--password-stdin",
                 stdin=PASSWORDS[name] + "\n")  # fmt: skip
    return env


def archive_cli(env, *args) -> str:
    return _archive(env, *args).stdout


@pytest.fixture(scope="session")
def server(archive_env):
    env, port = archive_env, archive_env["ARCHIVE_PORT"]
    process = subprocess.Popen(
        [sys.executable, "-m", "archive_app", "serve"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("archive serve did not start") from None
            time.sleep(0.3)
    yield base
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


# Screenshots of every journey, kept after the run for whoever reads a CI result: the last
# screen of each test (passed or failed) and the steps a test keeps on its way (``keep``).
ARTIFACTS = Path(
    os.environ.get("ARCHIVE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
SCREENSHOTS = ARTIFACTS / "screenshots"


def keep(page, request, step: str) -> Path:
    """Keep a screenshot of this step of the journey among the test artefacts."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    path = SCREENSHOTS / f"{Path(request.node.fspath).stem}--{name}--{step}.png"
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(base_url=server, accept_downloads=True, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(20_000)
    # expect() waits 5 s by default; a loaded CI machine needs what the actions get
    from playwright.sync_api import Error, expect

    expect.set_options(timeout=20_000)
    yield page
    try:
        keep(page, request, "last")
    except Error as exc:  # a page the test closed or crashed has nothing to show
        warnings.warn(f"no screenshot of {request.node.nodeid}: {exc}", stacklevel=1)
    context.close()


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORDS[username])
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/")


def fill_region(page, village: str) -> None:
    """The metadata a person types for a form from Desa ``village``, Kec. Jaten (not the TPS)."""
    page.get_by_label("Pemilihan").select_option("PPWP")
    page.get_by_label("Jenis formulir").select_option("C.HASIL")
    page.get_by_label("Tahun").fill("2024")
    page.get_by_label("Provinsi").fill("Jawa Tengah")
    page.get_by_label("Kabupaten/Kota").fill("Karanganyar")
    page.get_by_label("Kecamatan").fill("Jaten")
    page.get_by_label("Kelurahan/Desa").fill(village)
