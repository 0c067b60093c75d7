"""The board view's back end on a real catalog: Deep Zoom tiles of the upright photo, and
regions drawn, moved, resized, named and deleted by hand (re-cut, re-read, logged)."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from bomcat.catalog.models import Component, Photo, Region, RegionEvent
from bomcat.images import tiles
from bomcat.pipeline.ingest import ingest_photo

from .conftest import make_catalog, sign_in as signed_in, web_app


@pytest.fixture(scope="module")
def board(tmp_path_factory, small_board):
    catalog = make_catalog(tmp_path_factory.mktemp("board"), {"ivan": "investigator", "rita": "reviewer"},
                           [("cam", "Hikvision", "DS-2CD2032")])
    result = ingest_photo(catalog, "cam", small_board[0], "board.jpg", uploaded_by="ivan")
    return web_app(catalog), catalog, result.photo_id, small_board[1]


def test_tiles_make_a_whole_deep_zoom_pyramid(board):
    app, catalog, photo_id, _ = board
    client = signed_in(app, "ivan")
    page = client.get(f"/photos/{photo_id}.json").get_json()
    source = page["tiles"]["Image"]
    width, height = int(source["Size"]["Width"]), int(source["Size"]["Height"])
    assert (width, height) == (1500, 1000) and source["Url"] == f"/photos/{photo_id}/tiles_files/"
    top = tiles.max_level(width, height)
    full = client.get(f"/photos/{photo_id}/tiles_files/{top}/0_0.jpg")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(full.data)).size == (tiles.TILE_SIZE + 1, tiles.TILE_SIZE + 1)
    last_col, last_row = (width - 1) // tiles.TILE_SIZE, (height - 1) // tiles.TILE_SIZE
    corner = Image.open(io.BytesIO(client.get(f"/photos/{photo_id}/tiles_files/{top}/{last_col}_{last_row}.jpg").data))
    assert corner.size == (width - last_col * tiles.TILE_SIZE + 1, height - last_row * tiles.TILE_SIZE + 1)
    assert Image.open(io.BytesIO(client.get(f"/photos/{photo_id}/tiles_files/0/0_0.jpg").data)).size == (1, 1)
    assert client.get(f"/photos/{photo_id}/tiles_files/{top}/{last_col + 1}_0.jpg").status_code == 404
    assert client.get(f"/photos/{photo_id}/tiles_files/{top + 1}/0_0.jpg").status_code == 404
    # A draft device's tiles are not public.
    assert signed_in(app, "anonymous").get(f"/photos/{photo_id}/tiles_files/{top}/0_0.jpg").status_code == 404


def test_the_pyramid_is_rebuilt_when_missing_and_the_original_is_untouched(board):
    import shutil
    app, catalog, photo_id, _ = board
    with catalog.session() as session:
        sha = session.get(Photo, photo_id).sha256
    before = catalog.store.read_original(sha)
    shutil.rmtree(catalog.store.tiles_dir(sha), ignore_errors=True)
    assert signed_in(app, "ivan").get(f"/photos/{photo_id}/tiles_files/3/0_0.jpg").status_code == 200
    assert catalog.store.tiles_dir(sha).is_dir() and catalog.store.read_original(sha) == before


def _region_near(catalog, photo_id, chip):
    with catalog.session() as session:
        for region in session.scalars(select(Region).where(Region.photo_id == photo_id)):
            if abs(region.cx - chip.box.cx) < 20 and abs(region.cy - chip.box.cy) < 20:
                return region.id
    raise AssertionError("no region at the chip")


def test_a_region_drawn_by_hand_is_cut_read_and_proposed(board):
    app, catalog, photo_id, chips = board
    client = signed_in(app, "ivan")
    chip = chips[0]  # winbond 25Q128JVSQ: draw a box of our own over it
    box = {"cx": chip.box.cx, "cy": chip.box.cy, "w": chip.box.w * 1.05, "h": chip.box.h * 1.05,
           "angle": chip.box.angle, "designator": "U9"}
    response = client.post(f"/api/photos/{photo_id}/regions", json=box)
    assert response.status_code == 201, response.get_json()
    region = response.get_json()["region"]
    assert region["origin"] == "manual" and region["created_by"] == "ivan" and region["designator"] == "U9"
    assert region["component"]["part_number"].startswith("W25Q128JV") and region["crop_url"]
    assert [e["action"] for e in region["events"]] == ["drawn"]
    with catalog.session() as session:
        component = session.scalar(select(Component).where(Component.region_id == region["id"]))
        assert component.reviews[0].reviewer == "ivan"  # the four-eyes rule then applies to ivan
        assert session.get(Region, region["id"]).readings


def test_moving_a_region_recuts_rereads_and_sends_it_back_to_review(board):
    app, catalog, photo_id, chips = board
    client = signed_in(app, "ivan")
    region_id = _region_near(catalog, photo_id, chips[2])  # EPSON SG-8018CA
    reviewer = signed_in(app, "rita")
    with catalog.session() as session:
        component_id = session.scalar(select(Component.id).where(Component.region_id == region_id))
        old_crop = session.get(Region, region_id).crop().id
    assert reviewer.post(f"/api/components/{component_id}/review", json={"verdict": "verified"}).status_code == 200
    moved = client.patch(f"/api/regions/{region_id}", json={"cx": chips[2].box.cx + 3, "w": chips[2].box.w * 1.1})
    assert moved.status_code == 200, moved.get_json()
    region = moved.get_json()["region"]
    assert region["crop_url"] != f"/files/derived/{old_crop}" and region["events"][-1]["action"] == "moved"
    assert region["component"]["status"] == "proposed" and region["component"]["part_number"].startswith("SG-8018CA")
    with catalog.session() as session:
        component = session.get(Component, component_id)
        assert [r.verdict.value for r in component.reviews][-2:] == ["verified", "reopened"]
        assert component.reviews[-1].reviewer == "ivan"
        event = session.scalars(select(RegionEvent).where(RegionEvent.region_id == region_id)).all()[-1]
        assert event.before["cx"] == pytest.approx(chips[2].box.cx, abs=15) and event.by == "ivan"
        assert len([d for d in session.get(Region, region_id).crops if d.kind == "crop"]) == 2  # the old one kept


def test_designator_and_delete(board):
    app, catalog, photo_id, chips = board
    client = signed_in(app, "ivan")
    region_id = _region_near(catalog, photo_id, chips[1])
    named = client.patch(f"/api/regions/{region_id}", json={"designator": " U1 "})
    assert named.status_code == 200 and named.get_json()["region"]["designator"] == "U1"
    assert named.get_json()["region"]["events"][-1]["action"] == "designated"
    gone = client.delete(f"/api/regions/{region_id}", json={"reason": "double detection"})
    assert gone.status_code == 200 and gone.get_json()["region"]["deleted"] is True
    with catalog.session() as session:
        region = session.get(Region, region_id)
        assert region.deleted_by == "ivan" and region.component.status.value == "rejected"
        assert "double detection" in region.component.reviews[-1].comment
    page = client.get(f"/photos/{photo_id}.json").get_json()
    assert region_id not in [r["id"] for r in page["regions"]]
    assert client.patch(f"/api/regions/{region_id}", json={"designator": "U2"}).status_code == 404
    assert client.delete(f"/api/regions/{region_id}").status_code == 404


@pytest.mark.parametrize("body, message", [
    ({"cx": 10, "cy": 10, "w": 2, "h": 40}, "at least 8 pixels"),
    ({"cx": 99999, "cy": 10, "w": 20, "h": 40}, "must lie on the photo"),
    ({"cx": "left", "cy": 10, "w": 20, "h": 40}, "cx must be a number"),
    ({"cx": 10, "cy": 10, "w": "nan", "h": 40}, "finite"),
    ({"cx": 10, "cy": 10}, "missing: w, h"),
])
def test_bad_regions_get_a_clear_400(board, body, message):
    app, catalog, photo_id, _ = board
    with catalog.session() as session:
        before = session.scalar(select(Region.id).order_by(Region.id.desc()))
    response = signed_in(app, "ivan").post(f"/api/photos/{photo_id}/regions", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]
    with catalog.session() as session:  # nothing half-written
        assert session.scalar(select(Region.id).order_by(Region.id.desc())) == before


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("rita", 403)])
@pytest.mark.parametrize("method, url", [("post", "/api/photos/{p}/regions"), ("patch", "/api/regions/1"),
                                         ("delete", "/api/regions/1")])
def test_only_investigators_edit_regions(board, role, expected, method, url):
    app, _, photo_id, _ = board
    response = getattr(signed_in(app, role), method)(url.format(p=photo_id), json={"cx": 50, "cy": 50, "w": 20, "h": 20})
    assert response.status_code == expected


def test_unknown_photo_and_fields(board):
    app, *_ = board
    client = signed_in(app, "ivan")
    assert client.post("/api/photos/999/regions", json={"cx": 1, "cy": 1, "w": 9, "h": 9}).status_code == 404
    assert client.patch("/api/regions/1", json={"colour": "red"}).status_code == 400
