"""The review queue: one proposed component at a time, its evidence beside the readings and the
resolver's candidates, verify / correct / reject from the keyboard."""
from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import func, select

from bomcat.catalog.models import Component, ComponentStatus, Device, Role
from bomcat.catalog.records import last_changed_by
from bomcat.catalog.resolver import default_resolver

from .auth import requires
from .serialize import component_detail
from .views import catalog, data_view

bp = Blueprint("review", __name__)


def _progress(session, device_id: int | None) -> dict:
    query = select(Component.status, func.count()).group_by(Component.status)
    if device_id is not None:
        query = query.where(Component.device_id == device_id)
    counts = {status.value: n for status, n in session.execute(query)}
    total = sum(counts.values())
    return {"total": total, **{s.value: counts.get(s.value, 0) for s in ComponentStatus}}


@data_view(bp, "/review", "review.html")
@requires(Role.reviewer)
def review_queue() -> dict:
    from flask_login import current_user
    slug = request.args.get("device")
    skip = {int(x) for x in request.args.getlist("skip") if x.isdigit()}
    with catalog().session() as session:
        device = session.scalar(select(Device).where(Device.slug == slug)) if slug else None
        query = select(Component).where(Component.status == ComponentStatus.proposed).order_by(Component.id)
        if device is not None:
            query = query.where(Component.device_id == device.id)
        # Four eyes: what this reviewer proposed or last changed is left for someone else.
        waiting = [c for c in session.scalars(query)
                   if c.id not in skip and last_changed_by(c) != current_user.name]
        current = waiting[0] if waiting else None
        data = {"device": slug, "progress": _progress(session, device.id if device else None),
                "waiting": len(waiting), "component": None, "candidates": [], "skip": sorted(skip)}
        if current is not None:
            data["component"] = component_detail(current)
            data["candidates"] = default_resolver().resolve(current.marking or "")["candidates"]
        return data
