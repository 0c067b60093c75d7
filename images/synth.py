"""Synthetic board photos with known chips, rendered by bomcat itself.

Used by `bomcat demo` and by the tests: a PCB-coloured board, black packages
of several sizes with light-grey laser-style markings, some turned 90/180/270
degrees, with noise, blur and uneven light. Everything is drawn here, so no
third-party photo is needed and the ground truth is exact.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .geometry import RotatedBox

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
]

# Package outlines (body width, body height in mm; pins on which sides)
PACKAGES = {
    "QFP": (14.0, 14.0, "nsew"),
    "QFN": (7.0, 7.0, ""),
    "BGA": (10.0, 12.0, ""),
    "SOIC8": (5.0, 4.0, "ns"),
    "TSSOP": (6.5, 4.4, "ns"),
    "SOT23": (2.9, 1.6, "ns"),
}


@lru_cache(maxsize=None)
def font_paths() -> tuple[str, ...]:
    return tuple(p for p in FONT_CANDIDATES if Path(p).exists())


def load_font(size: int, index: int = 0) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    paths = font_paths()
    if paths:
        return ImageFont.truetype(paths[index % len(paths)], size)
    return ImageFont.load_default(size)


@dataclass
class SyntheticChip:
    lines: list[str]
    package: str
    rotation: int              # degrees clockwise the marking must turn to read upright
    box: RotatedBox | None = None

    @property
    def marking(self) -> str:
        return " | ".join(self.lines)


@dataclass
class SyntheticBoard:
    image: np.ndarray          # BGR
    chips: list[SyntheticChip] = field(default_factory=list)


def render_marking(lines: list[str], body_px: tuple[int, int],
                   font_index: int = 0, ink: int = 200, body: int = 28) -> Image.Image:
    """A package top (no pins) with the marking centred in light grey."""
    width, height = body_px
    top = Image.new("L", (width, height), body)
    draw = ImageDraw.Draw(top)
    longest = max(lines, key=len)
    size = max(8, int(min(height * 0.75 / max(1, len(lines)) / 1.25, width * 0.85 / (0.62 * max(4, len(longest))))))
    font = load_font(size, font_index)
    line_h = int(size * 1.25)
    y = (height - line_h * len(lines)) // 2
    for line in lines:
        text_w = draw.textlength(line, font=font)
        draw.text(((width - text_w) / 2, y), line, fill=ink, font=font)
        y += line_h
    # the pin-1 dimple
    r = max(2, min(width, height) // 14)
    draw.ellipse((r, height - 3 * r, 3 * r, height - r), fill=body - 12)
    return top


def render_chip_crop(lines: list[str], rotation: int = 0, seed: int = 0, size: tuple[int, int] = (360, 240),
                     blur: float = 0.6, noise: float = 6.0, glare: float = 0.0, contrast: float = 1.0,
                     skew: float = 0.0) -> np.ndarray:
    """A close-up chip crop as a camera would see it, turned `rotation` degrees counter-clockwise
    from upright, so that turning it `rotation` degrees clockwise reads it (the benchmark convention)."""
    rng = random.Random(seed)
    ink = int(28 + (190 - 28) * contrast)
    top = render_marking(lines, size, font_index=seed, ink=ink)
    margin = int(0.08 * max(size))
    canvas = Image.new("L", (size[0] + 2 * margin, size[1] + 2 * margin), 95)
    canvas.paste(top, (margin, margin))
    array = cv2.cvtColor(np.asarray(canvas), cv2.COLOR_GRAY2BGR).astype(np.float32)
    array[:, :, 1] += 18  # a green cast from the board
    if skew:
        h, w = array.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
        array = cv2.warpAffine(array, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    array = _photograph(array, rng, blur=blur, noise=noise, glare=glare)
    turns = {0: None, 90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180,
             270: cv2.ROTATE_90_CLOCKWISE}[rotation % 360]
    return array if turns is None else cv2.rotate(array, turns)


def _photograph(array: np.ndarray, rng: random.Random, blur: float, noise: float,
                glare: float = 0.0, light: float = 0.25) -> np.ndarray:
    """Uneven light, glare, blur and sensor noise."""
    h, w = array.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    lx, ly = rng.uniform(0, w), rng.uniform(0, h)
    falloff = 1.0 - light * np.sqrt(((xx - lx) / w) ** 2 + ((yy - ly) / h) ** 2)
    array = array * falloff[:, :, None]
    if glare:
        gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        spot = np.exp(-(((xx - gx) / (0.25 * w)) ** 2 + ((yy - gy) / (0.25 * h)) ** 2))
        array = array + glare * 140 * spot[:, :, None]
    if blur:
        array = cv2.GaussianBlur(array, (0, 0), blur)
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    array = array + nprng.normal(0, noise, array.shape)
    return np.clip(array, 0, 255).astype(np.uint8)


def _draw_package(board: Image.Image, chip: SyntheticChip, centre: tuple[int, int], px_per_mm: float,
                  rng: random.Random, angle: float, font_index: int) -> RotatedBox:
    bw_mm, bh_mm, pins = PACKAGES[chip.package]
    body = (int(bw_mm * px_per_mm), int(bh_mm * px_per_mm))
    top = render_marking(chip.lines, body, font_index=font_index, ink=rng.randint(165, 215),
                         body=rng.randint(20, 40)).convert("RGB")
    pin_len = int(1.0 * px_per_mm) if pins else 0
    sprite = Image.new("RGBA", (body[0] + 2 * pin_len, body[1] + 2 * pin_len), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sprite)
    pitch = max(4, int(0.65 * px_per_mm))
    pin_w = max(2, pitch // 2)
    for side in pins:
        count_span = body[0] if side in "ns" else body[1]
        for offset in range(pitch, count_span - pin_w, pitch):
            if side == "n":
                draw.rectangle((pin_len + offset, 0, pin_len + offset + pin_w, pin_len), fill=(190, 190, 185, 255))
            elif side == "s":
                draw.rectangle((pin_len + offset, pin_len + body[1], pin_len + offset + pin_w, 2 * pin_len + body[1]),
                               fill=(190, 190, 185, 255))
            elif side == "w":
                draw.rectangle((0, pin_len + offset, pin_len, pin_len + offset + pin_w), fill=(190, 190, 185, 255))
            else:
                draw.rectangle((pin_len + body[0], pin_len + offset, 2 * pin_len + body[0], pin_len + offset + pin_w),
                               fill=(190, 190, 185, 255))
    sprite.paste(top, (pin_len, pin_len))
    # Turn the package: marking rotation (multiple of 90) plus a small placement angle.
    turned = sprite.rotate(chip.rotation + angle, expand=True, resample=Image.BICUBIC)
    board.paste(turned, (centre[0] - turned.width // 2, centre[1] - turned.height // 2), turned)
    w, h = body if chip.rotation % 180 == 0 else body[::-1]
    return RotatedBox(float(centre[0]), float(centre[1]), float(w), float(h), -angle)


def render_board(chips: list[SyntheticChip], size: tuple[int, int] = (2400, 1600), seed: int = 0,
                 colour: tuple[int, int, int] = (28, 92, 40), px_per_mm: float | None = None) -> SyntheticBoard:
    """Lay the chips out on a grid over a board and photograph it. Ground-truth boxes are filled in."""
    rng = random.Random(seed)
    width, height = size
    board = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(board)
    for _ in range(60):  # traces, vias and silkscreen so the board is not a flat colour
        x, y = rng.randrange(width), rng.randrange(height)
        if rng.random() < 0.5:
            draw.line((x, y, x + rng.randint(-300, 300), y), fill=(40, 120, 55), width=rng.randint(3, 8))
        else:
            draw.ellipse((x, y, x + 14, y + 14), fill=(190, 160, 70))
    for _ in range(25):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.text((x, y), rng.choice(["C12", "R7", "U", "+", "TP3", "L1", "J2"]), fill=(225, 225, 215),
                  font=load_font(max(12, width // 110)))
    cols = max(1, int(np.ceil(np.sqrt(len(chips) * width / height))))
    rows = int(np.ceil(len(chips) / cols))
    cell_w, cell_h = width / cols, height / rows
    px_per_mm = px_per_mm or min(cell_w, cell_h) / 19.0
    for index, chip in enumerate(chips):
        r, c = divmod(index, cols)
        centre = (int((c + 0.5) * cell_w + rng.uniform(-0.08, 0.08) * cell_w),
                  int((r + 0.5) * cell_h + rng.uniform(-0.08, 0.08) * cell_h))
        angle = rng.uniform(-4, 4)
        chip.box = _draw_package(board, chip, centre, px_per_mm, rng, angle, font_index=index)
    array = np.asarray(board)[:, :, ::-1].astype(np.float32)
    array = _photograph(array, rng, blur=1.0, noise=5.0, light=0.35)
    return SyntheticBoard(array, chips)
