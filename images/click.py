"""One click, one box: the package under a point of a board photo.

The learned package map (`detect.py`) is run on windows centred on the click, from small to large
(fractions of the photo's long side, so a package fills some window at the scale the network was
trained on); in each, the blob of package probability under the click becomes a rotated box.
Windows whose blob touches a window edge inside the photo saw only part of the package and are not
taken (a blob at the photo's own border is a package the photo cuts off: boxed up to the border, as
the labelling rule says). Of the rest, among the blobs the network is nearly surest of, the largest
of those nearly as rectangular as the most rectangular wins: a small window sees only the marking,
a large one may run the package together with its neighbours, and that blob is no rectangle. A click
on bare board lands on no blob: no box.

The window sizes and the network's input size were chosen on `../shared/train/boards` (real
photos that may be trained and tuned on); `bomcat bench detect DIR --clicks` measures elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from .detect import MODEL_PATH, NET_LEVEL, package_probability
from .geometry import RotatedBox

WINDOWS = (0.012, 0.025, 0.05, 0.1, 0.2)   # half-window sides, as fractions of the photo's long side
MIN_HALF = 24                                # px: the smallest half-window
NET_SIZE = 384                               # the network sees each window at this long side
MIN_FILL = 0.6                               # blob area over its rectangle's: a package, not a smear
SURE_MARGIN = 0.05                           # blobs this close to the surest one are all the package
FILL_MARGIN = 0.04                           # ... and as rectangular, within this, as the most rectangular


@dataclass(frozen=True)
class Blob:
    half: int
    box: RotatedBox
    fill: float
    touches_edge: bool
    probability: float


def blobs_at(bgr: np.ndarray, x: float, y: float, model: Path = MODEL_PATH) -> list[Blob]:
    """The package blob under (x, y) in each window, in the photo's pixels."""
    height, width = bgr.shape[:2]
    out = []
    for half in sorted({max(MIN_HALF, int(f * max(height, width))) for f in WINDOWS}):
        x0, y0 = int(max(0, x - half)), int(max(0, y - half))
        x1, y1 = int(min(width, x + half)), int(min(height, y + half))
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        window = bgr[y0:y1, x0:x1]
        probability = package_probability(window, model, NET_SIZE)
        scale = probability.shape[1] / window.shape[1]
        mask = (probability >= NET_LEVEL).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
        px = min(max(int((x - x0) * scale), 0), mask.shape[1] - 1)
        py = min(max(int((y - y0) * scale), 0), mask.shape[0] - 1)
        label = labels[py, px]
        if label == 0:
            continue
        blob = (labels == label).astype(np.uint8)
        contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        contour = max(contours, key=cv2.contourArea)
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if min(w, h) < 2:
            continue
        left, top, bw, bh = stats[label][:4]
        # Only a window side inside the photo cuts a package off; at the photo's own border the package
        # is cut off in the photo itself, and is boxed up to that border.
        touches = ((left <= 1 and x0 > 0) or (top <= 1 and y0 > 0)
                   or (left + bw >= mask.shape[1] - 1 and x1 < width)
                   or (top + bh >= mask.shape[0] - 1 and y1 < height))
        while angle > 45:
            angle, w, h = angle - 90, h, w
        while angle <= -45:
            angle, w, h = angle + 90, h, w
        strength = float(probability[blob > 0].mean())
        box = RotatedBox(x0 + cx / scale, y0 + cy / scale, w / scale, h / scale, angle, score=round(strength, 3))
        out.append(Blob(half, box, cv2.contourArea(contour) / (w * h), bool(touches), strength))
    return out


def box_at(bgr: np.ndarray, x: float, y: float, model: Path = MODEL_PATH) -> Optional[RotatedBox]:
    """The rotated box of the package under (x, y), or None when the click is not on one."""
    height, width = bgr.shape[:2]
    if not (0 <= x < width and 0 <= y < height):
        return None
    whole = [b for b in blobs_at(bgr, x, y, model) if not b.touches_edge and b.fill >= MIN_FILL]
    if not whole:
        return None
    # The package, not a patch of it (its marking, seen in a small window), nor the package run together
    # with its neighbours (in a large window): of the blobs the network is nearly as sure of as of its
    # best, those nearly as rectangular as the most rectangular (a package is a rectangle; blobs merged
    # across a gap are not), and of those the largest.
    best = max(b.probability for b in whole)
    sure = [b for b in whole if b.probability >= best - SURE_MARGIN]
    squarest = max(b.fill for b in sure)
    return max((b for b in sure if b.fill >= squarest - FILL_MARGIN), key=lambda b: b.box.w * b.box.h).box
