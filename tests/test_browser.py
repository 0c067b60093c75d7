"""The pages in a real browser: Playwright driving Debian's Chromium (never a downloaded one)
against the real server on a free port. Screenshots land in test-artifacts/."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from bomcat.pipeline.ingest import ingest_photo

from .conftest import ARTIFACTS, PASSWORD, make_catalog

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def serve(catalog):
    """The real app on a free port, in a thread of this process; yields its base URL."""
    from bomcat.web import create_app
    app = create_app({"CATALOG": catalog, "SECRET_KEY": "browser-test"})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory, small_board):
    catalog = make_catalog(tmp_path_factory.mktemp("browser"), {"rita": "reviewer"}, [("cam", "Hikvision", "DS-2CD2032")])
    ingest_photo(catalog, "cam", small_board[0], "board.jpg", uploaded_by="ivan")
    yield from serve(catalog)


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
    wait_until(page, f"!document.querySelector('.review') || "
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


# -- The whole path: upload -> detection -> board edits -> review -> publish -> public page ---------

USERS = {"ivan": "investigator", "rita": "reviewer", "adam": "admin"}


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    catalog = make_catalog(tmp_path_factory.mktemp("flow"), USERS, [("flow-cam", "Hikvision", "DS-2CD2T47")])
    yield from serve(catalog)


def sign_in(browser, server, name):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{server}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/devices")
    return page



def wait_until(page, expression: str, timeout: float = 30_000) -> None:
    """Poll a JavaScript expression until it is true. (Playwright's wait_for_function compiles its
    predicate with eval, which the pages' Content-Security-Policy rightly refuses.)"""
    import time

    from playwright.sync_api import Error as PlaywrightError
    deadline = time.monotonic() + timeout / 1000
    failure = None
    while True:
        try:
            if page.evaluate(expression):
                return
        except PlaywrightError as exc:
            failure = exc
            # A form post navigates: the page the expression ran in is gone before the new one
            # has loaded. Wait for the new page and ask again.
            page.wait_for_load_state()
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout / 1000:.0f} s: {expression}"
                                 + (f" (last error: {failure})" if failure else ""))
        page.wait_for_timeout(100)

DROP_FILES = """async (files) => {
  const transfer = new DataTransfer();
  for (const [name, type, b64] of files) {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, {type}));
  }
  const zone = document.getElementById("dropzone");
  for (const kind of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(kind, {dataTransfer: transfer, bubbles: true, cancelable: true}));
  }
}"""


def region_point(page, index):
    """Where region `index` of the board view is on the screen."""
    return page.evaluate("""(i) => { const r = bomcatBoard.regions()[i]; const p = bomcatBoard.toScreen(r.cx, r.cy);
        const b = document.getElementById('board-viewer').getBoundingClientRect(); return [b.left + p.x, b.top + p.y]; }""",
                         index)


def test_upload_detect_edit_review_publish_and_the_public_page(empty_server, browser, small_board):
    import base64
    server = empty_server
    # The investigator drops two files: a board photo and something that is not a photo.
    ivan = sign_in(browser, server, "ivan")
    ivan.goto(f"{server}/devices/flow-cam")
    ivan.click("text=Upload photos")
    # The drop must reach the upload page's script, not the page being left (a flaky race otherwise).
    ivan.wait_for_url(f"{server}/devices/flow-cam/upload")
    ivan.wait_for_load_state("load")
    ivan.evaluate(DROP_FILES, [["board.jpg", "image/jpeg", base64.b64encode(small_board[0]).decode()],
                               ["notes.txt", "text/plain", base64.b64encode(b"not a photo").decode()]])
    refused = ivan.locator("#uploads tr", has_text="notes.txt")
    refused.locator(".status-failed").wait_for()
    assert "not a readable image" in refused.text_content()
    row = ivan.locator("#uploads tr", has_text="board.jpg")
    row.locator(".status-done").wait_for(timeout=180_000)  # updated in place by polling, no reload
    assert "3 chips found, 3 components proposed" in row.text_content()
    shot(ivan, "flow-1-uploaded")

    # The board view: every region drawn; name one, draw a stray one by hand and delete it again.
    row.locator("text=board view").click()
    wait_until(ivan, "window.bomcatBoard && document.querySelectorAll('.board-overlay polygon').length === 3")
    x, y = region_point(ivan, 0)
    ivan.mouse.click(x, y)
    ivan.fill(".panel-form input[name=designator]", "U7")
    ivan.keyboard.press("Enter")
    wait_until(ivan, "bomcatBoard.regions()[0].designator === 'U7'")
    ivan.keyboard.press("Escape")  # leaves the designator field
    ivan.keyboard.press("Escape")  # and the selection
    ivan.keyboard.press("d")
    box = ivan.locator("#board-viewer").bounding_box()
    ivan.mouse.move(box["x"] + 40, box["y"] + box["height"] - 120)
    ivan.mouse.down()
    ivan.mouse.move(box["x"] + 110, box["y"] + box["height"] - 60, steps=6)
    ivan.mouse.up()
    wait_until(ivan, "bomcatBoard.regions().length === 4", timeout=60_000)
    shot(ivan, "flow-2-board-drawn")
    ivan.keyboard.press("Delete")  # the confirm dialog is accepted
    wait_until(ivan, "bomcatBoard.regions().length === 3")
    assert "region deleted" in ivan.text_content(".board-message")
    ivan.close()

    # The reviewer verifies the three proposals from the keyboard (the deleted region's is rejected).
    rita = sign_in(browser, server, "rita")
    rita.goto(f"{server}/review?device=flow-cam")
    assert "0 of 4 verified" in rita.text_content("h1")
    for done in (1, 2, 3):
        rita.keyboard.press("v")
        # The keys work once the page's deferred script has run: the heading is there before it.
        wait_until(rita, f"document.readyState === 'complete'"
                         f" && document.querySelector('h1').textContent.includes('{done} of 4 verified')")
    assert "Nothing waits for you" in rita.content()
    shot(rita, "flow-3-reviewed")
    rita.close()

    # The admin publishes.
    adam = sign_in(browser, server, "adam")
    adam.goto(f"{server}/devices/flow-cam")
    adam.click("button:has-text('Publish')")
    wait_until(adam, "document.querySelector('h1 .status').textContent === 'published'")
    adam.close()

    # The public page: BOM with evidence, supplier summary, who verified, the board view.
    public = browser.new_page(viewport={"width": 1400, "height": 1000})
    public.goto(f"{server}/devices")
    public.click("text=Hikvision DS-2CD2T47")
    table = public.locator("table.bom tbody tr")
    assert table.count() == 3
    assert "U7" in public.text_content("table.bom")
    assert "Sony Semiconductor Solutions (Japan)" in public.text_content(".supplier-lines")
    shot(public, "flow-4-public-device")
    assert public.locator("table.bom tbody tr", has_text="rita").count() == 3  # who verified each
    # The evidence thumbnail opens the full photo with that region selected and zoomed to.
    public.locator("table.bom img.thumb").first.click()
    wait_until(public, "document.querySelectorAll('.board-overlay .selected').length === 1")
    assert public.locator("[data-action=draw]").count() == 0  # visitors cannot edit
    assert "IMX307LQD" in public.text_content(".board-panel")
    shot(public, "flow-5-public-board")
    public.click("text=Open component →")
    assert "rita" in public.text_content("main")  # the review record on the component page
    public.close()


def test_devices_are_created_and_edited_in_the_browser_and_tokens_issued(empty_server, browser):
    ivan = sign_in(browser, empty_server, "ivan")
    ivan.goto(f"{empty_server}/devices")
    ivan.click("text=New device")
    ivan.fill("input[name=slug]", "dahua-ipc-hfw1230")
    ivan.fill("input[name=maker]", "Dahua")
    ivan.fill("input[name=model]", "IPC-HFW1230S")
    ivan.fill("input[name=acquired_where]", "AliExpress")
    ivan.fill("input[name=acquired_on]", "2024-02-29")
    ivan.click("button:has-text('Create device')")
    ivan.wait_for_url(f"{empty_server}/devices/dahua-ipc-hfw1230")
    assert "Dahua IPC-HFW1230S" in ivan.content()
    ivan.click("text=Edit device")
    ivan.fill("input[name=firmware]", "V2.800.0000000.10.R")
    ivan.click("button:has-text('Save')")
    ivan.wait_for_url(f"{empty_server}/devices/dahua-ipc-hfw1230")
    data = ivan.evaluate("fetch('/devices/dahua-ipc-hfw1230.json').then(r => r.json())")
    assert data["device"]["firmware"] == "V2.800.0000000.10.R" and data["device"]["acquired_on"] == "2024-02-29"
    shot(ivan, "device-created")
    ivan.close()

    adam = sign_in(browser, empty_server, "adam")
    adam.goto(f"{empty_server}/admin/users")
    row = adam.locator("tr[data-user=ivan]")
    row.locator("input[name=label]").fill("camera upload script")
    row.locator("button:has-text('New token')").click()
    token = adam.locator("#new-token").text_content()
    assert token.startswith("bomcat_")
    adam.goto(f"{empty_server}/admin/users")
    adam.locator("tr[data-user=ivan] button:has-text('Revoke')").click()
    adam.wait_for_selector("text=Revoked ivan's token 'camera upload script'")
    adam.close()


@pytest.fixture(scope="module")
def triage_server(tmp_path_factory):
    from sqlalchemy import select

    from bomcat.catalog.models import Component

    from .conftest import board_jpeg
    catalog = make_catalog(tmp_path_factory.mktemp("triage"), USERS, [("triage-cam", "Acme", "Cam"),
                                                                       ("board-cam", "Acme", "Cam 2")])
    for slug, quality in (("triage-cam", 92), ("board-cam", 90)):   # the same board, photographed twice
        ingest_photo(catalog, slug, board_jpeg(seed=63, quality=quality)[0], "board.jpg", uploaded_by="ivan")
    with catalog.session() as session:   # two boxes of each that read as nothing, as holes and connectors do
        for device_id in sorted(set(session.scalars(select(Component.device_id)))):
            for c in session.scalars(select(Component).where(Component.device_id == device_id)
                                     .order_by(Component.id).limit(2)):
                c.part_number, c.manufacturer, c.marking, c.confidence = None, None, "##", 0.0
    yield from serve(catalog)


def test_triage_rejects_the_boxes_without_a_reading_at_once_as_not_a_chip(triage_server, browser):
    rita = sign_in(browser, triage_server, "rita")
    rita.goto(f"{triage_server}/review?device=triage-cam")
    rita.click("text=Triage")
    rita.select_option("select[name=show]", "unreadable")
    rita.click("button:has-text('Show')")
    rita.wait_for_url("**show=unreadable**")
    assert rita.locator("form.triage tbody tr").count() == 2
    rita.check("form.triage input.all")
    assert rita.locator("form.triage input[name=component]:checked").count() == 2
    rita.fill("form.triage input[name=comment]", "mounting holes")
    rita.click("button:has-text('Not a chip')")
    rita.wait_for_selector("text=2 marked not a chip.")
    assert "Nothing waits here." in rita.content()
    shot(rita, "triage-done")
    rita.goto(f"{triage_server}/review/triage.json")
    left = rita.evaluate("fetch('/review/triage.json?device=triage-cam').then(r => r.json())")["proposals"]
    assert left and all(p["usable"] for p in left)
    rita.close()


def test_the_board_view_marks_many_proposals_and_rejects_them_as_not_a_chip(triage_server, browser):
    """A reviewer on the board: the boxes that read as nothing are drawn dashed; one button marks them,
    Shift+click adds another, and one 'not a chip' rejects all marked, each with its review."""
    rita = sign_in(browser, triage_server, "rita")
    device = rita.evaluate("fetch('/devices/board-cam.json').then(r => r.json())")
    photo = device["photos"][0]["id"]
    rita.goto(f"{triage_server}/photos/{photo}")
    wait_until(rita, "window.bomcatBoard && document.querySelectorAll('.board-overlay polygon').length > 0")
    unreadable = rita.evaluate("bomcatBoard.regions().filter(r => r.usable === false).length")
    assert unreadable >= 2   # the two emptied in the fixture, and any box the reader made nothing of
    assert rita.locator(".board-overlay .unreadable").count() == unreadable
    rita.click("button:has-text('Mark those without a reading')")
    assert rita.text_content(".triage-count") == str(unreadable)
    readable = rita.evaluate("bomcatBoard.regions().findIndex(r => r.usable)")
    x, y = region_point(rita, readable)
    rita.keyboard.down("Shift")
    rita.mouse.click(x, y)
    rita.keyboard.up("Shift")
    wait_until(rita, f"bomcatBoard.marked().length === {unreadable + 1}")
    assert rita.url.endswith(f"/photos/{photo}")  # marking did not open the component
    shot(rita, "board-triage-marked")
    rita.click("button:has-text('Not a chip')")
    wait_until(rita, f"document.querySelector('.board-message').textContent === '{unreadable + 1} rejected as not a chip'")
    assert rita.locator(".board-overlay .rejected").count() == unreadable + 1
    rita.goto(f"{triage_server}/photos/{photo}")   # the review log has them, not only the page
    wait_until(rita, "window.bomcatBoard && document.querySelectorAll('.board-overlay polygon').length > 0")
    statuses = rita.evaluate("bomcatBoard.regions().map(r => r.status)")
    assert statuses.count("rejected") == unreadable + 1 and statuses.count("proposed") == len(statuses) - unreadable - 1
    rita.close()


# -- What the public sees: the demo, and a correction that lands in the published BOM --------------

@pytest.fixture(scope="module")
def demo_server(demo_catalog):
    catalog, _ = demo_catalog
    yield from serve(catalog)


def test_an_anonymous_visitor_sees_the_demo_with_content_on_every_public_page(demo_server, browser):
    """No sign-in: the published demo camera and everything hanging off it have content, the draft
    revision is nowhere, and the counts agree with the rows the visitor is shown."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{demo_server}/devices")
    assert "rev C" not in page.text_content("main")   # the draft waits for review, unseen
    listed = page.locator("tr", has_text="IPC-2000").locator("td").last.text_content()
    page.click("text=Demo Vision IPC-2000")
    rows = page.locator("table.bom tbody tr")
    assert rows.count() >= 10 and listed.strip() == str(rows.count())
    assert "Sony Semiconductor Solutions (Japan)" in page.text_content(".supplier-lines")
    assert page.locator("table.bom img.thumb").count() == rows.count()   # every row with its evidence
    shot(page, "public-demo-device")
    for path, selector, text in [("/manufacturers", "main table tbody tr", "ROHM Semiconductor"),
                                 ("/countries", "main table tbody tr", "Japan"),
                                 ("/countries/japan", "main table tbody tr", "IMX307"),
                                 ("/manufacturers/sony-semiconductor-solutions", "main table tbody tr", "IMX307"),
                                 ("/components", "main table tbody tr", "AK4951"),
                                 ("/search?q=IMX307", "main li, main tbody tr", "IMX307"),
                                 ("/search?q=rohm", "main li, main tbody tr", "ROHM")]:
        response = page.goto(f"{demo_server}{path}")
        assert response.status == 200, path
        assert page.locator(selector).count() > 0 and text in page.text_content("main"), path
        assert "Nothing found" not in page.text_content("main") and "rev C" not in page.text_content("main"), path
    page.goto(f"{demo_server}/components")
    shot(page, "public-demo-components")
    # Evidence wide enough to read a marking; a device's name on at most two lines.
    assert page.evaluate("Math.min(...[...document.querySelectorAll('table.bom img.thumb')].map(i => i.width))") >= 160
    lines = page.evaluate("""(() => { const a = document.querySelector('table.bom td.device a');
        return Math.round(a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight || 20)); })()""")
    assert lines <= 2
    page.goto(f"{demo_server}/search?q=sony")   # the company's page among the results, not only its parts
    assert page.locator(".search-pages a", has_text="Sony Semiconductor Solutions").count() == 1
    page.goto(f"{demo_server}/search?q=qqzzxx")
    assert "Try the shortest telling part of a marking" in page.text_content("main")
    page.goto(f"{demo_server}/components")
    page.locator("main tbody tr a", has_text="IMX307").first.click()
    assert "demo-reviewer" in page.text_content("main")   # who verified it, on the component page
    assert page.locator("img[alt^='evidence crop']").count() == 1
    page.close()


@pytest.fixture(scope="module")
def correction_server(tmp_path_factory):
    """A published camera whose Zbit flash the pipeline read badly (the reading the issue saw on a
    real board): the part unidentified, the marking garbled."""
    from sqlalchemy import select

    from bomcat.catalog.models import Component, Device, DeviceStatus

    from .conftest import board_jpeg
    users = {**USERS, "olga": "reviewer"}
    catalog = make_catalog(tmp_path_factory.mktemp("correct"), users, [("fix-cam", "Acme", "Cam 3")])
    ingest_photo(catalog, "fix-cam", board_jpeg([(["Z KF2043", "25VQ64ASIG", "EF8881"], "SOIC8", 0)], seed=5)[0],
                 "board.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        for c in session.scalars(select(Component)):
            c.part_number, c.manufacturer, c.category, c.marking = None, None, None, "Z263 | 20V084816 | ##8681"
        session.scalar(select(Device).where(Device.slug == "fix-cam")).status = DeviceStatus.published
    yield from serve(catalog)


def test_a_full_correction_lands_in_the_public_bom_with_its_looked_up_category(correction_server, browser):
    server = correction_server
    rita = sign_in(browser, server, "rita")
    rita.goto(f"{server}/review?device=fix-cam")
    wait_until(rita, "document.readyState === 'complete' && !!document.querySelector('.review')")
    rita.fill("input[name=marking]", "Z KF2043 | 25VQ64ASIG | EF8881")
    rita.fill("input[name=part_number]", "ZB25VQ64ASIG")
    rita.fill("input[name=comment]", "read from the crop")
    rita.click("button[data-verdict=corrected]")
    wait_until(rita, "document.readyState === 'complete' && !document.querySelector('.review')")
    assert "1 of your corrections wait for a second reviewer" in rita.text_content("main")
    rita.close()

    public = browser.new_page(viewport={"width": 1400, "height": 1000})
    public.goto(f"{server}/devices/fix-cam")
    assert public.locator("table.bom tbody tr").count() == 0   # a correction alone is not verified

    olga = sign_in(browser, server, "olga")
    olga.goto(f"{server}/review?device=fix-cam")
    wait_until(olga, "document.readyState === 'complete' && !!document.querySelector('.review')")
    assert olga.input_value("input[name=part_number]") == "ZB25VQ64ASIG"
    olga.keyboard.press("v")
    wait_until(olga, "document.readyState === 'complete' && !document.querySelector('.review')")
    olga.close()

    public.goto(f"{server}/devices/fix-cam")
    row = public.locator("table.bom tbody tr")
    assert row.count() == 1
    text = row.text_content()
    assert "ZB25VQ64ASIG" in text and "Zbit" in text and "nor flash" in text   # looked up again
    assert "Z KF2043 | 25VQ64ASIG | EF8881" in text and "Z263" not in text    # the reviewed marking
    assert "unidentified" not in public.text_content(".supplier-lines")
    shot(public, "public-corrected-row")
    row.locator("a.raw").click()                    # the raw readings, one click away
    assert public.locator("#readings + table tbody tr").count() > 0
    reviews = public.text_content("main")
    assert "rita" in reviews and "olga" in reviews and "read from the crop" in reviews
    public.close()
