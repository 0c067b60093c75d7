"""Rendered board patches with exact package masks, for training the package detector.

Nothing here comes from a photo: every patch is drawn from rules about what boards look
like in teardown photos. Solder mask of any colour (green, black, blue, red, white), traces
under it, silkscreen text and outlines, gold and tin pads, vias and mounting holes; the
packages to find (QFP, QFN, BGA, SOIC, TSSOP, SOT-23-5/6, bare sensor dies) with grey or
black bodies, leads, laser markings and glare; and the things that look like them and
are *not* chips (the label rule of the detection benchmark): SOT-23-3 transistors,
diodes, black resistors, inductors, crystals, connectors, holes, screws, shields.
Then the camera: uneven light, glare, blur, noise, JPEG.

`render_patch(rng)` returns (BGR image, mask) where the mask is 255 on package bodies.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

PATCH = 256
TEXT_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_PLAIN)

# (weight, BGR low, BGR high) of solder-mask colours
MASK_COLOURS = [
    (0.38, (20, 70, 10), (80, 160, 70)),      # green
    (0.34, (8, 8, 8), (45, 45, 45)),          # black / matte black
    (0.10, (90, 40, 0), (180, 100, 40)),      # blue
    (0.06, (20, 20, 110), (60, 60, 190)),     # red
    (0.06, (170, 170, 170), (235, 235, 235)),  # white
    (0.06, (60, 20, 60), (130, 60, 120)),     # purple
]
# Outside the board: tables, mats, hands, paper.
BACKDROPS = [((150, 150, 150), (245, 245, 245)), ((60, 110, 150), (120, 170, 215)),
             ((10, 10, 10), (70, 70, 70)), ((90, 90, 90), (170, 170, 170)), ((90, 120, 170), (150, 180, 230))]

# Package bodies in mm: (min long side, max long side, aspect min, aspect max, lead sides)
PACKAGES = {
    "QFP": (7.0, 20.0, 1.0, 1.05, "nsew"),
    "QFN": (3.0, 9.0, 1.0, 1.15, "pads"),
    "BGA": (5.0, 16.0, 1.0, 1.3, ""),
    "SOIC": (4.8, 13.0, 1.2, 2.6, "ns"),
    "TSSOP": (3.0, 10.0, 1.2, 2.9, "ns"),
    "SOT23-6": (2.8, 3.1, 1.7, 1.9, "ns3"),
    "SENSOR": (4.0, 10.0, 1.0, 1.35, "die"),
}
# How often each not-a-chip is drawn, relative to the others.
LOOKALIKE_WEIGHTS = {"resistor": 17, "capacitor": 17, "sot3": 10, "diode": 6, "inductor": 9, "crystal": 5,
                     "connector": 5, "screw": 3, "shield": 3, "electrolytic": 3, "label": 3, "header": 6,
                     "shadow": 4.5, "footprint": 6, "code": 1.5}
PACKAGE_WEIGHTS = {"QFP": 0.12, "QFN": 0.18, "BGA": 0.14, "SOIC": 0.2, "TSSOP": 0.14, "SOT23-6": 0.16,
                   "SENSOR": 0.06}


def _probabilities(weights) -> np.ndarray:
    weights = np.array(list(weights), np.float64)
    return weights / weights.sum()


MASK_P = _probabilities(weight for weight, _, _ in MASK_COLOURS)
LOOKALIKE_P = _probabilities(LOOKALIKE_WEIGHTS.values())
PACKAGE_P = _probabilities(PACKAGE_WEIGHTS.values())


def _colour(rng, low, high) -> np.ndarray:
    """A shade between two colours (one mix for all channels, so hues stay true), slightly tinted."""
    low, high = np.array(low, np.float32), np.array(high, np.float32)
    return np.clip(low + rng.uniform(0, 1) * (high - low) + rng.normal(0, 5, 3), 0, 255).astype(np.float32)


def _low_freq(rng, shape, cells: int, amount: float) -> np.ndarray:
    """Smooth random field in [-amount, amount]: gloss, mottling, uneven mask thickness."""
    grid = rng.uniform(-amount, amount, (cells, cells)).astype(np.float32)
    return cv2.resize(grid, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def _rect_points(cx, cy, w, h, angle) -> np.ndarray:
    return cv2.boxPoints(((cx, cy), (w, h), angle)).astype(np.int32)


def _fill_rect(img, cx, cy, w, h, angle, colour):
    cv2.fillPoly(img, [_rect_points(cx, cy, w, h, angle)], [float(c) for c in colour], cv2.LINE_AA)


def _local(cx, cy, angle, dx, dy):
    """A point dx, dy from (cx, cy) in a frame turned `angle` degrees."""
    a = math.radians(angle)
    return cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a)


def _text(rng, length) -> str:
    return "".join(rng.choice(list(TEXT_CHARS)) for _ in range(length))


def _put_text(img, text, org, scale, colour, thickness=1, font=None):
    cv2.putText(img, text, (int(org[0]), int(org[1])), font if font is not None else FONTS[0], scale,
                [float(c) for c in colour], thickness, cv2.LINE_AA)


def _draw_board(rng, img, board_colour):
    h, w = img.shape[:2]
    trace = board_colour * rng.uniform(1.08, 1.35) + rng.uniform(0, 12)
    for _ in range(rng.integers(5, 40)):  # copper traces under the mask, Manhattan with 45-degree bends
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        width = int(rng.integers(1, 5))
        for _ in range(rng.integers(1, 4)):
            direction = rng.integers(0, 8) * math.pi / 4
            length = rng.uniform(10, 160)
            nx, ny = x + length * math.cos(direction), y + length * math.sin(direction)
            cv2.line(img, (int(x), int(y)), (int(nx), int(ny)), [float(c) for c in trace], width, cv2.LINE_AA)
            x, y = nx, ny
    silk = np.array(rng.choice([(235, 235, 235), (215, 225, 230), (60, 220, 240), (30, 30, 30)],
                               p=[0.6, 0.25, 0.1, 0.05]), np.float32)
    if board_colour.mean() > 160:
        silk = np.array((30, 30, 30), np.float32)
    for _ in range(rng.integers(0, 14)):  # silkscreen designators and outlines
        x, y = rng.uniform(-10, w), rng.uniform(0, h + 10)
        if rng.random() < 0.6:
            label = rng.choice(["R", "C", "U", "L", "D", "Q", "J", "TP", "Y", "FB"]) + str(rng.integers(1, 120))
            _put_text(img, label, (x, y), rng.uniform(0.25, 0.8), silk, 1, FONTS[int(rng.integers(0, 3))])
        else:
            bw, bh = rng.uniform(10, 90), rng.uniform(10, 90)
            cv2.rectangle(img, (int(x), int(y)), (int(x + bw), int(y + bh)), [float(c) for c in silk], 1)


def _draw_pads_and_holes(rng, img, scale):
    h, w = img.shape[:2]
    metal = [np.array(c, np.float32) for c in ((80, 170, 215), (60, 140, 200), (190, 190, 190), (150, 160, 170))]
    for _ in range(rng.integers(0, 40)):
        colour = metal[int(rng.integers(0, len(metal)))] * rng.uniform(0.7, 1.15)
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        kind = rng.random()
        if kind < 0.5:
            _fill_rect(img, x, y, rng.uniform(0.5, 2) * scale, rng.uniform(0.5, 2) * scale, 0, colour)
        elif kind < 0.85:
            cv2.circle(img, (int(x), int(y)), max(1, int(rng.uniform(0.2, 0.6) * scale)),
                       [float(c) for c in colour], -1, cv2.LINE_AA)
        else:  # mounting hole: a metal ring round a dark hole
            r = max(3, int(min(rng.uniform(1.2, 3.5) * scale, rng.uniform(0.05, 0.15) * w)))
            cv2.circle(img, (int(x), int(y)), r, [float(c) for c in colour], -1, cv2.LINE_AA)
            cv2.circle(img, (int(x), int(y)), max(2, int(r * rng.uniform(0.45, 0.75))),
                       [float(c) for c in rng.uniform(5, 60, 3)], -1, cv2.LINE_AA)


def _lookalike(rng, img, occupied, scale):
    """One thing that is not a chip but may look like one."""
    h, w = img.shape[:2]
    kind = rng.choice(list(LOOKALIKE_WEIGHTS), p=LOOKALIKE_P)
    angle = float(rng.choice([0, 90])) + rng.normal(0, 2)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    metal = np.array((185, 190, 195), np.float32) * rng.uniform(0.6, 1.2)
    if kind in ("resistor", "capacitor", "diode"):
        length = {"resistor": rng.uniform(1.0, 3.2), "capacitor": rng.uniform(1.0, 3.2),
                  "diode": rng.uniform(2.5, 4.5)}[kind] * scale
        width = length * rng.uniform(0.45, 0.6)
        body = (rng.uniform(10, 45, 3) if kind != "capacitor" else
                np.array(rng.choice([(90, 130, 160), (70, 100, 130), (140, 140, 140), (40, 70, 100)]), np.float32))
        _fill_rect(img, cx, cy, length, width, angle, body)
        for side in (-1, 1):
            ex, ey = _local(cx, cy, angle, side * length * 0.42, 0)
            _fill_rect(img, ex, ey, length * 0.18, width, angle, metal)
        if kind == "resistor" and length > 14:
            _put_text(img, str(rng.integers(100, 999)), (cx - length * 0.25, cy + width * 0.2), length / 60,
                      (200, 200, 200))
        if kind == "diode":
            bx, by = _local(cx, cy, angle, -length * 0.25, 0)
            _fill_rect(img, bx, by, length * 0.08, width, angle, (170, 170, 170))
    elif kind == "sot3":  # a transistor: SOT-23 with three leads, not a chip
        bw, bh = 2.9 * scale, 1.3 * scale
        for dx, side in ((-0.95, 1), (0.95, 1), (0.0, -1)):
            lx, ly = _local(cx, cy, angle, dx * scale, side * (bh / 2 + 0.35 * scale))
            _fill_rect(img, lx, ly, 0.45 * scale, 0.7 * scale, angle, metal)
        _fill_rect(img, cx, cy, bw, bh, angle, rng.uniform(10, 60, 3))
    elif kind == "inductor":
        side = rng.uniform(2.5, 7) * scale
        body = rng.uniform(25, 80, 3)
        if rng.random() < 0.5:
            cv2.circle(img, (int(cx), int(cy)), int(side / 2), [float(c) for c in body], -1, cv2.LINE_AA)
        else:
            _fill_rect(img, cx, cy, side, side, angle, body)
            cv2.circle(img, (int(cx), int(cy)), int(side * 0.38), [float(c) for c in body * 1.4], 1, cv2.LINE_AA)
        for s in (-1, 1):
            ex, ey = _local(cx, cy, angle, s * side * 0.45, 0)
            _fill_rect(img, ex, ey, side * 0.12, side * 0.6, angle, metal)
    elif kind == "crystal":
        length = rng.uniform(2.5, 8) * scale
        if rng.random() < 0.6:
            _fill_rect(img, cx, cy, length, length * rng.uniform(0.4, 0.8), angle, metal * rng.uniform(0.8, 1.1))
        else:
            _fill_rect(img, cx, cy, length, length * 0.65, angle, (150, 190, 215))
    elif kind in ("connector", "label"):
        length = min(rng.uniform(4, 18) * scale, rng.uniform(0.2, 0.6) * w)
        colour = (rng.uniform(180, 235, 3) if kind == "connector" else np.full(3, rng.uniform(215, 250)))
        _fill_rect(img, cx, cy, length, length * rng.uniform(0.3, 0.7), angle, colour)
        for _ in range(int(rng.integers(0, 12))):
            px, py = _local(cx, cy, angle, rng.uniform(-0.45, 0.45) * length, rng.uniform(-0.2, 0.2) * length)
            dark = (40, 40, 40) if kind == "label" else colour * 0.7
            _fill_rect(img, px, py, length * 0.04, length * 0.04, angle, dark)
    elif kind == "footprint":  # an empty footprint: silkscreen outline and pad rows, no package on it
        length = rng.uniform(3, 12) * scale
        width = length * rng.uniform(0.4, 1.0)
        pad = np.array((80, 170, 215), np.float32) * rng.uniform(0.7, 1.1) if rng.random() < 0.6 else metal
        pitch = rng.choice([0.5, 0.65, 1.27]) * scale
        for side in (-1, 1):
            for off in np.arange(-length / 2 + pitch, length / 2 - pitch / 2, pitch):
                px, py = _local(cx, cy, angle, off, side * width / 2)
                _fill_rect(img, px, py, pitch * 0.5, 0.9 * scale, angle, pad)
        cv2.polylines(img, [_rect_points(cx, cy, length * 1.05, width * 0.75, angle)], True, (225, 225, 225), 1,
                      cv2.LINE_AA)
        _put_text(img, "U" + str(rng.integers(1, 40)), (cx - length * 0.2, cy + width * 0.1), length / 80,
                  (225, 225, 225))
    elif kind == "code":  # a QR or data-matrix sticker: dense dark squares on white, not a package
        side = min(rng.uniform(4, 12) * scale, rng.uniform(0.15, 0.45) * w)
        _fill_rect(img, cx, cy, side * rng.uniform(1.0, 2.0), side, angle, np.full(3, rng.uniform(200, 250)))
        cells = int(rng.integers(10, 26))
        grid = rng.random((cells, cells)) < 0.5
        for (i, j) in zip(*np.nonzero(grid)):
            px, py = _local(cx, cy, angle, (j / cells - 0.45) * side * 0.9, (i / cells - 0.45) * side * 0.9)
            _fill_rect(img, px, py, side * 0.9 / cells + 0.5, side * 0.9 / cells + 0.5, angle, (25, 25, 25))
    elif kind == "header":  # a connector with a row of metal pins: leads without a package
        length = min(rng.uniform(5, 15) * scale, rng.uniform(0.2, 0.6) * w)
        width = length * rng.uniform(0.2, 0.45)
        _fill_rect(img, cx, cy, length, width, angle, rng.uniform(150, 235) * np.ones(3) + rng.normal(0, 8, 3))
        pitch = rng.uniform(1.0, 2.5) * scale
        for off in np.arange(-length / 2 + pitch / 2, length / 2, pitch):
            px, py = _local(cx, cy, angle, off, width / 2 + 0.5 * scale)
            _fill_rect(img, px, py, pitch * 0.4, 1.0 * scale, angle, metal)
    elif kind == "shadow":  # shadows, cables, dark plastic: dark, but no package
        pts = np.array([[cx + rng.uniform(-0.3, 0.3) * w, cy + rng.uniform(-0.3, 0.3) * h] for _ in range(5)],
                       np.int32)
        cv2.fillPoly(img, [cv2.convexHull(pts)], [float(c) for c in rng.uniform(5, 50, 1).repeat(3)], cv2.LINE_AA)
        if rng.random() < 0.5:
            x2, y2 = cx + rng.uniform(-1, 1) * w, cy + rng.uniform(-1, 1) * h
            cv2.line(img, (int(cx), int(cy)), (int(x2), int(y2)), [float(c) for c in rng.uniform(10, 200, 3)],
                     int(rng.uniform(0.5, 3) * scale), cv2.LINE_AA)
    elif kind == "screw":
        r = rng.uniform(1.5, 4) * scale
        cv2.circle(img, (int(cx), int(cy)), int(r), [float(c) for c in metal], -1, cv2.LINE_AA)
        cv2.line(img, (int(cx - r * 0.6), int(cy)), (int(cx + r * 0.6), int(cy)), (60, 60, 60), max(1, int(r / 5)))
    elif kind == "shield":
        length = min(rng.uniform(8, 25) * scale, rng.uniform(0.3, 0.7) * w)
        _fill_rect(img, cx, cy, length, length * rng.uniform(0.5, 1), angle, metal)
    else:  # electrolytic capacitor from above
        r = rng.uniform(2, 5) * scale
        cv2.circle(img, (int(cx), int(cy)), int(r), [float(c) for c in metal], -1, cv2.LINE_AA)
        cv2.circle(img, (int(cx), int(cy)), int(r * 0.3), (90, 90, 90), 1, cv2.LINE_AA)


def _package(rng, img, mask, occupied, scale) -> bool:
    """Draw one package at a free spot; its body goes into the mask. False when no room."""
    h, w = img.shape[:2]
    name = str(rng.choice(list(PACKAGE_WEIGHTS), p=PACKAGE_P))
    lo, hi, a_lo, a_hi, leads = PACKAGES[name]
    long_side = rng.uniform(lo, hi) * scale
    short_side = long_side / rng.uniform(a_lo, a_hi)
    if long_side > 0.9 * min(h, w) or short_side < 7:
        return False
    angle = float(rng.choice([0, 90, 0, 90, 180])) + (rng.normal(0, 3) if rng.random() < 0.7 else rng.uniform(-45, 45))
    lead_len = (rng.uniform(0.5, 1.2) * scale) if leads in ("nsew", "ns", "ns3") else 0.0
    reach = long_side / 2 + lead_len + 2
    for _ in range(12):
        cx, cy = rng.uniform(-0.2 * long_side, w + 0.2 * long_side), rng.uniform(-0.2 * long_side, h + 0.2 * long_side)
        x0, x1 = int(max(0, cx - reach)), int(min(w, cx + reach))
        y0, y1 = int(max(0, cy - reach)), int(min(h, cy + reach))
        if x1 > x0 and y1 > y0 and not occupied[y0:y1, x0:x1].any():
            break
    else:
        return False
    occupied[max(0, y0 - 3):y1 + 3, max(0, x0 - 3):x1 + 3] = 1
    metal = np.array((175, 180, 185), np.float32) * rng.uniform(0.55, 1.25)
    # Leads first, so the body sits on them.
    if leads in ("nsew", "ns", "ns3"):
        pitch = (0.95 if leads == "ns3" else rng.choice([0.4, 0.5, 0.65, 0.8, 1.27])) * scale
        lead_w = max(1.0, pitch * rng.uniform(0.35, 0.55))
        sides = [("n", long_side, short_side), ("s", long_side, short_side)]
        if leads == "nsew":
            sides += [("e", short_side, long_side), ("w", short_side, long_side)]
        for side, span, across in sides:
            count = 3 if leads == "ns3" else max(2, int((span * 0.9) / pitch))
            if leads == "ns3" and side == "s" and rng.random() < 0.5:
                count = 2  # SOT-23-5
            offsets = (np.arange(count) - (count - 1) / 2) * (pitch if leads != "ns3" else span / 3.1)
            sign = -1 if side in "nw" else 1
            for off in offsets:
                if side in "ns":
                    lx, ly = _local(cx, cy, angle, off, sign * (across / 2 + lead_len / 2))
                    _fill_rect(img, lx, ly, lead_w, lead_len + 1, angle, metal * rng.uniform(0.85, 1.1))
                else:
                    lx, ly = _local(cx, cy, angle, sign * (across / 2 + lead_len / 2), off)
                    _fill_rect(img, lx, ly, lead_len + 1, lead_w, angle, metal * rng.uniform(0.85, 1.1))
    elif leads == "pads" and rng.random() < 0.6:  # QFN: tin showing at the body's rim
        _fill_rect(img, cx, cy, long_side + 0.25 * scale, short_side + 0.25 * scale, angle, metal * 0.9)
    body_w, body_h = long_side, short_side
    if leads == "die":  # bare sensor: a glassy die on a frame
        frame = rng.uniform(20, 200, 3)
        _fill_rect(img, cx, cy, body_w, body_h, angle, frame)
        inner = np.array(rng.choice([(70, 60, 80), (110, 90, 110), (40, 40, 50), (150, 140, 160)]), np.float32)
        _fill_rect(img, cx, cy, body_w * 0.8, body_h * 0.75, angle, inner * rng.uniform(0.7, 1.3))
    else:
        grey = rng.uniform(12, 70) if rng.random() < 0.6 else rng.uniform(70, 130)
        body = np.clip(grey * _epoxy_tint(rng) + rng.normal(0, 4, 3), 0, 255).astype(np.float32)
        _fill_rect(img, cx, cy, body_w, body_h, angle, body)
        if rng.random() < 0.5:  # a lit bevel along one edge
            ex, ey = _local(cx, cy, angle, 0, -body_h / 2 + 1)
            _fill_rect(img, ex, ey, body_w, max(1.0, body_h * 0.03), angle, body * rng.uniform(1.3, 2.2))
        if name == "BGA" and rng.random() < 0.3:  # substrate rim round the mould
            _fill_rect(img, cx, cy, body_w, body_h, angle, rng.uniform(30, 120, 3))
            _fill_rect(img, cx, cy, body_w * 0.9, body_h * 0.9, angle, body)
        _marking(rng, img, cx, cy, body_w, body_h, angle, grey)
        _texture(rng, img, cx, cy, body_w, body_h, angle)
    _fill_rect(mask, cx, cy, body_w, body_h, angle, (255,))
    return True


def _epoxy_tint(rng) -> np.ndarray:
    """BGR gains for a package body. Black epoxy photographs blue-grey as often as neutral: its
    gloss mirrors a cool sky or a daylight lamp while the board around it keeps its own hue."""
    if rng.random() < 0.5:
        return np.ones(3, np.float32)
    return np.array([rng.uniform(1.05, 1.3), rng.uniform(0.95, 1.1), rng.uniform(0.75, 0.95)], np.float32)


def _texture(rng, img, cx, cy, body_w, body_h, angle):
    """Moulded epoxy is grainy and catches a soft sheen: not a flat fill."""
    region = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(region, [_rect_points(cx, cy, body_w, body_h, angle)], 1)
    inside = region.astype(bool)
    grain = rng.normal(0, rng.uniform(1, 7), (int(inside.sum()), 3)) + rng.uniform(-12, 25)
    img[inside] = np.clip(img[inside] + grain, 0, 255).astype(np.uint8)


def _marking(rng, img, cx, cy, body_w, body_h, angle, grey):
    """Laser-etched lines, a pin-1 dot, sometimes a logo block: light grey on the body."""
    ink = np.full(3, min(255.0, grey + rng.uniform(25, 150)), np.float32)
    lines = int(rng.integers(0, 6))
    if lines == 0 or body_h < 9:
        return
    scratch = np.zeros((int(body_h), int(body_w), 3), np.uint8)
    line_h = body_h * rng.uniform(0.3, 0.8) / lines
    if rng.random() < 0.4:  # a logo block
        lw, lh = body_w * rng.uniform(0.1, 0.3), line_h * 0.8
        cv2.rectangle(scratch, (int(body_w * 0.1), int(body_h * 0.12)), (int(body_w * 0.1 + lw), int(body_h * 0.12 + lh)),
                      [float(c) for c in ink], -1)
    scale = line_h / 30.0
    for i in range(lines):
        text = _text(rng, int(rng.integers(3, 16)))
        y = body_h * 0.15 + line_h * (i + 0.8)
        _put_text(scratch, text, (body_w * rng.uniform(0.05, 0.2), y), scale, ink,
                  1 if scale < 0.8 else 2, FONTS[int(rng.integers(0, 3))])
    if rng.random() < 0.6:
        r = max(1, int(min(body_w, body_h) * 0.05))
        cv2.circle(scratch, (2 * r + 1, int(body_h) - 2 * r - 1), r, [float(c) for c in ink * 0.6], -1)
    dst = cv2.boxPoints(((cx, cy), (body_w, body_h), angle)).astype(np.float32)
    src = np.array([[0, body_h], [0, 0], [body_w, 0], [body_w, body_h]], np.float32)
    warp = cv2.getPerspectiveTransform(src, dst)
    ink_layer = cv2.warpPerspective(scratch, warp, (img.shape[1], img.shape[0]))
    alpha = (ink_layer.max(axis=2, keepdims=True) > 0).astype(np.float32) * rng.uniform(0.4, 1.0)
    np.copyto(img, (img * (1 - alpha) + ink_layer * alpha).astype(np.uint8))


def _photograph(rng, img) -> np.ndarray:
    h, w = img.shape[:2]
    img = img.astype(np.float32)
    img = img * (1 + _low_freq(rng, img.shape, 3, 0.35))[:, :, None]
    if rng.random() < 0.4:  # glare: a broad bright sheen, not always on a chip
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        gx, gy, spread = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.1, 0.5) * w
        img = img + rng.uniform(15, 80) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / spread ** 2)[:, :, None]
    # White balance and exposure as phone cameras get them wrong: a cast per channel, a gain, a gamma.
    img = img * rng.uniform(0.75, 1.3, 3).astype(np.float32) * rng.uniform(0.7, 1.4) + rng.uniform(-15, 15)
    img = 255 * (np.clip(img, 0, 255) / 255) ** rng.uniform(0.75, 1.35)
    sigma = rng.uniform(0, 1.6)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = img + rng.normal(0, rng.uniform(1, 7), img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    quality = int(rng.integers(35, 96))
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def _backdrop_texture(rng, size: int) -> np.ndarray:
    """What lies under the board: woven or embossed mats, wood grain, paper (plain)."""
    kind = rng.choice(["plain", "weave", "grain", "speckle"], p=[0.35, 0.3, 0.15, 0.2])
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    turn = rng.uniform(0, math.pi)
    u, v = xx * math.cos(turn) + yy * math.sin(turn), -xx * math.sin(turn) + yy * math.cos(turn)
    period = rng.uniform(4, 24)
    amount = rng.uniform(10, 45)
    if kind == "weave":
        return amount * np.sign(np.sin(2 * math.pi * u / period) * np.sin(2 * math.pi * v / period))
    if kind == "grain":
        return amount * np.sin(2 * math.pi * u / period + 3 * _low_freq(rng, (size, size), 5, 1.0))
    if kind == "speckle":
        blobs = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), rng.uniform(1, 4))
        return amount * blobs / (blobs.std() + 1e-6) / 2
    return np.zeros((size, size), np.float32)


def render_patch(rng: np.random.Generator, size: int = PATCH) -> tuple[np.ndarray, np.ndarray]:
    """One training patch (BGR uint8) and its package-body mask (uint8, 255 on bodies)."""
    low, high = BACKDROPS[int(rng.integers(0, len(BACKDROPS)))]
    img = np.empty((size, size, 3), np.float32)
    img[:] = _colour(rng, low, high)
    img += _low_freq(rng, img.shape, int(rng.integers(4, 30)), 25)[:, :, None]
    img += _backdrop_texture(rng, size)[:, :, None]
    img = np.clip(img, 0, 255).astype(np.uint8)  # OpenCV draws text on 8-bit images only
    _, low, high = MASK_COLOURS[rng.choice(len(MASK_COLOURS), p=MASK_P)]
    board_colour = _colour(rng, low, high)
    board = np.zeros((size, size), np.uint8)
    if rng.random() < 0.45:
        board[:] = 1
    else:
        cx, cy = rng.uniform(0.2, 0.8) * size, rng.uniform(0.2, 0.8) * size
        cv2.fillPoly(board, [_rect_points(cx, cy, rng.uniform(0.6, 1.6) * size, rng.uniform(0.6, 1.6) * size,
                                          rng.uniform(-30, 30))], 1)
    if rng.random() < 0.25:  # a dark band: a table edge, a sleeve, the shadow under the board
        band = np.zeros((size, size), np.uint8)
        cv2.fillPoly(band, [_rect_points(rng.uniform(0, size), float(rng.choice([0, size])), size * 2,
                                         rng.uniform(0.2, 0.8) * size, rng.uniform(-20, 20))], 1)
        img[band > 0] = np.clip(rng.uniform(5, 60) + rng.normal(0, 4, 3), 0, 255).astype(np.uint8)
    board_img = np.empty((size, size, 3), np.float32)
    board_img[:] = board_colour
    board_img *= (1 + _low_freq(rng, img.shape, 6, 0.12))[:, :, None]
    board_img = np.clip(board_img, 0, 255).astype(np.uint8)
    _draw_board(rng, board_img, board_colour)
    np.copyto(img, board_img, where=board[:, :, None].astype(bool))
    scale = float(np.exp(rng.uniform(math.log(4.0), math.log(26.0))))  # pixels per mm
    _draw_pads_and_holes(rng, img, scale)
    occupied = np.zeros((size, size), np.uint8)
    mask = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(2, 22))):
        _lookalike(rng, img, occupied, scale)
    for _ in range(int(rng.integers(0, 6))):  # packages last: the mask is exactly what shows
        _package(rng, img, mask, occupied, scale)
    return _photograph(rng, img), mask
