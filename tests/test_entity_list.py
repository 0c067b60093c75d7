"""Entity-list flags: the shipped data file, name matching, the file's errors, and the flags on real
pages of a real catalog (a published Hikvision camera with a HiSilicon SoC and a Sony sensor, and a
draft Dahua camera that visitors must not see)."""
from __future__ import annotations

import datetime as dt

import pytest
from bomcat.catalog import entity_list
from bomcat.catalog.entity_list import EntityListError, entity_of, parse

from .conftest import make_catalog, sign_in, web_app


def test_the_shipped_list_cites_every_listing_and_holds_the_camera_makers():
    entities = {e.short: e for e in entity_list.load()}
    assert {"Hikvision", "Dahua", "Huawei"} <= set(entities)
    for entity in entities.values():
        assert entity.listings and all(x.citation and x.url.startswith("https://") for x in entity.listings)
    hikvision = {x.list: x for x in entities["Hikvision"].listings}
    assert hikvision["US Entity List"].citation == "84 FR 54002"
    assert hikvision["US Entity List"].added == dt.date(2019, 10, 9)
    assert {x.list for x in entities["Dahua"].listings} == set(hikvision)


@pytest.mark.parametrize("name, entity, via", [
    ("Hikvision", "Hikvision", None), ("HIKVISION", "Hikvision", None),
    ("Hangzhou Hikvision Digital Technology Co., Ltd.", "Hikvision", None),
    ("EZVIZ", "Hikvision", "EZVIZ"), ("Zhejiang Dahua Technology", "Dahua", None),
    ("HiSilicon", "Huawei", "HiSilicon"), ("HiSilicon Technologies", "Huawei", "HiSilicon"),
    ("Dahuang Electronics", None, None), ("Sony Semiconductor Solutions", None, None), ("ROHM", None, None),
    ("Hikvisionary Optics", None, None), ("", None, None), (None, None, None)])
def test_a_name_is_flagged_by_whole_words_of_an_entity_or_subsidiary(name, entity, via):
    found = entity_of(name)
    assert (found[0].short if found else None, found[1] if found else None) == (entity, via)


@pytest.mark.parametrize("text, complaint", [
    ('[[entity]]\nname = "X Co."\nshort = "X"\nnames = ["X"]\n', "no listing"),
    ('[[entity]]\nname = "X Co."\nshort = "X"\nnames = ["X"]\n[[entity.listing]]\nlist = "US Entity List"\n'
     'added = 2019-10-09\nurl = "https://example.org"\n', "missing 'citation'"),
    ('[[entity]]\nname = "X Co."\nshort = "X"\nnames = ["X"]\n[[entity.listing]]\nlist = "L"\n'
     'added = "last year"\ncitation = "1 FR 1"\nurl = "https://example.org"\n', "'added' must be a date"),
    ('[[entity]]\nshort = "X"\nnames = ["X"]\n', "missing 'name'"),
    ('[[entity]\n', "entity_list.toml"),
])
def test_a_malformed_list_is_refused_naming_the_entry_and_the_fault(text, complaint):
    with pytest.raises(EntityListError) as caught:
        parse(text)
    assert complaint in str(caught.value) and "entity_list.toml" in str(caught.value)


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    """'cam' (Hikvision) is published with a verified HiSilicon and a verified Sony part, and a
    proposed one; 'draft' (Dahua) is not published."""
    from bomcat.pipeline.ingest import ingest_photo
    from .conftest import board_jpeg, publish_with_parts
    catalog = make_catalog(tmp_path_factory.mktemp("entity"), {"rita": "reviewer", "vera": "reviewer"},
                           [("cam", "Hikvision", "DS-2CD2032"), ("draft", "Dahua", "IPC-HDW")])
    soc, sensor, proposed = publish_with_parts(catalog, "cam", 61, [("HiSilicon", "Hi3516CV300"),
                                                                   ("Sony", "IMX291LQR")])[:3]
    ingest_photo(catalog, "draft", board_jpeg(seed=62)[0], "draft.jpg", uploaded_by="ivan")
    ids = {"soc": soc, "sensor": sensor, "proposed": proposed}
    return web_app(catalog), ids


def test_the_entity_list_page_shows_listed_makers_devices_and_the_suppliers_inside(flagged):
    app, _ids = flagged
    data = app.test_client().get("/entity-list.json").get_json()
    assert [d["slug"] for d in data["devices"]] == ["cam"]          # not the draft Dahua camera
    cam = data["devices"][0]
    assert cam["entity"] == "Hikvision" and {s["manufacturer"] for s in cam["suppliers"]} >= {"HiSilicon", "Sony"}
    assert [(p["manufacturer"], p["entity"], p["via"], p["components"]) for p in data["parts"]] == \
        [("HiSilicon", "Huawei", "HiSilicon", 1)]
    html = app.test_client().get("/entity-list").get_data(as_text=True)
    assert "84 FR 54002" in html and "/devices/cam" in html and "/devices/draft" not in html


def test_pages_and_their_json_carry_the_flags_with_the_citation(flagged):
    app, ids = flagged
    client = app.test_client()
    device = client.get("/devices/cam.json").get_json()
    assert {f["citation"] for f in device["device"]["entity_list"]} >= {"84 FR 54002"}
    rows = {r["id"]: r for r in device["components"]}
    assert rows[ids["soc"]]["manufacturer_entity_list"][0]["entity"] == "Huawei"
    assert rows[ids["sensor"]]["manufacturer_entity_list"] == []
    suppliers = {s["manufacturer"]: s for s in device["suppliers"]}
    assert suppliers["HiSilicon"]["entity_list"] and not suppliers["Sony"]["entity_list"]
    assert client.get("/manufacturers/hisilicon.json").get_json()["entity_list"][0]["via"] == "HiSilicon"
    assert client.get("/makers/hikvision.json").get_json()["entity_list"][0]["entity"] == "Hikvision"
    page = client.get("/devices/cam").get_data(as_text=True)
    assert "Made by a listed organisation" in page and "84 FR 54002" in page


def test_a_reviewer_sees_the_draft_device_of_a_listed_maker_too(flagged):
    app, _ids = flagged
    data = sign_in(app, "rita").get("/entity-list.json").get_json()
    assert sorted(d["slug"] for d in data["devices"]) == ["cam", "draft"]
