"""Every page and its JSON twin through Flask's test client, on the demo catalog."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bomcat.catalog.models import Component, DerivedImage, Photo


@pytest.fixture(scope="module")
def demo_app(demo_catalog):
    from bomcat.web import create_app
    catalog, _ = demo_catalog
    return create_app({"TESTING": True, "CATALOG": catalog, "WTF_CSRF_ENABLED": False})


@pytest.fixture(scope="module")
def demo_client(demo_app):
    """Signed in as the demo reviewer: sees drafts and proposed components."""
    client = demo_app.test_client()
    login(client, "demo-reviewer")
    return client


def login(client, name: str):
    from bomcat.demo import DEMO_PASSWORD
    response = client.post("/login", data={"name": name, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture(scope="module")
def ids(demo_catalog):
    catalog, _ = demo_catalog
    with catalog.session() as session:
        component = session.scalars(select(Component).where(Component.part_number.like("IMX307%"))).first()
        photo = session.scalars(select(Photo)).first()
        derived = session.scalars(select(DerivedImage).where(DerivedImage.kind == "crop")).first()
        return {"component": component.id, "photo": photo.id, "sha": photo.sha256, "derived": derived.id}


PAGES = ["/devices", "/devices/demo-ip-camera", "/components/{component}", "/photos/{photo}", "/manufacturers",
         "/manufacturers/sony-semiconductor-solutions", "/countries", "/countries/japan", "/makers/demo-vision",
         "/components", "/entity-list"]


@pytest.mark.parametrize("page", PAGES)
def test_page_and_json_twin(demo_client, ids, page):
    url = page.format(**ids)
    html = demo_client.get(url)
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert f'<{url}.json>; rel="alternate"' in html.headers["Link"]
    data = demo_client.get(url + ".json")
    assert data.status_code == 200 and data.mimetype == "application/json"
    assert data.headers["Link"].startswith(f"<{url}>")


def test_device_page_shows_the_bom(demo_client):
    page = demo_client.get("/devices/demo-ip-camera").get_data(as_text=True)
    assert "IMX307" in page and "Sony Semiconductor Solutions" in page and "Japan" in page
    data = demo_client.get("/devices/demo-ip-camera.json").get_json()
    assert data["device"]["slug"] == "demo-ip-camera" and len(data["photos"]) == 3
    rows = {r["part_number"]: r for r in data["components"] if r["part_number"]}
    imx = next(r for p, r in rows.items() if p.startswith("IMX307"))
    assert imx["manufacturer"] == "Sony Semiconductor Solutions" and imx["crop_url"].startswith("/files/derived/")
    assert imx["status"] == "verified" and imx["verified_by"] == "demo-reviewer"  # the demo is reviewed


def test_component_page_shows_evidence_readings_and_reviews(demo_client, ids):
    data = demo_client.get(f"/components/{ids['component']}.json").get_json()["component"]
    assert data["region"]["crop_url"] and data["readings"] and data["reviews"][0]["verdict"] == "proposed"
    assert sum(r["chosen"] for r in data["readings"]) == 1
    html = demo_client.get(f"/components/{ids['component']}").get_data(as_text=True)
    assert "Evidence crop" in html and "Review log" in html and data["readings"][0]["engine"] in html


def test_evidence_files_are_served(demo_client, demo_catalog, ids):
    catalog, _ = demo_catalog
    original = demo_client.get(f"/files/original/{ids['sha']}")
    assert original.status_code == 200 and original.data == catalog.store.read_original(ids["sha"])
    crop = demo_client.get(f"/files/derived/{ids['derived']}")
    assert crop.status_code == 200 and crop.mimetype == "image/png" and crop.data[:4] == b"\x89PNG"


@pytest.mark.parametrize("url", ["/devices/nope", "/components/999999", "/photos/999999",
                                 "/files/original/" + "0" * 64, "/files/original/../../etc/passwd",
                                 "/files/derived/999999"])
def test_missing_things_are_404(demo_client, url):
    assert demo_client.get(url).status_code == 404


def test_json_errors_are_json(demo_client):
    response = demo_client.get("/devices/nope.json")
    assert response.status_code == 404 and response.get_json() == {"error": "no device 'nope'"}


def test_demo_catalog_was_built_through_the_pipeline(demo_catalog):
    _, summary = demo_catalog
    assert summary["photos"] == 3 and summary["components"] == 15
    assert summary["resolved"] >= 12


def test_device_bom_as_csv_is_spreadsheet_safe(demo_client, demo_catalog):
    import csv
    import io
    catalog, _ = demo_catalog
    response = demo_client.get("/devices/demo-ip-camera.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 15 and {"marking", "part_number", "manufacturer", "photo_sha256", "region"} <= set(rows[0])
    assert any(r["part_number"].startswith("IMX307") and r["country"] == "Japan" for r in rows)


def test_supplier_summary_reads_like_a_report(demo_client):
    data = demo_client.get("/devices/demo-ip-camera.json").get_json()
    lines = {s["manufacturer"]: s["line"] for s in data["suppliers"]}
    assert lines["ROHM Semiconductor"] == "ROHM Semiconductor (Japan): regulator, eeprom"
    countries = {c["country"]: c["components"] for c in data["countries"]}
    assert countries["Japan"] >= 6 and countries["China"] >= 3
    html = demo_client.get("/devices/demo-ip-camera").get_data(as_text=True)
    assert "ROHM Semiconductor</a> (Japan): regulator, eeprom" in html and "Components by the supplier" in html


def test_manufacturer_page_lists_devices_with_evidence_and_lineage(demo_client):
    rohm = demo_client.get("/manufacturers/rohm-semiconductor.json").get_json()
    assert rohm["manufacturer"]["country"] == "Japan"
    assert {"OKI", "LAPIS Semiconductor"} <= set(rohm["manufacturer"]["predecessors"])
    entries = {e["device"]["slug"]: e for e in rohm["devices"]}   # a reviewer sees the draft revision's too
    assert sorted(c["part_number"] for c in entries["demo-ip-camera"]["components"]) == ["BD9E301", "BR24G256"]
    assert [c["part_number"] for c in entries["demo-ip-camera-rev-c"]["components"]] == ["BD9E301"]
    assert all(c["crop_url"] for e in entries.values() for c in e["components"])
    listing = {m["name"]: m for m in demo_client.get("/manufacturers.json").get_json()["manufacturers"]}
    assert listing["ROHM Semiconductor"]["components"] == 3 and listing["ROHM Semiconductor"]["devices"] == 2
    assert demo_client.get("/manufacturers/no-such-company").status_code == 404


@pytest.mark.parametrize("query", ["25Q128", "250128", "w25q128jv", "Winbond", "25Q128JVSQ"])
def test_search_is_ocr_tolerant(demo_client, query):
    results = demo_client.get(f"/search.json?q={query}").get_json()["results"]
    assert any(r["part_number"].startswith("W25Q128JV") for r in results), query


@pytest.mark.parametrize("query, status", [("W25Q%00128JV", 200), ("a%00b", 400), ("%01%02%03", 400),
                                           ("%22W25Q128%22%20OR%20*", 200), ("%ED%A0%80", 200)])
def test_search_takes_control_characters_and_quotes_as_text(demo_client, query, status):
    """NUL ends a string in SQLite's FTS5 ('unterminated string'): control characters are spaces to search."""
    response = demo_client.get(f"/search.json?q={query}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]


def test_search_finds_by_manufacturer_and_refuses_tiny_queries(demo_client):
    rohm = demo_client.get("/search.json?q=ROHM").get_json()["results"]
    assert sorted(r["part_number"] for r in rohm) == ["BD9E301", "BD9E301", "BR24G256"]   # rev C's too
    assert demo_client.get("/search.json?q=ab").status_code == 400
    html = demo_client.get("/search?q=IMX307").get_data(as_text=True)
    assert "IMX307LQD" in html and "1 component for" in html


def test_country_and_maker_views(demo_client):
    countries = {c["country"]: c for c in demo_client.get("/countries.json").get_json()["countries"]}
    assert countries["Japan"]["device_makers"] == ["Demo Vision"] and countries["Japan"]["manufacturers"] >= 4
    japan = demo_client.get("/countries/japan.json").get_json()
    (group,) = japan["device_makers"]
    assert group["maker"] == "Demo Vision"
    names = {s["manufacturer"] for s in group["suppliers"]}
    assert {"Sony Semiconductor Solutions", "ROHM Semiconductor", "Seiko Epson"} <= names
    assert all(s["country"] == "Japan" for s in group["suppliers"])
    maker = demo_client.get("/makers/demo-vision.json").get_json()
    assert [d["slug"] for d in maker["devices"]] == ["demo-ip-camera", "demo-ip-camera-rev-c"]  # a reviewer sees the draft
    by_country = {c["country"]: c for c in maker["countries"]}
    assert {s["manufacturer"] for s in by_country["Japan"]["suppliers"]} == names
    assert demo_client.get("/countries/atlantis").status_code == 404
    assert demo_client.get("/makers/nobody").status_code == 404


def test_catalog_wide_parts_list_as_csv_and_json(demo_client):
    import csv
    import io
    data = demo_client.get("/components.json").get_json()
    by_device = {}
    for c in data["components"]:
        by_device[c["device"]["slug"]] = by_device.get(c["device"]["slug"], 0) + 1
    assert by_device == {"demo-ip-camera": 15, "demo-ip-camera-rev-c": 5}  # a reviewer sees the draft's too
    response = demo_client.get("/components.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and len(rows) == 20 and rows[0]["device"] == "demo-ip-camera"


def test_the_demo_shows_the_product_to_visitors_and_leaves_work_for_reviewers(demo_app, demo_catalog):
    """A visitor sees a published, reviewed device with its parts, makers and countries; the draft
    revision, whose proposals wait for a reviewer, is not public."""
    _, summary = demo_catalog
    visitor = demo_app.test_client()
    assert [d["slug"] for d in visitor.get("/devices.json").get_json()["devices"]] == ["demo-ip-camera"]
    bom = visitor.get("/devices/demo-ip-camera.json").get_json()
    assert len(bom["components"]) >= 12 and all(c["status"] == "verified" for c in bom["components"])
    assert visitor.get("/countries/japan").status_code == 200 and visitor.get(
        f"/components/{bom['components'][0]['id']}").status_code == 200
    assert visitor.get("/devices/demo-ip-camera-rev-c").status_code == 404
    assert summary["waiting"] == 5


def test_device_counts_agree_with_what_the_viewer_sees(demo_app, demo_client):
    visitor = demo_app.test_client()
    listed = {d["slug"]: d for d in visitor.get("/devices.json").get_json()["devices"]}["demo-ip-camera"]
    bom = visitor.get("/devices/demo-ip-camera.json").get_json()
    assert listed["components"] == len(bom["components"]) and listed["photos"] == len(bom["photos"])
    reviewer = {d["slug"]: d for d in demo_client.get("/devices.json").get_json()["devices"]}["demo-ip-camera"]
    assert reviewer["components"] == 15 >= listed["components"]


def test_the_demo_flags_its_hisilicon_soc_as_a_listed_makers_part(demo_client):
    """The demo's second board carries a HiSilicon Hi3518: HiSilicon is Huawei's, on the US Entity List."""
    parts = {p["manufacturer"]: p for p in demo_client.get("/entity-list.json").get_json()["parts"]}
    assert parts["HiSilicon"]["entity"] == "Huawei" and parts["HiSilicon"]["components"] >= 1
    rows = demo_client.get("/devices/demo-ip-camera.json").get_json()["components"]
    soc = next(r for r in rows if (r["part_number"] or "").startswith("Hi3518"))
    assert {f["citation"] for f in soc["manufacturer_entity_list"]} >= {"84 FR 22961"}
    assert "84 FR 22961" in demo_client.get("/devices/demo-ip-camera").get_data(as_text=True)


def test_the_demo_revisions_compare_by_their_parts(demo_app, demo_client):
    """Rev C keeps rev B's flash and regulator and has another SoC and sensor; a visitor may not compare
    with the unpublished revision."""
    data = demo_client.get("/devices/demo-ip-camera/compare/demo-ip-camera-rev-c.json").get_json()
    both = {p["part_number"] for p in data["parts"]["both"]}
    assert any(p.startswith("W25Q128JV") for p in both) and any(p.startswith("BD9E301") for p in both)
    assert any(p["part_number"].startswith("T40") for p in data["parts"]["only_b"])
    assert any(p["part_number"].startswith("IMX307") for p in data["parts"]["only_a"])
    assert "Winbond Electronics" in data["suppliers"]["both"] and "SmartSens Technology" in data["suppliers"]["only_b"]
    page = demo_client.get("/devices/demo-ip-camera/compare/demo-ip-camera-rev-c").get_data(as_text=True)
    assert "Parts in both" in page and "IMX307" in page
    assert "/compare/demo-ip-camera-rev-c" in demo_client.get("/devices/demo-ip-camera").get_data(as_text=True)
    visitor = demo_app.test_client()
    assert visitor.get("/devices/demo-ip-camera/compare/demo-ip-camera-rev-c.json").status_code == 404
    itself = visitor.get("/devices/demo-ip-camera/compare/demo-ip-camera.json").get_json()
    assert not itself["parts"]["only_a"] and not itself["parts"]["only_b"] and itself["parts"]["both"]
    assert "/compare/" not in visitor.get("/devices/demo-ip-camera").get_data(as_text=True)   # no public other
