"""Resolver-guided reading of one chip crop.

Plain OCR of a chip is unreliable, and only some part numbers are printed
verbatim, so reading and resolving work together: we gather alternative
readings (orientations x preprocessing recipes x engines), ask the resolver
how well each one is explained, and keep the best. A reading whose tokens the
knowledge base can explain at a cost the recognizer's own probabilities allow
(`decode.py`) is kept beside it as a decoded reading. All readings are kept
for the reviewer.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Protocol, Sequence

import numpy as np

from .decode import Change, decode_box
from .engines import DEFAULT_ENGINE, OcrEngine, TextLine, get_engine
from .preprocess import RECIPES, run_recipe, turn

class Explanation(Protocol):
    def as_dict(self) -> dict: ...


class PrintedForms(Protocol):
    near: Callable


class Resolver(Protocol):
    """What reading needs of the knowledge base, which the caller gives (`bomcat.catalog.resolver.Resolver`
    is one; this package does not import it): how well a marking is explained, and the printed forms a
    token may be decoded towards."""
    printed_forms: PrintedForms

    def resolve(self, text: str) -> Explanation: ...


ROTATIONS = (0, 90, 180, 270)
FIRST_PASS_RECIPE = "clahe"


@dataclass
class RawReading:
    engine: str
    engine_version: str
    preprocessing: list[str]
    rotation: int
    lines: list[str]
    confidence: float
    seconds: float
    upright: float = 1.0
    score: float = 0.0
    resolution: dict = field(default_factory=dict, repr=False)
    changes: list[Change] = field(default_factory=list)   # what decoding against the knowledge base changed

    @property
    def cost(self) -> float:
        return sum(c.cost for c in self.changes)

    @property
    def text(self) -> str:
        return " | ".join(self.lines)


@dataclass
class ChipReading:
    lines: list[str]
    rotation: int
    manufacturer: Optional[str]
    part_number: Optional[str]
    confidence: float
    seconds: float
    resolution: dict
    readings: list[RawReading]
    chosen: int

    @property
    def text(self) -> str:
        return " | ".join(self.lines)

    def as_dict(self) -> dict:
        return {"lines": self.lines, "text": self.text, "rotation": self.rotation,
                "manufacturer": self.manufacturer, "part_number": self.part_number,
                "confidence": round(self.confidence, 3), "seconds": round(self.seconds, 3),
                "changes": [c.as_dict() for c in self.readings[self.chosen].changes] if self.readings else []}


_JUNK = re.compile(r"[^A-Za-z0-9\-./#&+()]")


def clean_lines(lines: Sequence[str]) -> list[str]:
    out = []
    for line in lines:
        text = " ".join(_JUNK.sub(" ", line).split())
        # a line of one or two stray characters is noise from edges and pins
        if len(text.replace(" ", "")) >= 2:
            out.append(text)
    return out


FRAGMENT_LENGTH = 3          # characters, at most
FRAGMENT_MIN_CONFIDENCE = 0.8


def drop_faint_fragments(lines: Sequence[TextLine]) -> list[TextLine]:
    """A short line the engine itself doubts is a logo or a worn scrap of a lot code ('HG' for a
    logo, '33#' for half a line), not marking: short real lines ('T20', 'ARM', 'XMC') are big
    glyphs the engine reads with confidence."""
    return [line for line in lines
            if len(line.text.replace(" ", "")) > FRAGMENT_LENGTH or line.confidence >= FRAGMENT_MIN_CONFIDENCE]


def plausibility(lines: list[str]) -> float:
    """How much a reading looks like a chip marking at all: tokens of 3+ alphanumerics."""
    tokens = [t for line in lines for t in line.split()]
    if not tokens:
        return 0.0
    good = sum(1 for t in tokens if len(t) >= 3 and sum(c.isalnum() for c in t) >= 0.8 * len(t))
    return good / len(tokens)


def score_reading(reading: RawReading, resolver: Resolver) -> float:
    if not reading.lines:
        return 0.0
    result = resolver.resolve(reading.text).as_dict()  # the JSON form: stored with the reading
    reading.resolution = result
    known = 0.35 if result["manufacturer"] else 0.0
    sideways = 0.6 * (1.0 - reading.upright)  # the engine read it, but turned: not this orientation
    return (result["confidence"] + known + 0.4 * reading.confidence + 0.3 * plausibility(reading.lines) - sideways
            - COST_WEIGHT * reading.cost)


COST_WEIGHT = 0.03   # per nat of decoding cost: a reading the pixels support less is worth less


def decode_lines(lines: Sequence[TextLine], resolver: Resolver) -> tuple[list[TextLine], list[Change]]:
    """The lines decoded against what the knowledge base allows (`decode.decode_box`), box by box;
    lines whose engine gave no character probabilities stay as read."""
    out, changes = [], []
    for line in lines:
        if not line.lattices:
            out.append(line)
            continue
        texts = []
        for lattice in line.lattices:
            text, changed = decode_box(lattice, resolver.printed_forms.near)
            texts.append(text.strip())
            changes += changed
        out.append(TextLine(" ".join(t for t in texts if t), line.confidence, line.upright))
    return out, changes


STOP_CONFIDENCE = 0.9   # a known part read cleanly: other recipes cannot do better


def _explained(readings: list[RawReading]) -> bool:
    """Some reading names a known part confidently enough to stop looking."""
    return any(r.resolution.get("part_number") and r.resolution.get("confidence", 0) >= STOP_CONFIDENCE
               for r in readings)


def _read_once(engine: OcrEngine, image: np.ndarray, recipe: str, rotation: int,
               debug_dir: Optional[Path], resolver: Resolver) -> list[RawReading]:
    """The engine's reading of the crop turned and prepared one way, and, when decoding against the
    knowledge base changed something the pixels allow, that decoded reading beside it."""
    start = time.perf_counter()
    prefix = f"{engine.name}-r{rotation:03d}-"
    prepared = run_recipe(turn(image, rotation), recipe, debug_dir, prefix)
    lines = drop_faint_fragments(engine.read(prepared))
    confidence = float(np.mean([line.confidence for line in lines])) if lines else 0.0
    upright = float(np.mean([line.upright for line in lines])) if lines else 1.0
    stages = [s.__name__ for s in RECIPES[recipe]]
    raw = RawReading(engine.name, engine.version, stages, rotation, clean_lines([line.text for line in lines]),
                     confidence, time.perf_counter() - start, upright)
    decoded_lines, changes = decode_lines(lines, resolver)
    if not changes:
        return [raw]
    decoded = RawReading(engine.name, engine.version, [*stages, "decode_knowledge"], rotation,
                         clean_lines([line.text for line in decoded_lines]), confidence,
                         time.perf_counter() - start - raw.seconds, upright, changes=changes)
    return [raw, decoded]


def read_chip(image: np.ndarray, resolver: Resolver, engines: Sequence[str] = (DEFAULT_ENGINE,),
              recipes: Sequence[str] = ("clahe", "tophat"), rotations: Sequence[int] = ROTATIONS,
              debug_dir: Optional[Path] = None) -> ChipReading:
    """Read a chip crop in any orientation, each reading explained by `resolver`; returns the
    best-explained reading and all others."""
    start = time.perf_counter()
    readings: list[RawReading] = []
    for name in engines:
        engine = get_engine(name)
        # First pass: every orientation with the first recipe, to find which way is up.
        first = [reading for r in rotations for reading in _read_once(engine, image, recipes[0], r, debug_dir,
                                                                       resolver)]
        for reading in first:
            reading.score = score_reading(reading, resolver)
        readings += first
        best_rotations = sorted(first, key=lambda r: r.score, reverse=True)[:2]
        # Other recipes only when the first did not give an explained reading.
        for recipe in recipes[1:]:
            if _explained(readings) and debug_dir is None:  # with --debug, show every recipe
                break
            for rot in dict.fromkeys(r.rotation for r in best_rotations):
                for reading in _read_once(engine, image, recipe, rot, debug_dir, resolver):
                    reading.score = score_reading(reading, resolver)
                    readings.append(reading)
        if any(r.resolution.get("part_number") for r in readings):
            break  # later engines are a fallback for when this one found no part at all
    chosen = max(range(len(readings)), key=lambda i: readings[i].score)
    best = readings[chosen]
    resolution = best.resolution or resolver.resolve(best.text).as_dict()
    # The marking as the resolver explains it (OCR slips in the part number and the logo undone);
    # every raw reading stays in `readings` for the reviewer.
    lines = resolution.get("reading") or best.lines
    # Decoding against the knowledge base is a guess about the pixels: the more it cost, the less sure.
    confidence = max(0.0, float(resolution.get("confidence", 0.0)) - COST_WEIGHT * best.cost)
    return ChipReading(lines, best.rotation, resolution.get("manufacturer"),
                       resolution.get("part_number"), confidence,
                       time.perf_counter() - start, resolution, readings, chosen)
