"""Finding IC packages on a whole-board photo with OpenCV.

Packages are dark, matte, low-saturation rectangles with straight edges; the
board around them (whatever its colour) is brighter or more saturated. We
threshold "darkness" at several levels, because lighting and package colour
vary, keep the contours that fill their minimum-area rectangle well, and
merge the survivors with non-maximum suppression.
"""
from __future__ import annotations

import cv2
import numpy as np

from .geometry import RotatedBox, iou_xywh

WORK_SIZE = 1400          # long side the detector works at, for speed and scale-invariance
MIN_AREA_FRACTION = 0.0006
MAX_AREA_FRACTION = 0.30
MAX_ASPECT = 3.6
MIN_FILL = 0.78
BACKGROUND_WINDOWS = (101, 301)   # px at WORK_SIZE


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


def _candidates(mask: np.ndarray, image_area: float) -> list[RotatedBox]:
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
        if fill < MIN_FILL:
            continue
        while angle > 45:  # keep angles in (-45, 45]: a box is the same turned 90 degrees
            angle, w, h = angle - 90, h, w
        while angle <= -45:
            angle, w, h = angle + 90, h, w
        found.append(RotatedBox(cx, cy, w, h, angle, score=min(1.0, fill)))
    return found


def _suppress(boxes: list[RotatedBox], threshold: float = 0.3) -> list[RotatedBox]:
    kept: list[RotatedBox] = []
    for box in sorted(boxes, key=lambda b: (b.score, b.w * b.h), reverse=True):
        hull = box.hull()
        if all(iou_xywh(hull, k.hull()) < threshold and not _inside(hull, k.hull()) for k in kept):
            kept.append(box)
    return kept


def _inside(a, b) -> bool:
    """a lies (almost) wholly inside b: a chip's marking area is not a second chip."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy >= 0.85 * aw * ah


def detect_chips(bgr: np.ndarray) -> list[RotatedBox]:
    """Rotated boxes of IC packages, in the input image's pixels, best first."""
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
    kept = _suppress(boxes)
    return [RotatedBox(b.cx / scale, b.cy / scale, b.w / scale, b.h / scale, b.angle, round(b.score, 3))
            for b in kept]
