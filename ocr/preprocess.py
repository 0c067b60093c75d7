"""Preprocessing stages for chip crops, each a small verb_noun function.

A recipe is a named list of stages; `run_recipe` composes them in one place
and, when asked, writes every intermediate image so a reviewer or developer
can see what the engine was given.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import cv2
import numpy as np

Stage = Callable[[np.ndarray], np.ndarray]
TARGET_SHORT_SIDE = 320   # px: lines of ~40 px text height for a 3-4 line marking


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def scale_to_text_height(gray: np.ndarray) -> np.ndarray:
    short = min(gray.shape[:2])
    factor = float(np.clip(TARGET_SHORT_SIDE / max(short, 1), 0.2, 4.0))
    if abs(factor - 1) < 0.1:
        return gray
    interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interp)


def suppress_glare(gray: np.ndarray) -> np.ndarray:
    """White top-hat: keeps thin bright strokes (laser marks), drops broad glare and shading."""
    size = max(15, min(gray.shape[:2]) // 6) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel)


def normalize_contrast(gray: np.ndarray) -> np.ndarray:
    clahe = cv2.createCLAHE(clipLimit=2.5, tileGridSize=(4, 4))
    return clahe.apply(gray)


def invert_light_on_dark(gray: np.ndarray) -> np.ndarray:
    """Engines read dark text on light paper; chip marks are light on dark epoxy."""
    return 255 - gray if np.median(gray) < 128 else gray


def binarize_otsu(gray: np.ndarray) -> np.ndarray:
    _, out = cv2.threshold(cv2.GaussianBlur(gray, (3, 3), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return out


def pad_border(gray: np.ndarray) -> np.ndarray:
    value = int(np.median(gray))
    pad = max(8, min(gray.shape[:2]) // 12)
    return cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=value)


def deskew_text(gray: np.ndarray) -> np.ndarray:
    """Straighten a small skew (under 15 degrees) measured from the text strokes."""
    ink = gray < 128 if np.median(gray) >= 128 else gray >= 128
    points = np.column_stack(np.nonzero(ink))[:, ::-1].astype(np.float32)
    if len(points) < 50:
        return gray
    (_, _), (w, h), angle = cv2.minAreaRect(points)
    if w < h:
        angle -= 90
    angle = (angle + 45) % 90 - 45
    if abs(angle) < 0.7 or abs(angle) > 15:
        return gray
    rows, cols = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((cols / 2, rows / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (cols, rows), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


RECIPES: dict[str, list[Stage]] = {
    "plain": [to_gray, scale_to_text_height, invert_light_on_dark, pad_border],
    "clahe": [to_gray, scale_to_text_height, normalize_contrast, invert_light_on_dark, deskew_text, pad_border],
    "tophat": [to_gray, scale_to_text_height, suppress_glare, normalize_contrast, invert_light_on_dark,
               binarize_otsu, pad_border],
}


def run_recipe(image: np.ndarray, recipe: str, debug_dir: Path | None = None,
               prefix: str = "") -> np.ndarray:
    out = image
    for index, stage in enumerate(RECIPES[recipe], start=1):
        out = stage(out)
        if debug_dir is not None:
            debug_dir.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(debug_dir / f"{prefix}{recipe}-{index:02d}-{stage.__name__}.png"), out)
    return out


def turn(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return image if degrees_clockwise % 360 == 0 else cv2.rotate(image, codes[degrees_clockwise % 360])
