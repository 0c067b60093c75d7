"""The chip-box file shared by the detection benchmark, the catalog's reviewed-photo export and
detector training: DIR/boards.csv, one row a chip, `file,x,y,w,h` (axis-aligned, in the photo's
upright pixels) and any further columns (part_number, manufacturer, ...)."""
from __future__ import annotations

import csv
from pathlib import Path

BOXES_FILE = "boards.csv"


class BoxesFileError(ValueError):
    pass


def read_boxes(directory: Path) -> dict[str, list[tuple[float, float, float, float]]]:
    """Chip boxes per photo file name, from DIR/boards.csv; a clear error when it is missing or bad."""
    path = Path(directory) / BOXES_FILE
    if not path.exists():
        raise BoxesFileError(f"{path}: no such file")
    boxes: dict[str, list[tuple[float, float, float, float]]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                x, y, w, h = (float(row[k]) for k in "xywh")
            except (KeyError, TypeError, ValueError):
                raise BoxesFileError(f"{path}, line {line}: needs numbers in columns x, y, w, h") from None
            name = row.get("file") or ""
            if Path(name).name != name or not name:
                raise BoxesFileError(f"{path}, line {line}: 'file' must be a file name in {directory}")
            boxes.setdefault(name, []).append((x, y, w, h))
    return boxes
