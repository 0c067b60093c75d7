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

from .lines import ComponentLine, as_line
from .models import Component, ComponentStatus, Device, DeviceStatus
from .resolver import knowledge

BOM_COLUMNS = ["device", "component_id", "designator", "marking", "part_number", "manufacturer", "country",
               "owner_today", "category", "date_code", "status", "confidence", "photo_sha256", "region",
               "verified_by", "verified_at"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def owner_today(maker: str | None) -> str | None:
    """The company that owns the named maker's line today (Numonyx parts are Micron's)."""
    lineage = knowledge.load().lineage(maker) if maker else []
    return lineage[-1]["name"] if lineage else None


def bom_row(item: Component | ComponentLine) -> dict:
    line = as_line(item)
    box = line.box
    return {
        "device": line.device_slug, "component_id": line.id,
        "designator": line.designator, "marking": line.marking,
        "part_number": line.part_number, "manufacturer": line.manufacturer,
        "country": line.country, "owner_today": owner_today(line.manufacturer),
        "category": line.category, "date_code": line.date_code, "status": line.status.value,
        "confidence": line.confidence,
        "photo_sha256": line.photo_sha256,
        "region": f"{box[0]:.0f},{box[1]:.0f} {box[2]:.0f}x{box[3]:.0f} {box[4]:+.1f}deg" if box else None,
        "verified_by": line.verified_by,
        "verified_at": line.verified_at.isoformat() if line.verified_at else None,
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
