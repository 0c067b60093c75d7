"""Regions drawn, moved, resized or deleted by hand where detection missed or misfired.

Every edit is one entry in the region's append-only event log (who, when, the box before
and after). A moved region gets a new crop cut from the upright image and is read again;
its component goes back to review with the new reading (the old crops and readings stay).
A deleted region is only marked deleted; its component is rejected through the review log.
"""
from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np
from bomcat.catalog.db import Catalog
from bomcat.errors import CatalogError
from bomcat.catalog.models import (
    ComponentStatus,
    Photo,
    Region,
    RegionEvent,
    RegionOrigin,
    utcnow,
)
from bomcat.catalog.records import apply_review, propose_component, repropose_component
from bomcat.catalog.values import limit_of, text_value
from bomcat.ocr.engines import DEFAULT_ENGINE
from bomcat.catalog.resolver import default_resolver
from bomcat.ocr.read import ChipReading, read_chip
from sqlalchemy.orm import Session

from bomcat.images.geometry import RotatedBox
from .ingest import reading_comment, save_crop, save_reading
from bomcat.images.store import StoreTransaction

MIN_SIDE = 8.0


class RegionError(CatalogError, ValueError):
    """An edit that cannot be made: says why."""


def designator_of(values: dict) -> Optional[str]:
    """The designator sent (U1, IC3), checked like any text; too long is refused, not cut."""
    return text_value("designator", values.get("designator"), limit_of(Region.designator), error=RegionError)


def checked_box(photo: Photo, values: dict, current: Optional[dict] = None) -> RotatedBox:
    """The box an edit asks for, merged over the current one, checked against the photo."""
    box = dict(current or {"angle": 0.0})
    for key in ("cx", "cy", "w", "h", "angle"):
        if key in values and values[key] is not None:
            try:
                box[key] = float(values[key])
            except (TypeError, ValueError):
                raise RegionError(f"{key} must be a number") from None
            if not math.isfinite(box[key]):
                raise RegionError(f"{key} must be a finite number")
    missing = [k for k in ("cx", "cy", "w", "h") if k not in box]
    if missing:
        raise RegionError(f"missing: {', '.join(missing)}")
    upright = photo.derivative("upright")
    width, height = (upright.width, upright.height) if upright else (photo.width, photo.height)
    if box["w"] < MIN_SIDE or box["h"] < MIN_SIDE:
        raise RegionError(f"a region is at least {MIN_SIDE:.0f} pixels on each side")
    if not (0 <= box["cx"] <= width and 0 <= box["cy"] <= height):
        raise RegionError(f"the region's centre must lie on the photo ({width}x{height})")
    if box["w"] > 2 * width or box["h"] > 2 * height:
        raise RegionError("the region is larger than the photo")
    box["angle"] = ((box["angle"] + 180.0) % 360.0) - 180.0
    return RotatedBox(box["cx"], box["cy"], box["w"], box["h"], box["angle"])


def _upright_pixels(catalog: Catalog, photo: Photo) -> np.ndarray:
    derived = photo.derivative("upright")
    if derived is None:
        raise RegionError(f"photo {photo.id} has no upright image to cut from")
    image = cv2.imread(str(catalog.store.path(derived.path)), cv2.IMREAD_COLOR)
    if image is None:
        raise RegionError(f"photo {photo.id}: its upright image cannot be read from the store")
    return image


def _cut_and_read(catalog: Catalog, session: Session, files: StoreTransaction, region: Region,
                  box: RotatedBox, engines=(DEFAULT_ENGINE,)) -> ChipReading:
    """A new evidence crop for the region's box, read; earlier crops and readings stay."""
    name = f"crop-r{region.id}-e{len(region.events) + 1}"
    crop = save_crop(session, files, region.photo, region, _upright_pixels(catalog, region.photo), box, name)
    chip = read_chip(crop, default_resolver(), engines=engines)
    save_reading(session, files, region.photo, region, crop, chip, name)
    return chip


def _log(session: Session, region: Region, action: str, before: dict, after: dict, by: str) -> None:
    session.add(RegionEvent(region=region, action=action, before=before, after=after, by=by))


def _comment(chip: ChipReading, by: str, what: str) -> str:
    return f"region {what} by {by}; {reading_comment(chip)}"


def box_at_point(catalog: Catalog, photo_id: int, at: object) -> dict:
    """The box of the package under a point of the photo's upright image (`at` = [x, y]), as region
    values; a clear refusal when the point is not a point or not on a package."""
    from bomcat.images.click import box_at
    if not (isinstance(at, (list, tuple)) and len(at) == 2 and
            all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in at)):
        raise RegionError("'at' must be a point [x, y] in the upright image's pixels")
    with catalog.session() as session:
        photo = session.get(Photo, photo_id)
        if photo is None:
            raise RegionError(f"no photo {photo_id}", status=404)
        image = _upright_pixels(catalog, photo)
    box = box_at(image, float(at[0]), float(at[1]))
    if box is None:
        raise RegionError(f"no package found at ({at[0]:.0f}, {at[1]:.0f}): drag to draw its box by hand",
                          status=422)
    return {"cx": box.cx, "cy": box.cy, "w": box.w, "h": box.h, "angle": box.angle}


def draw_region(catalog: Catalog, photo_id: int, values: dict, by: str) -> int:
    """A region drawn by hand: cut, read and proposed like a detected one. Returns its id."""
    with catalog.transaction() as (session, files):
        photo = session.get(Photo, photo_id)
        if photo is None:
            raise RegionError(f"no photo {photo_id}", status=404)
        box = checked_box(photo, values)
        region = Region(photo=photo, cx=box.cx, cy=box.cy, w=box.w, h=box.h, angle=box.angle, score=None,
                        designator=designator_of(values), origin=RegionOrigin.manual, created_by=by)
        session.add(region)
        session.flush()
        chip = _cut_and_read(catalog, session, files, region, box)
        _log(session, region, "drawn", {}, {**region.box(), "designator": region.designator}, by)
        propose_component(session, photo.device, region, chip.resolution, proposed_by=by,
                          comment=_comment(chip, by, "drawn"))
        return region.id


def edit_region(catalog: Catalog, region_id: int, values: dict, by: str) -> None:
    """Move, resize or turn a region (re-cut and re-read), and/or set its designator."""
    with catalog.transaction() as (session, files):
        region = live_region(session, region_id)
        if "designator" in values:
            designator = designator_of(values)
            if designator != region.designator:
                _log(session, region, "designated", {"designator": region.designator},
                     {"designator": designator}, by)
                region.designator = designator
        if not any(k in values for k in ("cx", "cy", "w", "h", "angle")):
            return
        before = region.box()
        box = checked_box(region.photo, values, before)
        after = {"cx": box.cx, "cy": box.cy, "w": box.w, "h": box.h, "angle": box.angle}
        if all(abs(after[k] - before[k]) < 0.5 for k in after):
            return
        region.cx, region.cy, region.w, region.h, region.angle = box.cx, box.cy, box.w, box.h, box.angle
        _log(session, region, "moved", before, after, by)
        session.flush()
        chip = _cut_and_read(catalog, session, files, region, box)
        if region.component is not None:
            repropose_component(session, region.component, chip.resolution, by, _comment(chip, by, "moved"))


def delete_region(catalog: Catalog, region_id: int, by: str, reason: Optional[str] = None) -> None:
    reason = text_value("reason", reason, 500, multiline=True, error=RegionError)
    with catalog.session() as session:  # no file is written
        region = live_region(session, region_id)
        region.deleted_by, region.deleted_at = by, utcnow()
        _log(session, region, "deleted", region.box(), {"reason": reason}, by)
        component = region.component
        if component is not None and component.status is not ComponentStatus.rejected:
            apply_review(session, component, by, "rejected",
                         comment=f"region deleted by {by}" + (f": {reason}" if reason else ""))


def live_region(session: Session, region_id: int) -> Region:
    region = session.get(Region, region_id)
    if region is None or region.deleted_at is not None:
        raise RegionError(f"no region {region_id}", status=404)
    return region
