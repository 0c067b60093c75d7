"""Device list, device page (BOM table and photos), photo page with its regions."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bomcat.catalog.models import Component, ComponentStatus, Device, OutreachEntry, Photo, Role
from bomcat.catalog.visibility import public_photos, signed_in

from bomcat.catalog.export import bom_row

from .paging import paged
from .serialize import (board_region, component_row, device_counts, device_detail, device_summary, manufacturer_url,
                        outreach_dict, photo_dict)
from .suppliers import supplier_summary
from .views import (can_see, catalog, current_user_can, data_view, device_or_404, ensure_visible, get_or_404,
                    shown_devices_query, shown_lines)

bp = Blueprint("devices", __name__)


@data_view(bp, "/devices", "devices.html")
def device_list() -> dict:
    """The devices the visitor may see, a page at a time."""
    with catalog().session() as session:
        devices, pages = paged(session, shown_devices_query())
        device_counts(devices)
        return {"devices": [device_summary(d) for d in devices], "pagination": pages}


@data_view(bp, "/devices/<slug>", "device.html", csv_rows=lambda data: data["bom"])
def device_page(slug: str) -> dict:
    with catalog().session() as session:
        device = device_or_404(session, slug)
        ensure_visible(device, f"device {slug!r}")
        # A device's rows in a bounded number of queries, whatever its size: its visible components
        # with what their rows show, and its photos with the regions the visibility policy looks at.
        components = shown_lines(session, Component.device_id == device.id)
        awaiting = session.scalar(select(func.count(Component.id)).where(
            Component.device_id == device.id, Component.status == ComponentStatus.proposed))
        photos = select(Photo).where(Photo.device_id == device.id).order_by(Photo.id).options(selectinload(Photo.derived))
        if not signed_in(current_user):
            photos = photos.where(public_photos())  # the policy's SQL form: no region loaded to decide
        photos = session.scalars(photos)
        # Other revisions and models of the same maker, to compare with (/devices/<slug>/compare/<other>).
        others = session.scalars(shown_devices_query(Device.maker == device.maker, Device.id != device.id).limit(12))
        letters = [{**outreach_dict(e), "manufacturer_url": manufacturer_url(e.manufacturer.name)}
                   for e in session.scalars(select(OutreachEntry).where(OutreachEntry.device_id == device.id)
                                            .order_by(OutreachEntry.id)) if can_see(e)]
        return {"device": device_detail(device), "letters": letters,
                "can_write_letters": current_user_can(Role.investigator),
                "compare_with": [{"title": d.title, "slug": d.slug,
                                  "url": url_for("compare.compare_page", slug=device.slug, other=d.slug)}
                                 for d in others],
                **supplier_summary(components),
                "components": [component_row(c) for c in components],
                "awaiting_review": awaiting,
                "photos": [photo_dict(p) for p in photos],
                "bom": [bom_row(c) for c in components]}


@data_view(bp, "/photos/<int:photo_id>", "photo.html")
def photo_page(photo_id: int) -> dict:
    from bomcat.images.tiles import tile_source
    with catalog().session() as session:
        photo = get_or_404(session, Photo, photo_id, "photo")
        ensure_visible(photo, f"photo {photo_id}")
        data = photo_dict(photo)
        width, height = data["upright_size"] or (photo.width, photo.height)
        return {"photo": data, "device": device_summary(photo.device),
                # Visitors see the regions whose component is public; signed-in people see all of them.
                "regions": [board_region(r) for r in photo.regions if r.deleted_at is None and can_see(r)],
                "tiles": tile_source(width, height, url_for("devices.photo_page", photo_id=photo_id) + "/tiles_files/"),
                "can_edit": current_user_can(Role.investigator), "can_review": current_user_can(Role.reviewer)}
