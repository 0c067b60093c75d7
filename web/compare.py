"""/devices/<a>/compare/<b>: two devices' parts and suppliers, in both, only in one, and changed (the
same designator, another part), as the visitor may see them (`catalog.compare`)."""
from __future__ import annotations

from flask import Blueprint

from bomcat.catalog.compare import compare_lines
from bomcat.catalog.models import Component

from .serialize import device_summary
from .views import catalog, data_view, device_or_404, ensure_visible, shown_lines

bp = Blueprint("compare", __name__)


@data_view(bp, "/devices/<slug>/compare/<other>", "compare.html")
def compare_page(slug: str, other: str) -> dict:
    with catalog().session() as session:
        devices = []
        for name in (slug, other):
            device = device_or_404(session, name)
            ensure_visible(device, f"device {name!r}")
            devices.append(device)
        a, b = (shown_lines(session, Component.device_id == d.id) for d in devices)
        return {"a": device_summary(devices[0]), "b": device_summary(devices[1]), **compare_lines(a, b)}
