"""One click, one box: rendered boards of several mask colours (inside a package, off its centre, on
bare board), the command's contract, the board view's API, and the shared photos when present."""
from __future__ import annotations

import csv
import json
import random

import cv2
import pytest

from bomcat.images.click import box_at
from bomcat.images.geometry import iou_xywh
from bomcat.images.photo import load_upright_bgr
from bomcat.images.synth import render_board

from .conftest import shared_path
from .test_detect import chips

COLOURS = {"green": (28, 92, 40), "blue": (30, 60, 140), "red": (140, 30, 30), "white": (220, 220, 215),
           "yellow": (200, 170, 40)}


@pytest.fixture(scope="module", params=list(COLOURS))
def board(request):
    colour = COLOURS[request.param]
    return render_board(chips(), size=(2400, 1600), seed=sum(colour) + 2400, colour=colour)


def boxed(board, offset: float) -> int:
    """How many of the board's packages a click gives (IoU >= 0.5), clicking off-centre by `offset` of the size."""
    hits = 0
    for chip in board.chips:
        b = chip.box
        found = box_at(board.image, b.cx + offset * b.w / 2, b.cy + offset * b.h / 2)
        hits += found is not None and iou_xywh(b.hull(), found.hull()) >= 0.5
    return hits


def test_a_click_inside_a_package_boxes_it(board):
    assert boxed(board, 0.0) >= len(board.chips) - 1


def test_a_click_near_a_package_edge_still_boxes_it(board):
    assert boxed(board, 0.3) >= len(board.chips) - 2


def test_a_click_on_bare_board_or_off_the_photo_gives_nothing(board):
    height, width = board.image.shape[:2]
    for x, y in ((6, 6), (width // 2, 12), (width - 8, height - 8), (-5, 10), (width + 3, 10)):
        assert box_at(board.image, x, y) is None


def test_detect_at_prints_one_object_with_a_box_or_null_per_click(runner, tmp_path, board):
    path = tmp_path / "board.png"
    cv2.imwrite(str(path), board.image)
    chip = board.chips[0].box
    result = runner("detect", "--json", "--at", f"{chip.cx:.0f},{chip.cy:.0f}", "--at", "6,6", str(path))
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    data = json.loads(line)
    assert data["file"] == str(path) and len(data["chips"]) == 2 and data["chips"][1] is None
    assert set(data["chips"][0]) >= {"cx", "cy", "w", "h", "angle", "score"}
    bad = runner("detect", "--at", "12;7", str(path))
    assert bad.returncode != 0 and bad.stderr.startswith("bomcat: error:") and "X,Y" in bad.stderr


def test_the_board_view_boxes_the_package_under_a_click(tmp_path, small_board):
    from bomcat.catalog.models import Region
    from bomcat.images.ingest import ingest_photo
    from .conftest import make_catalog, sign_in, web_app
    catalog = make_catalog(tmp_path, {"ivan": "investigator"}, [("cam", "Hikvision", "X")])
    photo = ingest_photo(catalog, "cam", small_board[0], "board.jpg", uploaded_by="ivan")
    client = sign_in(web_app(catalog), "ivan")
    chip = small_board[1][1].box
    response = client.post(f"/api/photos/{photo.photo_id}/regions", json={"at": [chip.cx, chip.cy]})
    assert response.status_code == 201, response.get_json()
    region = response.get_json()["region"]
    assert iou_xywh((region["cx"] - region["w"] / 2, region["cy"] - region["h"] / 2, region["w"], region["h"]),
                    chip.hull()) >= 0.5
    with catalog.session() as session:
        assert session.get(Region, region["id"]).origin.value == "manual"
    bare = client.post(f"/api/photos/{photo.photo_id}/regions", json={"at": [5, 5]})
    assert bare.status_code == 422 and "no package found" in bare.get_json()["error"]
    assert client.post(f"/api/photos/{photo.photo_id}/regions", json={"at": ["x", 5]}).status_code == 400


def test_clicks_on_the_shared_board_photos_box_most_chips():
    """A regression guard on real photos (`bomcat bench detect --clicks` measures the figure)."""
    root = shared_path("boards")
    with (root / "boards.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    rng, hits, images = random.Random(1), 0, {}
    for row in rows:
        image = images.setdefault(row["file"], load_upright_bgr(root / row["file"]))
        x, y, w, h = (float(row[k]) for k in "xywh")
        found = box_at(image, x + w / 2 + rng.uniform(-0.2, 0.2) * w, y + h / 2 + rng.uniform(-0.2, 0.2) * h)
        hits += found is not None and iou_xywh(found.hull(), (x, y, w, h)) >= 0.5
    assert hits / len(rows) >= 0.5
