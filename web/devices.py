"""Device list, device page (BOM table and photos), photo page with its regions."""
from __future__ import annotations

from flask import Blueprint, url_for
from sqlalchemy import select

from bomcat.catalog.models import Device, Photo, Role

from bomcat.catalog.export import bom_row

from .serialize import board_region, component_row, device_detail, device_summary, photo_dict
from .suppliers import supplier_summary
from .views import can_see, catalog, current_user_can, data_view, device_or_404, ensure_visible, get_or_404

bp = Blueprint("devices", __name__)


@data_view(bp, "/devices", "devices.html")
def device_list() -> dict:
    with catalog().session() as session:
        devices = [d for d in session.scalars(select(Device).order_by(Device.maker, Device.model)) if can_see(d)]
        return {"devices": [device_summary(d) for d in devices]}


@data_view(bp, "/devices/<slug>", "device.html", csv_rows=lambda data: data["bom"])
def device_page(slug: str) -> dict:
    with catalog().session() as session:
        device = device_or_404(session, slug)
        ensure_visible(device, f"device {slug!r}")
        components = [c for c in device.components if can_see(c)]
        return {"device": device_detail(device),
                **supplier_summary(components),
                "components": [component_row(c) for c in components],
                "awaiting_review": sum(1 for c in device.components if c.status.value == "proposed"),
                "photos": [photo_dict(p) for p in device.photos if can_see(p)],
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
