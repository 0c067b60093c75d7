"""Catalog rows as plain dicts, shared by the pages, the JSON and the exports."""
from __future__ import annotations

from typing import Iterable, Optional

from flask import g, url_for

from bomcat.catalog import entity_list
from bomcat.catalog.lines import ComponentLine, as_line
from bomcat.catalog.models import (Component, ComponentStatus, Device, DerivedImage, Photo, Reading, Region,
                                  Review)
from bomcat.catalog.export import owner_today
from bomcat.catalog.records import slugify, usable_reading
from bomcat.catalog.resolver import knowledge


def file_url(derived: Optional[DerivedImage]) -> Optional[str]:
    return url_for("files.derived", derived_id=derived.id) if derived else None


def device_counts(devices: Iterable[Device]) -> dict[int, tuple[int, int]]:
    """Device id -> (photos, components) this viewer may see, counted in SQL (two queries for any number
    of devices) and kept for the request, so that a list of a hundred devices costs what one does."""
    from flask_login import current_user
    from sqlalchemy import func, select
    from sqlalchemy.orm import object_session
    from bomcat.catalog.visibility import public_components, public_photos, signed_in
    cache = g.setdefault("device_counts", {})
    missing = list({d.id: d for d in devices if d.id not in cache}.values())
    if missing:
        session = object_session(missing[0])
        ids = [d.id for d in missing]
        photos = select(Photo.device_id, func.count(Photo.id)).where(Photo.device_id.in_(ids))
        components = (select(Component.device_id, func.count(Component.id)).join(Device)
                      .where(Component.device_id.in_(ids)))
        if not signed_in(current_user):
            photos, components = photos.where(public_photos()), components.where(public_components())
        found_photos = dict(session.execute(photos.group_by(Photo.device_id)).all())
        found_components = dict(session.execute(components.group_by(Component.device_id)).all())
        cache.update({i: (found_photos.get(i, 0), found_components.get(i, 0)) for i in ids})
    return cache


def device_summary(d: Device) -> dict:
    photos, components = device_counts([d])[d.id]  # of what this viewer may see, as every page shows them
    return {"slug": d.slug, "title": d.title, "maker": d.maker, "model": d.model, "status": d.status.value,
            "photos": photos, "components": components,
            "url": url_for("devices.device_page", slug=d.slug),
            "maker_url": maker_url(d.maker), "entity_list": entity_list.flags(d.maker)}


def manufacturer_url(name: str) -> str:
    """The page of a parts maker (/manufacturers/<slug>): its devices, evidence and letters."""
    return url_for("suppliers.manufacturer_page", slug=slugify(name))


def maker_url(maker: str) -> str:
    """The page of a device maker: its suppliers by country."""
    return url_for("places.maker_page", slug=slugify(maker))


def device_detail(d: Device) -> dict:
    return {**device_summary(d), "variant": d.variant, "firmware": d.firmware, "serial": d.serial,
            "acquired_where": d.acquired_where, "acquired_on": d.acquired_on and d.acquired_on.isoformat(),
            "teardown_on": d.teardown_on and d.teardown_on.isoformat(), "notes": d.notes,
            "report_intro": d.report_intro, "report_recommendations": d.report_recommendations,
            "created_at": d.created_at.isoformat()}


def region_dict(r: Region) -> dict:
    return {"id": r.id, "photo_id": r.photo_id, "cx": r.cx, "cy": r.cy, "w": r.w, "h": r.h, "angle": r.angle,
            "score": r.score, "designator": r.designator, "origin": r.origin.value, "created_by": r.created_by,
            "crop_url": file_url(r.crop())}


def board_region(r: Region) -> dict:
    """A region as the board view draws it: its box, and what its component says (when public)."""
    from .views import can_see
    item = region_dict(r)
    component = r.component if can_see(r.component) else None
    item.update({"deleted": r.deleted_at is not None,
                 "status": component.status.value if component else "none",
                 "usable": usable_reading(component) if component else None,
                 "label": r.designator or (component.part_number if component else None) or "?",
                 "component": component_row(component) if component else None,
                 "events": [{"action": e.action, "by": e.by, "at": e.created_at.isoformat()} for e in r.events]})
    return item


def photo_dict(p: Photo) -> dict:
    upright = p.derivative("upright")
    return {"id": p.id, "sha256": p.sha256, "original_filename": p.original_filename, "media_type": p.media_type,
            "width": p.width, "height": p.height, "exif_orientation": p.exif_orientation,
            "captured_at": p.captured_at and p.captured_at.isoformat(), "camera": p.camera, "board": p.board,
            "side": p.side, "uploaded_by": p.uploaded_by, "uploaded_at": p.uploaded_at.isoformat(timespec="seconds"),
            "original_url": url_for("files.original", sha=p.sha256),
            "upright_url": file_url(upright), "upright_size": [upright.width, upright.height] if upright else None,
            "thumbnail_url": file_url(p.derivative("thumbnail")),
            "url": url_for("devices.photo_page", photo_id=p.id)}


def reading_dict(r: Reading) -> dict:
    return {"id": r.id, "engine": r.engine, "engine_version": r.engine_version, "preprocessing": r.preprocessing,
            "rotation": r.rotation, "lines": r.lines, "text": r.text, "changes": r.changes or [],
            "confidence": r.confidence,
            "seconds": r.seconds, "chosen": r.chosen, "created_at": r.created_at.isoformat()}


def review_dict(r: Review) -> dict:
    return {"id": r.id, "reviewer": r.reviewer, "verdict": r.verdict.value, "values": r.values,
            "comment": r.comment, "created_at": r.created_at.isoformat()}


def component_row(item: Component | ComponentLine) -> dict:
    """A component's row as every list shows it (from a loaded component or a line read by SQL)."""
    c = as_line(item)
    verified = c.status is ComponentStatus.verified   # a reopened component shows no verifier
    return {"id": c.id, "designator": c.designator, "marking": c.marking, "part_number": c.part_number,
            "manufacturer": c.manufacturer, "country": c.country,
            "owner_today": owner_today(c.manufacturer), "category": c.category,
            "manufacturer_entity_list": entity_list.flags(c.manufacturer),
            "date_code": c.date_code, "confidence": c.confidence, "status": c.status.value,
            "crop_url": url_for("files.derived", derived_id=c.crop_id) if c.crop_id else None,
            "photo_id": c.photo_id, "region_id": c.region_id,
            # The full photo with this component's region selected and zoomed to.
            "photo_url": (url_for("devices.photo_page", photo_id=c.photo_id) + f"#region-{c.region_id}")
            if c.region_id else None,
            "verified_by": c.verified_by if verified else None,
            "verified_at": c.verified_at.strftime("%Y-%m-%d %H:%M") if verified and c.verified_at else None,
            "url": url_for("components.component_page", component_id=c.id)}


def component_detail(c: Component) -> dict:
    row = component_row(c)
    m = c.manufacturer
    row.update({"device": device_summary(c.device),
                "region": region_dict(c.region) if c.region else None,
                "readings": [reading_dict(r) for r in c.region.readings] if c.region else [],
                "reviews": [review_dict(r) for r in c.reviews],
                "lineage": knowledge.load().lineage(m.name) if m else []})
    return row


def upload_dict(u) -> dict:
    return {"id": u.id, "device": u.device.slug, "filename": u.filename, "sha256": u.sha256,
            "byte_size": u.byte_size, "board": u.board, "side": u.side, "status": u.status.value,
            "detail": u.detail, "queue": u.queue, "job_id": u.job_id, "uploaded_by": u.uploaded_by,
            "created_at": u.created_at.isoformat(), "updated_at": u.updated_at.isoformat(),
            "photo_id": u.photo_id, "status_url": url_for("uploads.upload_detail", upload_id=u.id),
            "photo_url": url_for("devices.photo_page", photo_id=u.photo_id) if u.photo_id else None}


def outreach_dict(entry) -> dict:
    return {"id": entry.id, "manufacturer": entry.manufacturer.name, "kind": entry.kind,
            "sent_on": entry.sent_on and entry.sent_on.isoformat(), "subject": entry.subject,
            "status": entry.status.value, "body": entry.body,
            "device": entry.device.slug if entry.device else None,
            "reply_text": entry.reply_text, "replied_on": entry.replied_on and entry.replied_on.isoformat(),
            "recorded_by": entry.recorded_by}
