"""The report of the demo's published device: its data, the page, the PDF printed by the real Chromium
(read back with pdftotext and pdftoppm), and `bomcat report` from the command line."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from bomcat.catalog.models import Photo

from .conftest import web_app

NEEDS_PDF_TOOLS = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")),
                                     reason="chromium and poppler-utils are installed by scripts/setup.sh")


@pytest.fixture(scope="module")
def visitor(demo_catalog):
    return web_app(demo_catalog[0]).test_client()


def test_the_report_numbers_the_suppliers_and_gives_each_part_its_evidence(visitor, demo_catalog):
    data = visitor.get("/devices/demo-ip-camera/report.json").get_json()
    assert not data["draft"] and data["summary"]["components"] == 15 and data["summary"]["reviewers"] == ["demo-reviewer"]
    numbers = [s["number"] for s in data["suppliers"]]
    assert numbers == list(range(1, len(numbers) + 1)) and data["summary"]["suppliers"] == len(numbers)
    rohm = next(s for s in data["suppliers"] if s["manufacturer"] == "ROHM Semiconductor")
    assert rohm["country"] == "Japan" and "BR24G256" in rohm["parts"] and "BD9E301" in rohm["parts"]
    with demo_catalog[0].session() as session:
        shas = {p.sha256 for p in session.scalars(select(Photo))}
    for supplier in data["suppliers"]:
        for part in supplier["evidence"]:
            assert part["crop_url"] and part["verified_by"] == "demo-reviewer" and part["photo_sha256"] in shas
            assert part["outline"] and len(part["outline"]["points"].split()) == 4
    hisilicon = next(s for s in data["suppliers"] if s["manufacturer"] == "HiSilicon")
    assert hisilicon["entity_list"][0]["entity"] == "Huawei"
    letters = {o["manufacturer"]: o for o in data["outreach"]}
    assert letters["ROHM Semiconductor"]["reply_text"].startswith("We sell through distributors")
    assert letters["Sony Semiconductor Solutions"]["reply_text"] is None
    assert letters["Sony Semiconductor Solutions"]["days_without_reply"] == 60
    assert data["introduction"].startswith("This demo report") and data["recommendations"]


def test_a_draft_has_no_public_report_and_a_reviewer_sees_only_its_verified_parts(visitor, demo_catalog):
    from .test_web import login
    assert visitor.get("/devices/demo-ip-camera-rev-c/report").status_code == 404
    client = web_app(demo_catalog[0]).test_client()
    login(client, "demo-reviewer")
    data = client.get("/devices/demo-ip-camera-rev-c/report.json").get_json()
    assert data["draft"] and data["summary"]["components"] == 0 and data["suppliers"] == []   # nothing verified


@NEEDS_PDF_TOOLS
def test_the_pdf_is_a4_with_the_supplier_table_the_replies_and_the_hashes(visitor, tmp_path):
    response = visitor.get("/devices/demo-ip-camera/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info                                                   # pdfinfo names the page size
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    data = visitor.get("/devices/demo-ip-camera/report.json").get_json()
    assert "Contents" in text and "Page 1 of" in text
    for supplier in data["suppliers"]:   # a numbered row of the supplier table: 'N  Company ...'
        first_word = supplier["manufacturer"].split()[0]
        assert re.search(rf"^\s*{supplier['number']}\s+{re.escape(first_word)}", text, re.M), supplier["manufacturer"]
        for part in supplier["evidence"]:
            assert part["photo_sha256"] in text.replace("\n", "").replace(" ", "")
    assert "We sell through distributors" in text and "No response after 60 days" in text
    pages = subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p")],
                           capture_output=True, check=True)
    assert pages.returncode == 0 and len(list(tmp_path.glob("p-*.png"))) == 2
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) - 2 >= 15                       # every crop embedded


@NEEDS_PDF_TOOLS
def test_bomcat_report_writes_the_pdf_and_a_self_contained_html(runner, demo_catalog, tmp_path):
    from pathlib import Path
    catalog = demo_catalog[0]
    db = str(catalog.engine.url)
    runner.env["BOMCAT_PHOTO_STORE"] = str(Path(catalog.engine.url.database).parent / "photos")
    out = runner("--db", db, "report", "demo-ip-camera", "-o", str(tmp_path / "r.pdf"), "--json")
    assert out.returncode == 0, out.stderr
    import json
    summary = json.loads(out.stdout)
    assert summary["format"] == "pdf" and summary["sha256"] == hashlib.sha256((tmp_path / "r.pdf").read_bytes()).hexdigest()
    html = runner("--db", db, "report", "demo-ip-camera", "--format", "html", "-o", str(tmp_path / "r.html"))
    assert html.returncode == 0
    page = (tmp_path / "r.html").read_text()
    assert page.count("data:image/") >= 15 and "/files/derived/" not in page and "<style>" in page
    missing = runner("--db", db, "report", "demo-ip-camera-rev-c")
    assert missing.returncode != 0 and "no published device 'demo-ip-camera-rev-c'" in missing.stderr


def test_pdfs_are_limited_per_address(demo_catalog):
    """Each PDF costs seconds of a browser's work: ten a minute per address, then 429."""
    client = web_app(demo_catalog[0]).test_client()
    statuses = [client.get("/devices/no-such-device/report.pdf").status_code for _ in range(11)]
    assert statuses == [404] * 10 + [429]
