"""The pages in a real browser: Playwright driving Debian's Chromium (never a downloaded one)
against the real server on a free port. Screenshots land in test-artifacts/."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from bomcat.catalog.records import create_device
from bomcat.catalog.users import create_user
from bomcat.images.ingest import ingest_photo

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, small_board):
    from bomcat.catalog.db import open_catalog
    from bomcat.web import create_app
    root = tmp_path_factory.mktemp("browser")
    catalog = open_catalog(f"sqlite:///{root / 'c.sqlite3'}", photo_root=root / "photos")
    with catalog.session() as session:
        create_user(session, "rita", PASSWORD, "reviewer")
        create_device(session, "cam", "Hikvision", "DS-2CD2032")
    ingest_photo(catalog, "cam", small_board[0], "board.jpg", uploaded_by="ivan")
    app = create_app({"CATALOG": catalog, "SECRET_KEY": "browser-test"})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/setup.sh should have installed it")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_sign_in_and_review_from_the_keyboard(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/devices")
    assert "No devices" in page.content()  # a draft device is not public
    page.goto(f"{server}/login")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/review")
    assert "0 of 3 verified" in page.text_content("h1")
    shot(page, "review-queue")
    first = page.get_attribute(".review", "data-component")
    page.keyboard.press("v")
    page.wait_for_function(f"!document.querySelector('.review') || "
                           f"document.querySelector('.review').dataset.component !== '{first}'")
    assert "1 of 3 verified" in page.text_content("h1")
    # Correct the next one from the form, then reject the last with a comment.
    page.fill("input[name=category]", "flash memory")
    page.click("button[data-verdict=corrected]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{server}/devices/cam")
    shot(page, "device-signed-in")
    assert "verified" in page.content() and "flash memory" in page.content()
    page.close()
