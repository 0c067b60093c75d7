"""Rotated boxes: the shape every region has, and the crop cut from it."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class RotatedBox:
    """Centre, size and clockwise angle (degrees) in upright-image pixels."""
    cx: float
    cy: float
    w: float
    h: float
    angle: float = 0.0
    score: float = 1.0

    def as_dict(self) -> dict:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(self).items()}

    def corners(self) -> np.ndarray:
        return cv2.boxPoints(((self.cx, self.cy), (self.w, self.h), self.angle))

    def hull(self) -> tuple[float, float, float, float]:
        """Axis-aligned bounding box (x, y, w, h) of the rotated box."""
        pts = self.corners()
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def iou_xywh(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax0, ay0, aw, ah = a[:4]
    bx0, by0, bw, bh = b[:4]
    ix = max(0.0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0.0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def crop_rotated(image: np.ndarray, box: RotatedBox, margin: float = 0.06) -> tuple[np.ndarray, dict]:
    """Cut the box out of the image, turned so its sides are axis-aligned.

    Returns the crop and the affine transform that produced it, recorded with
    the derived file so the crop can be traced back to photo pixels.
    """
    out_w = max(8, int(round(box.w * (1 + 2 * margin))))
    out_h = max(8, int(round(box.h * (1 + 2 * margin))))
    matrix = cv2.getRotationMatrix2D((box.cx, box.cy), box.angle, 1.0)
    matrix[0, 2] += out_w / 2 - box.cx
    matrix[1, 2] += out_h / 2 - box.cy
    crop = cv2.warpAffine(image, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    transform = {"op": "crop_rotated", "box": box.as_dict(), "margin": margin,
                 "affine": [[round(float(v), 6) for v in row] for row in matrix],
                 "size": [out_w, out_h]}
    return crop, transform
