"""Deep Zoom tile pyramids of upright photos, for smooth zoom and pan on 12-megapixel boards.

A pyramid is a cache derived from the upright image (itself derived from the untouched
original): it is rebuilt whenever it is missing, never recorded as evidence. It is written
into a temporary folder and renamed into place, so readers never see half a pyramid, and
two processes building the same pyramid at once both end with a whole one.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
from pathlib import Path

from PIL import Image

TILE_SIZE = 254     # + 1 px overlap on each side: 256 px tiles, as OpenSeadragon's DZI default
OVERLAP = 1
FORMAT = "jpg"
_build_lock = threading.Lock()


def max_level(width: int, height: int) -> int:
    return math.ceil(math.log2(max(width, height, 1)))


def tile_source(width: int, height: int, url: str) -> dict:
    """The DZI description as OpenSeadragon takes it inline (the same fields as a .dzi file)."""
    return {"Image": {"xmlns": "http://schemas.microsoft.com/deepzoom/2008", "Url": url, "Format": FORMAT,
                      "Overlap": str(OVERLAP), "TileSize": str(TILE_SIZE),
                      "Size": {"Width": str(width), "Height": str(height)}}}


def _write_level(image: Image.Image, folder: Path) -> int:
    folder.mkdir(parents=True)
    count = 0
    for col in range(math.ceil(image.width / TILE_SIZE)):
        for row in range(math.ceil(image.height / TILE_SIZE)):
            x0, y0 = max(0, col * TILE_SIZE - OVERLAP), max(0, row * TILE_SIZE - OVERLAP)
            x1 = min(image.width, (col + 1) * TILE_SIZE + OVERLAP)
            y1 = min(image.height, (row + 1) * TILE_SIZE + OVERLAP)
            image.crop((x0, y0, x1, y1)).save(folder / f"{col}_{row}.{FORMAT}", quality=88)
            count += 1
    return count


def build_pyramid(upright_path: Path, target: Path) -> int:
    """Write every level of the pyramid (level n is the image at 2**(n - max) scale); returns tiles."""
    with Image.open(upright_path) as source:
        image = source.convert("RGB")
    top = max_level(*image.size)
    staging = Path(tempfile.mkdtemp(prefix=".tiles-", dir=target.parent))
    try:
        count = 0
        for level in range(top, -1, -1):
            count += _write_level(image, staging / str(level))
            if level:
                image = image.resize((max(1, math.ceil(image.width / 2)), max(1, math.ceil(image.height / 2))),
                                     Image.Resampling.LANCZOS)
        try:
            os.rename(staging, target)
        except OSError:  # another process finished first: its pyramid is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
        return count
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def ensure_pyramid(upright_path: Path, tiles_dir: Path) -> None:
    """Build the pyramid unless it is there already (once per process at a time)."""
    if not tiles_dir.is_dir():
        with _build_lock:
            if not tiles_dir.is_dir():
                tiles_dir.parent.mkdir(parents=True, exist_ok=True)
                build_pyramid(upright_path, tiles_dir)


def tile_path(upright_path: Path, tiles_dir: Path, level: int, col: int, row: int) -> Path | None:
    """The tile's file, building the pyramid on first use; None for a tile that does not exist."""
    ensure_pyramid(upright_path, tiles_dir)
    path = tiles_dir / str(level) / f"{col}_{row}.{FORMAT}"
    return path if path.is_file() else None
