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
    from bomcat.pipeline.ingest import ingest_photo
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


def _clipped_hull(box, width: int, height: int) -> tuple[float, float, float, float]:
    x, y, w, h = box.hull()
    x0, y0, x1, y1 = max(0.0, x), max(0.0, y), min(float(width), x + w), min(float(height), y + h)
    return x0, y0, x1 - x0, y1 - y0


@pytest.mark.parametrize("side", ["left", "top", "right", "bottom"])
def test_a_package_cut_off_by_the_photo_border_is_boxed_up_to_the_border(side):
    """The photo's own border is not a window's edge: the package is boxed up to it, as a labeller would."""
    board = render_board(chips(), size=(2400, 1600), seed=7, colour=COLOURS["green"])
    qfp = board.chips[0].box
    x, y, w, h = (int(v) for v in qfp.hull())
    cut = {"left": (slice(None), slice(x + w // 3, None)), "top": (slice(y + h // 3, None), slice(None)),
           "right": (slice(None), slice(None, x + 2 * w // 3)), "bottom": (slice(None, y + 2 * h // 3), slice(None))}
    rows, cols = cut[side]
    image = board.image[rows, cols].copy()
    dx, dy = cols.start or 0, rows.start or 0
    from bomcat.images.geometry import RotatedBox
    moved = RotatedBox(qfp.cx - dx, qfp.cy - dy, qfp.w, qfp.h, qfp.angle)
    truth = _clipped_hull(moved, image.shape[1], image.shape[0])
    found = box_at(image, truth[0] + truth[2] / 2, truth[1] + truth[3] / 2)
    assert found is not None and iou_xywh(found.hull(), truth) >= 0.5


def _with_twin(board, index: int, gap_share: float):
    """The board with a copy of package `index` a gap of `gap_share` of its width to its right (None: no room)."""
    image = board.image.copy()
    x, y, w, h = (int(v) for v in board.chips[index].box.hull())
    pad, gap = int(0.15 * w), max(4, int(gap_share * w))
    if x + 2 * w + gap + pad > image.shape[1]:
        return None
    image[y - pad:y + h + pad, x + w + gap - pad:x + 2 * w + gap + pad] = image[y - pad:y + h + pad,
                                                                              x - pad:x + w + pad].copy()
    return image


def test_a_click_boxes_one_package_not_it_and_its_twin_beside_it():
    """Packages a small gap apart: a click gives the one under it (the most rectangular blob of those the
    network is sure of), not both run together; a blob merged across a gap is less rectangular."""
    hits = cases = 0
    for colour in COLOURS.values():
        board = render_board(chips(), size=(2400, 1600), seed=11, colour=colour)
        for index in (1, 4, 5):
            for gap_share in (0.12, 0.25):
                box, image = board.chips[index].box, _with_twin(board, index, gap_share)
                if image is None:
                    continue
                found = box_at(image, box.cx, box.cy)
                cases += 1
                hits += found is not None and iou_xywh(found.hull(), box.hull()) >= 0.5
    assert cases >= 20 and hits >= cases - 1
