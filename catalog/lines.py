"""BOM lines: what a row of a bill of materials shows of a component, as plain values.

The pages, the JSON and CSV twins and the exports all draw a component's row from one `ComponentLine`.
It is built either from a loaded `Component` (`line_of`, for pages that show a few rows with more
around them) or straight from SQL (`read_lines`: three queries and no ORM objects for any number of
rows, for the device page of a 300-component teardown, whose ORM graph of components, regions,
photos, crops and reviews cost more than the rest of the page).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .models import (CROP_KINDS, Component, ComponentStatus, DerivedImage, Device, Manufacturer, Photo, Region,
                     Review, Verdict, device_title)
from .records import last_verification


@dataclass(frozen=True, slots=True)
class ComponentLine:
    id: int
    device_slug: str
    device_title: str
    marking: Optional[str]
    part_number: Optional[str]
    manufacturer: Optional[str]       # the maker's name
    country: Optional[str]
    category: Optional[str]
    date_code: Optional[str]
    confidence: Optional[float]
    status: ComponentStatus
    region_id: Optional[int]
    designator: Optional[str]
    photo_id: Optional[int]
    photo_sha256: Optional[str]
    box: Optional[tuple[float, float, float, float, float]]   # cx, cy, w, h, angle in the photo's pixels
    crop_id: Optional[int]
    verified_by: Optional[str]        # the latest verification (the component may have been reopened since)
    verified_at: Optional[dt.datetime]


def as_line(item: Component | ComponentLine) -> ComponentLine:
    """A line as it is, or the line of a loaded component."""
    return item if isinstance(item, ComponentLine) else line_of(item)


def line_of(c: Component) -> ComponentLine:
    """The line of a loaded component."""
    m, r = c.manufacturer, c.region
    crop = r.crop() if r else None
    verified = last_verification(c)
    return ComponentLine(
        c.id, c.device.slug, c.device.title, c.marking, c.part_number, m.name if m else None,
        m.country if m else None, c.category, c.date_code, c.confidence, c.status, c.region_id,
        r.designator if r else None, r.photo_id if r else None, r.photo.sha256 if r else None,
        (r.cx, r.cy, r.w, r.h, r.angle) if r else None, crop.id if crop else None,
        verified.reviewer if verified else None, verified.created_at if verified else None)


def line_query(*where) -> Select:
    """The columns of the lines of the components `where` names (a query that joins Component to Device,
    as the visibility policy's SQL form expects), in catalog order."""
    return (select(Component.id, Device.slug, Device.maker, Device.model, Device.variant, Component.marking,
                   Component.part_number, Manufacturer.name, Manufacturer.country, Component.category, Component.date_code,
                   Component.confidence, Component.status, Component.region_id, Region.designator,
                   Region.photo_id, Photo.sha256, Region.cx, Region.cy, Region.w, Region.h, Region.angle)
            .select_from(Component).join(Device, Component.device_id == Device.id)
            .outerjoin(Manufacturer, Component.manufacturer_id == Manufacturer.id)
            .outerjoin(Region, Component.region_id == Region.id)
            .outerjoin(Photo, Region.photo_id == Photo.id)
            .where(*where).order_by(Component.device_id, Component.id))


def read_lines(session: Session, query: Select) -> list[ComponentLine]:
    """The lines of a `line_query`: its rows, then the regions' crops and the latest verifications, each
    in one query over the ids found."""
    rows = session.execute(query).all()
    crops = _crops(session, [r._mapping[Component.region_id] for r in rows
                             if r._mapping[Component.region_id] is not None])
    verified = _verifications(session, [r._mapping[Component.id] for r in rows])
    lines = []
    for (cid, slug, device_maker, model, variant, marking, part, maker, country, category, date_code, confidence,
         status, region_id, designator, photo_id, sha256, cx, cy, w, h, angle) in rows:
        reviewer, at = verified.get(cid, (None, None))
        lines.append(ComponentLine(
            cid, slug, device_title(device_maker, model, variant), marking, part, maker, country, category,
            date_code, confidence, status, region_id, designator, photo_id, sha256,
            (cx, cy, w, h, angle) if region_id is not None else None, crops.get(region_id), reviewer, at))
    return lines


def _chunks(ids: list[int], size: int = 500):
    """Id lists short enough for any database's bound-parameter limit."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _crops(session: Session, region_ids: list[int]) -> dict[int, int]:
    """Region id -> the id of its evidence crop: of `CROP_KINDS` the first there, of that kind the latest
    (a re-cut crop wins), as `Region.crop()` says of a loaded region."""
    best: dict[int, tuple[int, int]] = {}   # region -> (rank of kind, id)
    for chunk in _chunks(region_ids):
        found = session.execute(select(DerivedImage.region_id, DerivedImage.kind, DerivedImage.id)
                                .where(DerivedImage.region_id.in_(chunk), DerivedImage.kind.in_(CROP_KINDS))
                                .order_by(DerivedImage.id))
        for region_id, kind, derived_id in found:
            rank = CROP_KINDS.index(kind)
            if region_id not in best or rank <= best[region_id][0]:
                best[region_id] = (rank, derived_id)
    return {region_id: derived_id for region_id, (_rank, derived_id) in best.items()}


def _verifications(session: Session, component_ids: list[int]) -> dict[int, tuple[str, dt.datetime]]:
    """Component id -> (reviewer, when) of its latest verifying review."""
    latest: dict[int, tuple[str, dt.datetime]] = {}
    for chunk in _chunks(component_ids):
        found = session.execute(select(Review.component_id, Review.reviewer, Review.created_at)
                                .where(Review.component_id.in_(chunk), Review.verdict == Verdict.verified)
                                .order_by(Review.id))
        for component_id, reviewer, at in found:
            latest[component_id] = (reviewer, at)   # ordered by id: the last one stays
    return latest
