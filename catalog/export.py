"""BOM exports: one row per component with its evidence trail, as CSV or JSON.

CSV cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
carriage return) are prefixed with a single quote: a marking such as '-ERBCV100' or a
hostile device note must stay text.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Component, ComponentStatus, Device, DeviceStatus, Manufacturer
from .records import last_verification
from .resolver import knowledge

BOM_COLUMNS = ["device", "component_id", "designator", "marking", "part_number", "manufacturer", "country",
               "owner_today", "category", "date_code", "status", "confidence", "photo_sha256", "region",
               "verified_by", "verified_at"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def owner_today(maker: Manufacturer | None) -> str | None:
    """The company that owns the maker's line today (Numonyx parts are Micron's)."""
    lineage = knowledge.load().lineage(maker.name) if maker else []
    return lineage[-1]["name"] if lineage else None


def bom_row(component: Component) -> dict:
    maker = component.manufacturer
    region = component.region
    verified = last_verification(component)
    return {
        "device": component.device.slug, "component_id": component.id,
        "designator": region.designator if region else None, "marking": component.marking,
        "part_number": component.part_number, "manufacturer": maker.name if maker else None,
        "country": maker.country if maker else None, "owner_today": owner_today(maker),
        "category": component.category, "date_code": component.date_code, "status": component.status.value,
        "confidence": component.confidence,
        "photo_sha256": region.photo.sha256 if region else None,
        "region": (f"{region.cx:.0f},{region.cy:.0f} {region.w:.0f}x{region.h:.0f} {region.angle:+.1f}deg"
                   if region else None),
        "verified_by": verified.reviewer if verified else None,
        "verified_at": verified.created_at.isoformat() if verified else None,
    }


def device_rows(session: Session, slugs: Iterable[str] | None = None, public_only: bool = False) -> list[dict]:
    """BOM rows of the named devices (all when None); `public_only`: what anonymous visitors see,
    published devices and their verified components."""
    query = select(Device).order_by(Device.slug)
    if slugs is not None:
        query = query.where(Device.slug.in_(list(slugs)))
    if public_only:
        query = query.where(Device.status == DeviceStatus.published)
    return [bom_row(c) for d in session.scalars(query) for c in d.components
            if not public_only or c.status is ComponentStatus.verified]


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=BOM_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(row.get(k)) for k in BOM_COLUMNS})
    return buf.getvalue()
