"""The JSON API for scripts and the review page's buttons: review a component, publish a device.

Errors come back as JSON `{"error": ...}` with a fitting 4xx status.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from bomcat.catalog.models import Component, Device, DeviceStatus, Role, Verdict
from bomcat.catalog.records import ReviewRefused, apply_review

from .auth import requires
from .serialize import component_detail, device_summary
from .views import catalog, get_or_404

bp = Blueprint("api", __name__, url_prefix="/api")
CORRECTABLE = {"marking", "part_number", "manufacturer", "category", "date_code"}


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "send a JSON object")
    return body


@bp.post("/components/<int:component_id>/review")
@requires(Role.reviewer)
def review_component(component_id: int):
    body = _json_body()
    try:
        verdict = Verdict(body.get("verdict"))
    except ValueError:
        abort(400, f"verdict must be one of {', '.join(v.value for v in Verdict if v is not Verdict.proposed)}")
    corrections = body.get("corrections") or {}
    if not isinstance(corrections, dict) or not set(corrections) <= CORRECTABLE:
        abort(400, f"corrections may set {', '.join(sorted(CORRECTABLE))}")
    if verdict is Verdict.corrected and not corrections:
        abort(400, "a correction needs the corrected values ('corrections')")
    with catalog().session() as session:
        component = get_or_404(session, Component, component_id, "component")
        try:
            apply_review(session, component, current_user.name, verdict, corrections, body.get("comment"))
        except ReviewRefused as exc:
            abort(409, str(exc))
        return jsonify({"component": component_detail(component)})


@bp.post("/devices/<slug>/publish")
@requires(Role.admin)
def publish_device(slug: str):
    with catalog().session() as session:
        device = session.scalar(select(Device).where(Device.slug == slug))
        if device is None:
            abort(404, f"no device {slug!r}")
        device.status = DeviceStatus.published
        return jsonify({"device": device_summary(device)})
