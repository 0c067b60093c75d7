"""Finding IC packages on a whole-board photo with OpenCV.

Two maps say where package bodies are. The learned one: a text detector pretrained on
real photos and trained on into a package detector on rendered boards and labelled
photos (`images/package_net.py`, `images/pretrained.py`; shipped as ONNX and run by
OpenCV's DNN module) gives each pixel a package probability. The rule-based one:
packages are dark, matte, low-saturation rectangles, so "darkness" against the
surroundings. Each map is thresholded at several levels, the contours that fill
their minimum-area rectangle well become rotated boxes, and non-maximum suppression
merges the survivors.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from bomcat.settings import compute_threads

from .geometry import RotatedBox, iou_xywh

WORK_SIZE = 1400          # long side the detector works at, for speed and scale-invariance
MIN_AREA_FRACTION = 0.0006
MAX_AREA_FRACTION = 0.30
MAX_ASPECT = 2.6
MIN_FILL = 0.78
BACKGROUND_WINDOWS = (101, 301)   # px at WORK_SIZE
INSIDE_SHARE = 0.5

# The learned map (trained by `package_net.py`): the model's input and output contract.
MODEL_PATH = Path(__file__).parent / "models" / "package_detector.onnx"
# The model shipped before: a small U-Net that learnt from rendered boards only; the benchmark's anchor.
UNET_ANCHOR_PATH = Path(__file__).parent / "models" / "unet_rendered_anchor.onnx"
INPUT_MULTIPLE = 32      # input sides must be multiples of this (five halvings)
OUTPUT_STRIDE = 4        # the map is a quarter of the input's size
NET_WORK_SIZES = (1024, 512)   # long sides the network sees: at 1024 a SOT package is a dozen pixels or
                               # more; at 512 a big SoC still fits the network's view
NET_LEVEL = 0.5
NET_MIN_FILL = 0.6


def _darkness(bgr: np.ndarray) -> np.ndarray:
    """High where a pixel is dark and grey: IC epoxy, not solder mask or copper."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    value = hsv[:, :, 2].astype(np.float32)
    saturation = hsv[:, :, 1].astype(np.float32)
    # Flatten uneven light: compare each pixel to a wide local mean, at two widths, because a big
    # package fills a narrow window and then looks no darker than its own surroundings.
    contrast = np.maximum(*(cv2.blur(value, (k, k)) - value for k in BACKGROUND_WINDOWS))
    darkness = contrast + 0.35 * (255 - value) - 0.45 * saturation
    return cv2.normalize(darkness, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


_net_lock = threading.Lock()   # one cv2.dnn.Net is not safe to run from two threads at once


@lru_cache(maxsize=4)
def _load_net(path: str):
    threads = compute_threads()
    if threads:
        cv2.setNumThreads(threads)
    return cv2.dnn.readNetFromONNX(path)


def to_input(bgr: np.ndarray) -> np.ndarray:
    """NCHW float32 in [-0.5, 0.5], the scaling the network is trained on."""
    return (bgr.astype(np.float32) / 255.0 - 0.5).transpose(2, 0, 1)[None]


def package_probability(bgr: np.ndarray, model: Path = MODEL_PATH, work_size: int = NET_WORK_SIZES[0],
                        turned: bool = False) -> np.ndarray:
    """Per-pixel package probability at `work_size` (long side), from the learned model; with `turned`,
    the mean of the maps of the photo as it is and turned a quarter (a package is one either way, a
    look-alike seldom is: on ../shared/train/boards the learned map's precision went 0.875 -> 0.921 at
    the same recall, on ../shared/bench/boards 0.615 -> 0.667)."""
    probability = _probability(bgr, model, work_size)
    if not turned:
        return probability
    quarter = _probability(cv2.rotate(bgr, cv2.ROTATE_90_CLOCKWISE), model, work_size)
    back = cv2.rotate(quarter, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return (probability + cv2.resize(back, (probability.shape[1], probability.shape[0]))) / 2


def _probability(bgr: np.ndarray, model: Path, work_size: int) -> np.ndarray:
    height, width = bgr.shape[:2]
    scale = work_size / max(height, width)
    small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    h, w = small.shape[:2]
    padded_h, padded_w = -(-h // INPUT_MULTIPLE) * INPUT_MULTIPLE, -(-w // INPUT_MULTIPLE) * INPUT_MULTIPLE
    padded = cv2.copyMakeBorder(small, 0, padded_h - h, 0, padded_w - w, cv2.BORDER_REPLICATE)
    net = _load_net(str(model))
    with _net_lock:
        net.setInput(to_input(padded))
        logits = net.forward()[0, 0]
    probability = 0.5 * (1.0 + np.tanh(0.5 * logits))   # the sigmoid, without overflow on large logits
    return cv2.resize(probability, (padded_w, padded_h), interpolation=cv2.INTER_LINEAR)[:h, :w]


def _candidates(mask: np.ndarray, image_area: float, strength: np.ndarray | None = None,
                min_fill: float = MIN_FILL) -> list[RotatedBox]:
    """Rotated boxes of the mask's compact blobs; scored by fill, or by mean `strength` inside."""
    found = []
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        area = cv2.contourArea(contour)
        if not MIN_AREA_FRACTION * image_area <= area <= MAX_AREA_FRACTION * image_area:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < 8 or h < 8 or max(w, h) / min(w, h) > MAX_ASPECT:
            continue
        fill = area / (w * h)
        if fill < min_fill:
            continue
        score = min(1.0, fill)
        if strength is not None:
            x, y, bw, bh = cv2.boundingRect(contour)
            blob = np.zeros((bh, bw), np.uint8)
            cv2.drawContours(blob, [contour - (x, y)], -1, 255, -1)
            score = float(cv2.mean(strength[y:y + bh, x:x + bw], mask=blob)[0])
        while angle > 45:  # keep angles in (-45, 45]: a box is the same turned 90 degrees
            angle, w, h = angle - 90, h, w
        while angle <= -45:
            angle, w, h = angle + 90, h, w
        found.append(RotatedBox(cx, cy, w, h, angle, score=score))
    return found


def _suppress(boxes: list[RotatedBox], threshold: float = 0.3) -> list[RotatedBox]:
    kept: list[RotatedBox] = []
    for box in sorted(boxes, key=lambda b: (b.score, b.w * b.h), reverse=True):
        hull = box.hull()
        if all(iou_xywh(hull, k.hull()) < threshold and not _inside(hull, k.hull()) for k in kept):
            kept.append(box)
    return kept


def _inside(a, b) -> bool:
    """a lies mostly inside b: packages never overlap, so a is a fragment of b (its marking, a pin row)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy >= INSIDE_SHARE * aw * ah


def _darkness_boxes(bgr: np.ndarray) -> list[RotatedBox]:
    """Boxes from the darkness map, in the input image's pixels."""
    height, width = bgr.shape[:2]
    scale = min(1.0, WORK_SIZE / max(height, width))
    small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else bgr
    darkness = cv2.GaussianBlur(_darkness(small), (5, 5), 0)
    image_area = float(small.shape[0] * small.shape[1])
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    boxes: list[RotatedBox] = []
    for percentile in (97, 94, 90, 85, 80):
        level = np.percentile(darkness, percentile)
        mask = (darkness >= level).astype(np.uint8) * 255
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
        boxes.extend(_candidates(mask, image_area))
    return [_scaled(b, 1 / scale) for b in boxes]


def _network_boxes(bgr: np.ndarray, model: Path, turned: bool = True) -> list[RotatedBox]:
    """Boxes from the learned probability map, scored by mean probability, in input pixels."""
    boxes: list[RotatedBox] = []
    for work_size in NET_WORK_SIZES:
        probability = package_probability(bgr, model, work_size, turned=turned)
        scale = probability.shape[1] / bgr.shape[1]
        image_area = float(probability.shape[0] * probability.shape[1])
        mask = (probability >= NET_LEVEL).astype(np.uint8) * 255
        found = _candidates(mask, image_area, strength=probability, min_fill=NET_MIN_FILL)
        boxes.extend(_scaled(b, 1 / scale) for b in found)
    return boxes


def _scaled(box: RotatedBox, factor: float) -> RotatedBox:
    return RotatedBox(box.cx * factor, box.cy * factor, box.w * factor, box.h * factor, box.angle,
                      round(box.score, 3))


def detect_chips(bgr: np.ndarray, model: Path | None = MODEL_PATH,
                 darkness: bool = True, turned: bool = True) -> list[RotatedBox]:
    """Rotated boxes of IC packages, in the input image's pixels, best first (`turned`: the learned map
    averaged with the photo's turned a quarter; the benchmark's anchors run without it, as they shipped)."""
    boxes: list[RotatedBox] = []
    if model is not None and Path(model).exists():
        boxes += _network_boxes(bgr, Path(model), turned)
    if darkness:
        boxes += _darkness_boxes(bgr)
    return _suppress(boxes)
