"""Reviewed board photos as detector data, in the layout `bomcat bench detect` reads.

The rendered boards the shipped detector learnt from are not photographs; a catalog's own
reviewed photos are. A photo becomes an example once people have decided every chip region on
it: each live region (not deleted) belongs to a component that a reviewer verified or corrected.
Its boxes are then the chips people confirmed, and the rest of the photo is known not to be a
chip: detections that were not chips were deleted by hand, chips the detector missed were drawn
by hand. A photo with a region still proposed or rejected is left out, because a rejected
reading may still sit on a chip, so its pixels can be called neither chip nor background.

Written: the upright image of each photo (the derived file ingest made, EXIF already applied)
and `boards.csv` with `file,x,y,w,h,part_number,manufacturer,photo_sha256,region_id`, one row a
chip, the box being the rotated region's axis-aligned hull clipped to the image.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bomcat.images.boxes_file import BOXES_FILE
from bomcat.images.geometry import RotatedBox

from bomcat.catalog.db import Catalog
from bomcat.catalog.export import spreadsheet_safe
from bomcat.catalog.models import Component, ComponentStatus, Photo, Region

COLUMNS = ["file", "x", "y", "w", "h", "part_number", "manufacturer", "photo_sha256", "region_id"]


def reviewed_photos(session: Session) -> Iterator[tuple[Photo, list[Region]]]:
    """Photos whose every live region is a verified chip, with those regions."""
    photos = session.scalars(
        select(Photo).where(Photo.regions.any(Region.deleted_at.is_(None))).order_by(Photo.id)
        .options(selectinload(Photo.derived),
                 selectinload(Photo.regions).selectinload(Region.component).selectinload(Component.manufacturer)))
    for photo in photos:
        live = [r for r in photo.regions if r.deleted_at is None]
        if all(r.component is not None and r.component.status == ComponentStatus.verified for r in live):
            yield photo, live


def _hull_in_image(region: Region, width: int, height: int) -> tuple[int, int, int, int]:
    x, y, w, h = RotatedBox(**region.box()).hull()
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(width), x + w), min(float(height), y + h)
    return round(x0), round(y0), round(x1 - x0), round(y1 - y0)


def write_detector_examples(catalog: Catalog, directory: Path) -> dict:
    """Write the reviewed photos and their chip boxes into `directory` (created when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    photos = 0
    with catalog.session() as session:
        for photo, regions in reviewed_photos(session):
            upright = photo.derivative("upright")
            if upright is None:
                continue  # ingest always makes one; a photo without it is not evidence this can use
            name = f"{photo.sha256[:20]}.jpg"
            shutil.copyfile(catalog.store.path(upright.path), directory / name)
            photos += 1
            for region in regions:
                x, y, w, h = _hull_in_image(region, upright.width, upright.height)
                component = region.component
                rows.append({"file": name, "x": x, "y": y, "w": w, "h": h,
                             "part_number": spreadsheet_safe(component.part_number),
                             "manufacturer": spreadsheet_safe(component.manufacturer.name
                                                              if component.manufacturer else None),
                             "photo_sha256": photo.sha256, "region_id": region.id})
    with (directory / BOXES_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return {"directory": str(directory), "photos": photos, "chips": len(rows)}
