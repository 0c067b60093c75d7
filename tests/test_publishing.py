"""What goes out: the static site, public exports, outreach replies and user administration,
on a real catalog whose components went through ingest, review and publishing."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bomcat.catalog.models import Device, DeviceStatus, OutreachEntry, User
from bomcat.catalog.records import apply_review
from bomcat.catalog.users import authenticate
from bomcat.pipeline.ingest import ingest_photo

from .conftest import board_jpeg, make_catalog, sign_in as signed_in, web_app


@pytest.fixture(scope="module")
def published(tmp_path_factory, small_board):
    """Two devices: 'cam' published with two of three components verified, 'draft' unpublished."""
    catalog = make_catalog(tmp_path_factory.mktemp("publishing"),
                           {"ivan": "investigator", "rita": "reviewer", "adam": "admin"},
                           [("cam", "Hikvision", "DS-2CD2032"), ("draft", "Dahua", "IPC-HDW")])
    ingest_photo(catalog, "cam", small_board[0], "board.jpg", uploaded_by="ivan")
    ingest_photo(catalog, "draft", board_jpeg(seed=41)[0], "draft.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        cam = session.scalar(select(Device).where(Device.slug == "cam"))
        components = sorted(cam.components, key=lambda c: c.part_number or "")
        for component in components[:2]:
            apply_review(session, component, "rita", "verified")
        cam.status = DeviceStatus.published
        hidden = components[2].part_number
    return web_app(catalog), catalog, hidden


@pytest.fixture(scope="module")
def site_dir(published, tmp_path_factory):
    from bomcat.site import write_site
    _, catalog, _ = published
    out = tmp_path_factory.mktemp("site")
    summary = write_site(catalog, out)
    assert summary["pages"] >= 8 and summary["tiles"] > 20
    return out


def test_static_site_has_the_public_pages_and_their_data(site_dir, published):
    _, _, hidden = published
    for name in ("index.html", "devices/cam.html", "devices/cam.csv", "devices/cam.json", "manufacturers.html",
                 "countries.html", "components.html", "components.csv", "makers/hikvision.html",
                 "static/bomcat.css", "static/vendor/openseadragon/openseadragon.min.js", "entity-list.html",
                 "devices/cam/report.html", "devices/cam/report.json", "static/report.css"):
        assert (site_dir / name).is_file(), name
    assert not (site_dir / "devices" / "draft.html").exists()  # drafts are not published
    every_page = "".join(p.read_text() for p in site_dir.rglob("*.html"))
    assert hidden not in every_page  # nor unverified components
    assert "Sign in" not in every_page and "/review" not in every_page
    bom = json.loads((site_dir / "devices" / "cam.json").read_text())
    assert len(bom["bom"]) == 2 and all(row["verified_by"] == "rita" for row in bom["bom"])


def test_static_site_links_all_resolve_to_files(site_dir):
    link = re.compile(r'(?:href|src)="([^"#?]+)"')
    for page in site_dir.rglob("*.html"):
        for target in link.findall(page.read_text()):
            if target.startswith(("http:", "https:", "mailto:")):
                continue
            assert not target.startswith("/"), f"{page}: absolute link {target}"
            assert (page.parent / target).resolve().exists(), f"{page.relative_to(site_dir)} -> {target}"


def test_static_site_keeps_originals_byte_for_byte_and_the_zoom_tiles(site_dir, published, small_board):
    (original,) = (site_dir / "files" / "original").iterdir()
    assert original.suffix == ".jpg" and original.read_bytes() == small_board[0]
    photo_page = (site_dir / "photos" / "1.html").read_text()
    assert '"Url": "../photos/1/tiles_files/"' in photo_page
    assert (site_dir / "photos" / "1" / "tiles_files" / "11" / "0_0.jpg").is_file()


def test_export_site_command(runner, tmp_path, board_file):
    assert runner("devices", "add", "cam", "--maker", "Hikvision", "--model", "X").returncode == 0
    out = tmp_path / "site"
    result = runner("export", "site", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["pages"] >= 4 and (out / "index.html").is_file()
    again = runner("export", "site", str(out))
    assert again.returncode != 0 and "is not empty" in again.stderr


def test_public_export_has_verified_rows_of_published_devices_only(runner, tmp_path, published):
    _, catalog, hidden = published
    url = str(catalog.engine.url)
    everything = runner("--db", url, "export", "--format", "json")
    public = runner("--db", url, "export", "--public", "--format", "json")
    assert everything.returncode == public.returncode == 0, everything.stderr
    all_rows = [json.loads(line) for line in everything.stdout.splitlines()]
    public_rows = [json.loads(line) for line in public.stdout.splitlines()]
    assert {r["device"] for r in all_rows} == {"cam", "draft"} and len(public_rows) == 2
    assert {r["device"] for r in public_rows} == {"cam"} and hidden not in {r["part_number"] for r in public_rows}


def test_anonymous_visitors_see_public_things_only_in_the_new_views(published):
    app, _, hidden = published
    anonymous = signed_in(app, "anonymous")
    parts = anonymous.get("/components.json").get_json()["components"]
    assert len(parts) == 2 and hidden not in {p["part_number"] for p in parts}
    assert all(c["device_makers"] == ["Hikvision"] for c in anonymous.get("/countries.json").get_json()["countries"])
    assert anonymous.get("/makers/dahua").status_code == 404
    assert signed_in(app, "ivan").get("/makers/dahua").status_code == 200
    board = anonymous.get("/photos/1.json").get_json()
    assert len(board["regions"]) == 2 and not board["can_edit"]  # the unverified region is not shown


def test_outreach_reply_recorded_later(published):
    app, catalog, _ = published
    ivan = signed_in(app, "ivan")
    sent = ivan.post("/api/manufacturers/sony-semiconductor-solutions/outreach",
                     json={"sent_on": "2024-03-01", "subject": "Sensors in Hikvision cameras", "kind": "letter"})
    entry = sent.get_json()["outreach"]
    assert entry["status"] == "awaiting"
    early = ivan.post(f"/api/outreach/{entry['id']}/reply", json={"reply_text": "x", "replied_on": "2024-01-01"})
    assert early.status_code == 400 and "before the letter was sent" in early.get_json()["error"]
    assert ivan.post(f"/api/outreach/{entry['id']}/reply", json={}).status_code == 400
    assert signed_in(app, "rita").post(f"/api/outreach/{entry['id']}/reply", json={"reply_text": "x"}).status_code == 403
    reply = ivan.post(f"/api/outreach/{entry['id']}/reply",
                      json={"reply_text": "We sell through distributors.", "replied_on": "2024-04-02"})
    assert reply.status_code == 200 and reply.get_json()["outreach"]["status"] == "answered"
    again = ivan.post(f"/api/outreach/{entry['id']}/reply", json={"reply_text": "changed our mind"})
    assert again.status_code == 409
    assert ivan.post("/api/outreach/999/reply", json={"reply_text": "x"}).status_code == 404
    page = signed_in(app, "anonymous").get("/manufacturers/sony-semiconductor-solutions").get_data(as_text=True)
    assert "We sell through distributors." in page and "Record the reply" not in page
    with catalog.session() as session:
        assert session.get(OutreachEntry, entry["id"]).reply_text == "We sell through distributors."


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("ivan", 403), ("rita", 403), ("adam", 200)])
def test_user_admin_page_is_for_admins(published, role, expected):
    app, *_ = published
    assert signed_in(app, role).get("/admin/users").status_code == expected


def test_admin_adds_changes_and_disables_people(published):
    app, catalog, _ = published
    adam = signed_in(app, "adam")
    added = adam.post("/admin/users", data={"add-name": "nora", "add-password": "a-long-password",
                                            "add-role": "investigator"})
    assert added.status_code == 302
    taken = adam.post("/admin/users", data={"add-name": "nora", "add-password": "a-long-password",
                                            "add-role": "reviewer"})
    assert "nora exists already" in taken.get_data(as_text=True)
    short = adam.post("/admin/users", data={"add-name": "olga", "add-password": "short", "add-role": "reviewer"})
    assert "at least 10" in short.get_data(as_text=True)
    with catalog.session() as session:
        nora = session.scalar(select(User).where(User.name == "nora"))
        assert nora.role.value == "investigator" and nora.password_hash != "a-long-password"
        nora_id, adam_id = nora.id, session.scalar(select(User.id).where(User.name == "adam"))
    changed = adam.post(f"/admin/users/{nora_id}", data={f"u{nora_id}-role": "reviewer",
                                                         f"u{nora_id}-new_password": "another-password"})
    assert changed.status_code == 302  # 'active' unticked: disabled
    with catalog.session() as session:
        nora = session.get(User, nora_id)
        assert nora.role.value == "reviewer" and not nora.active
        assert authenticate(session, "nora", "another-password") is None  # disabled people cannot sign in
    assert adam.post(f"/admin/users/{adam_id}", data={f"u{adam_id}-role": "reviewer",
                                                      f"u{adam_id}-active": "y"}).status_code == 409
    assert adam.post("/admin/users/999", data={"u999-role": "reviewer", "u999-active": "y"}).status_code == 404
