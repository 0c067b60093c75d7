"""`bomcat resolve`, `bomcat ocr` and `bomcat detect`: markings, chip crops and board photos read without a catalog."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

from .common import check_files, emit, markings_from, parse_points


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per marking.")
@click.argument("markings", nargs=-1)
def resolve(as_json: bool, markings: tuple[str, ...]) -> None:
    """Resolve chip MARKINGS (printed lines joined by ' | ') to part number and manufacturer."""
    from bomcat.catalog.resolver import default_resolver
    resolver = default_resolver()
    for marking in markings_from(markings):
        result = resolver.resolve(marking)
        human = (f"{marking}\t{result.manufacturer or '?'}\t{result.part_number or '?'}"
                 f"\t{result.confidence:.2f}\t{result.explanation}")
        emit(result.as_dict(), as_json, human)



@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image.")
@click.option("--engine", "engines", multiple=True, default=None,
              help="OCR engine (tesseract, rapidocr); repeat to combine. Default: the benchmark's best.")
@click.option("--debug", "debug_dir", type=click.Path(file_okay=False), default=None,
              help="Write every preprocessing stage's image to this folder.")
@click.argument("images", nargs=-1)
def ocr(as_json: bool, engines: tuple[str, ...], debug_dir: Optional[str], images: tuple[str, ...]) -> None:
    """Read the marking on chip crop IMAGES (any orientation) and resolve it."""
    from bomcat.images.photo import BadPhoto, load_upright_bgr
    from bomcat.ocr.engines import DEFAULT_ENGINE, EngineUnavailable
    from bomcat.catalog.resolver import default_resolver
    from bomcat.ocr.read import read_chip
    check_files(images)
    failed = False
    for path in images:
        try:
            image = load_upright_bgr(path)
            debug = Path(debug_dir) / Path(path).stem if debug_dir else None
            chip = read_chip(image, default_resolver(), engines=engines or (DEFAULT_ENGINE,), debug_dir=debug)
        except (BadPhoto, EngineUnavailable) as exc:
            click.echo(f"bomcat: error: {exc}", err=True)
            failed = True
            continue
        record = {"file": path, **chip.as_dict()}
        emit(record, as_json, f"{path}\t{chip.text}\t{chip.manufacturer or '?'}\t{chip.part_number or '?'}"
                              f"\t{chip.confidence:.2f}")
    if failed:
        sys.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image.")
@click.option("--at", "points", multiple=True, callback=parse_points, metavar="X,Y",
              help="Box the package under this point (repeat for several); chips[i] is the i-th point's box or null.")
@click.argument("images", nargs=-1)
def detect(as_json: bool, points: list[tuple[float, float]], images: tuple[str, ...]) -> None:
    """Find IC packages on whole-board photo IMAGES, as rotated boxes (or the package under each --at)."""
    from bomcat.images.click import box_at
    from bomcat.images.detect import detect_chips
    from bomcat.images.photo import BadPhoto, load_upright_bgr
    check_files(images)
    failed = False
    for path in images:
        try:
            image = load_upright_bgr(path)
        except BadPhoto as exc:
            click.echo(f"bomcat: error: {exc}", err=True)
            failed = True
            continue
        if points:
            found = [box_at(image, x, y) for x, y in points]
            chips_at = [b.as_dict() if b else None for b in found]
            emit({"file": path, "chips": chips_at}, as_json,
                 f"{path}\t" + " ".join(f"({c['cx']:.0f},{c['cy']:.0f} {c['w']:.0f}x{c['h']:.0f} {c['angle']:+.0f}°)"
                                        if c else "(no package there)" for c in chips_at))
            continue
        boxes = detect_chips(image)
        chips = [b.as_dict() for b in boxes]
        emit({"file": path, "chips": chips}, as_json,
             f"{path}\t{len(chips)} chips\t" + " ".join(
                 f"({c['cx']:.0f},{c['cy']:.0f} {c['w']:.0f}x{c['h']:.0f} {c['angle']:+.0f}°)" for c in chips))
    if failed:
        sys.exit(1)
