"""Reviewed photos as detector data: `bomcat export boxes`, `bench detect` on the export, and the
patches `bomcat train detector --photos` cuts from it (the training loop itself needs PyTorch)."""
from __future__ import annotations

import csv
import json
import os

import cv2
import numpy as np
import pytest

from bomcat.catalog.models import ComponentStatus, Photo
from bomcat.catalog.records import apply_review
from bomcat.images.boxes_file import read_boxes
from bomcat.pipeline.ingest import ingest_photo
from bomcat.pipeline.regions import delete_region, draw_region

from .conftest import board_jpeg, make_catalog


@pytest.fixture
def reviewed(tmp_path):
    """A catalog in `home` with two photos of one device: the first fully reviewed (a false region
    deleted, a missed one drawn, every chip verified), the second left as proposed."""
    home = tmp_path / "home"
    home.mkdir()
    catalog = make_catalog(home, devices=(("cam", "Hikvision", "DS-2CD"),))
    first, chips = board_jpeg(seed=7)
    second, _ = board_jpeg(seed=8)
    done = ingest_photo(catalog, "cam", first, "front.jpg", "ivan")
    ingest_photo(catalog, "cam", second, "back.jpg", "ivan")
    stray = draw_region(catalog, done.photo_id, {"cx": 60, "cy": 60, "w": 50, "h": 40, "angle": 0}, "ivan")
    delete_region(catalog, stray, "rita", "bare board, not a chip")
    drawn = draw_region(catalog, done.photo_id, {"cx": 1300, "cy": 850, "w": 80, "h": 60, "angle": 10}, "ivan")
    with catalog.session() as session:
        photo = session.get(Photo, done.photo_id)
        for region in photo.regions:
            if region.deleted_at is None:
                apply_review(session, region.component, "rita", "verified")
    return home, catalog, done.photo_id, drawn, chips


def test_export_boxes_writes_the_reviewed_photo_and_its_live_regions(reviewed, runner, tmp_path):
    home, catalog, photo_id, drawn, chips = reviewed
    out = tmp_path / "examples"
    result = runner("export", "boxes", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["photos"] == 1 and summary["chips"] == len(chips) + 1   # the detected chips and the drawn one
    with catalog.session() as session:
        photo = session.get(Photo, photo_id)
        upright = photo.derivative("upright")
        live = {r.id: r for r in photo.regions if r.deleted_at is None}
        assert all(r.component.status == ComponentStatus.verified for r in live.values())
        upright_bytes = catalog.store.path(upright.path).read_bytes()
    rows = list(csv.DictReader((out / "boards.csv").open()))
    assert {int(r["region_id"]) for r in rows} == set(live)            # the deleted region is not a chip
    assert {r["file"] for r in rows} == {f"{rows[0]['photo_sha256'][:20]}.jpg"}
    assert (out / rows[0]["file"]).read_bytes() == upright_bytes       # the derived upright image, as stored
    drawn_row = next(r for r in rows if int(r["region_id"]) == drawn)
    x, y, w, h = (int(drawn_row[k]) for k in "xywh")
    assert 1300 - w / 2 - 1 <= x <= 1300 - 40 and w > 80 and h > 60    # a turned box's hull holds it
    assert x + w <= 1500 and y + h <= 1000                              # clipped to the photo
    # The benchmark reads the export: the detected chips come back, the hand-drawn one is the miss.
    bench = runner("bench", "detect", str(out))
    assert bench.returncode == 0, bench.stderr
    shipped = next(line for line in bench.stdout.splitlines() if line.startswith("bomcat: both"))
    assert any(line.startswith("anchor: rendered-only U-Net") for line in bench.stdout.splitlines())  # the old model
    assert shipped.split()[3] == f"{len(chips) / (len(chips) + 1):.3f}"  # recall: 3 of 4
    again = runner("export", "boxes", str(out))
    assert again.returncode != 0 and "is not empty" in again.stderr


def test_a_photo_with_an_undecided_or_rejected_region_is_left_out(reviewed, runner, tmp_path):
    home, catalog, photo_id, _, _ = reviewed
    with catalog.session() as session:
        component = next(r.component for r in session.get(Photo, photo_id).regions if r.deleted_at is None)
        apply_review(session, component, "rita", "rejected", comment="cannot read it")
    result = runner("export", "boxes", str(tmp_path / "none"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"directory": str(tmp_path / "none"), "photos": 0, "chips": 0}
    assert read_boxes(tmp_path / "none") == {}


def _rendered_folder(folder, seed=3):
    from bomcat.images.synth import SyntheticChip, render_board
    board = render_board([SyntheticChip(["AKM", "AK4951EN"], "QFN", 0), SyntheticChip(["T31"], "BGA", 90)],
                         size=(1600, 1000), seed=seed)
    folder.mkdir()
    cv2.imwrite(str(folder / "board.png"), board.image)
    with (folder / "boards.csv").open("w") as fh:
        fh.write("file,x,y,w,h\n")
        for chip in board.chips:
            fh.write("board.png," + ",".join(f"{v:.0f}" for v in chip.box.hull()) + "\n")
    return folder


def test_photo_patches_cut_round_the_boxes_at_detection_scales(tmp_path):
    from bomcat.images.package_net import photo_patches
    folder = _rendered_folder(tmp_path / "photos")
    images, masks = photo_patches([folder], 60, seed=1)
    again, _ = photo_patches([folder], 60, seed=1)
    assert images.shape == (60, 256, 256, 3) and masks.shape == (60, 256, 256) and np.array_equal(images, again)
    with_chip = [i for i in range(60) if masks[i].any()]
    assert len(with_chip) >= 30                                   # most patches are cut round a chip
    grey = np.stack([cv2.cvtColor(im, cv2.COLOR_BGR2GRAY) for im in images[with_chip]])
    chip = masks[with_chip] > 0
    assert np.median(grey[chip]) + 15 < np.median(grey[~chip])    # the mask lies on the dark packages


@pytest.mark.parametrize("boards_csv, message", [
    (None, "boards.csv: no such file"),
    ("file,x,y,w,h\nboard.png,1,2,three,4\n", "line 2: needs numbers in columns x, y, w, h"),
    ("file,x,y,w,h\n../board.png,1,2,3,4\n", "'file' must be a file name"),
    ("file,x,y,w,h\ngone.png,1,2,3,4\n", "names 'gone.png', which is not there"),
    ("file,x,y,w,h\n", "boards.csv names no photo"),
])
def test_train_detector_says_what_is_wrong_with_a_photo_folder(runner, tmp_path, boards_csv, message):
    folder = tmp_path / "photos"
    folder.mkdir()
    if boards_csv is not None:
        (folder / "boards.csv").write_text(boards_csv)
    result = runner("train", "detector", "--photos", str(folder), "--out", str(tmp_path / "m.onnx"))
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "m.onnx").exists()


def test_train_detector_on_rendered_boards_and_photos_exports_a_model_detection_runs(runner, tmp_path):
    """The whole training path, briefly: render, cut photo patches, train, export ONNX; then the
    exported model runs under OpenCV's DNN module with the map contract detection relies on."""
    pytest.importorskip("torch", reason="training needs PyTorch (scripts/setup.sh installs the CPU build)")
    from bomcat.images.detect import OUTPUT_STRIDE, package_probability, to_input
    folder = _rendered_folder(tmp_path / "photos")
    model = tmp_path / "mine.onnx"
    result = runner("train", "detector", "--base", "unet", "--photos", str(folder), "--patches", "120",
                    "--minutes", "0.1", "--seed", "1", "--out", str(model))
    assert result.returncode == 0, result.stderr
    figures = dict(item.split("=", 1) for item in result.stdout.split())
    assert figures["patches"] == "120" and figures["from_photos"] == "60" and int(figures["steps"]) > 0
    assert "cut 60 patches from the photos" in result.stderr
    image = cv2.imread(str(folder / "board.png"))
    net = cv2.dnn.readNetFromONNX(str(model))
    net.setInput(to_input(image[:256, :384]))
    assert net.forward().shape == (1, 1, 256 // OUTPUT_STRIDE, 384 // OUTPUT_STRIDE)
    probability = package_probability(image, model, work_size=512)
    assert probability.shape == (320, 512)           # the map is cut back to the input at work size
    assert np.isfinite(probability).all() and 0 <= probability.min() <= probability.max() <= 1


def test_the_detector_trains_from_the_pretrained_text_detector_and_keeps_the_map_contract(runner, tmp_path):
    """`--base ppocr-det`: PP-OCRv4's text detector, from the rapidocr wheel through onnx2torch, trained
    briefly and exported; OpenCV's DNN module runs it with the U-Net's input and its quarter-size map."""
    pytest.importorskip("torch", reason="training needs PyTorch (scripts/setup.sh installs the CPU build)")
    from bomcat.images.detect import OUTPUT_STRIDE, to_input
    from bomcat.images.pretrained import PPOCR_MEAN, PPOCR_STD, check_pretrained, ppocr_det_body, ppocr_det_path
    try:
        check_pretrained()
    except (ImportError, FileNotFoundError) as exc:
        if os.environ.get("CI"):   # scripts/setup.sh installs both beside PyTorch
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    import onnxruntime
    import torch
    # The conversion is exact: the body's logits are the shipped detector's probabilities, un-squashed.
    image = cv2.imread(str(_rendered_folder(tmp_path / "photos") / "board.png"))[:320, :480]
    mean, std = np.array(PPOCR_MEAN, np.float32), np.array(PPOCR_STD, np.float32)
    x = ((image.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1)[None]   # as RapidOCR feeds it
    session = onnxruntime.InferenceSession(str(ppocr_det_path()), providers=["CPUExecutionProvider"])
    shipped = session.run(None, {session.get_inputs()[0].name: x})[0]
    body = ppocr_det_body().eval()
    with torch.no_grad():
        ours = torch.sigmoid(body(torch.from_numpy(x))).numpy()
    assert np.abs(ours - shipped).max() < 1e-4

    model = tmp_path / "pretrained.onnx"
    result = runner("train", "detector", "--base", "ppocr-det", "--photos", str(tmp_path / "photos"),
                    "--patches", "40", "--minutes", "0.05", "--seed", "1", "--out", str(model))
    assert result.returncode == 0, result.stderr
    assert "base=ppocr-det" in result.stdout and int(dict(i.split("=", 1) for i in result.stdout.split())["steps"]) > 0
    net = cv2.dnn.readNetFromONNX(str(model))
    net.setInput(to_input(image[:256, :384]))
    assert net.forward().shape == (1, 1, 256 // OUTPUT_STRIDE, 384 // OUTPUT_STRIDE)
