"""The JSON API for scripts and the review page's buttons: review a component, publish a device.

Errors come back as JSON `{"error": ...}` with a fitting 4xx status.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user

from bomcat.catalog.models import Component, DeviceStatus, Manufacturer, OutreachEntry, Role, Verdict
from bomcat.catalog.values import date_value, limit_of, text_value
from bomcat.catalog.devices import FIELDS as DEVICE_FIELDS, add_device, edit_device
from bomcat.catalog.records import apply_bulk_review, apply_review

from .auth import requires
from .serialize import component_detail, device_detail, device_summary, outreach_dict
from .suppliers import manufacturer_info_or_404
from .views import catalog, device_or_404, get_or_404, json_body

bp = Blueprint("api", __name__, url_prefix="/api")
CORRECTION_LIMITS = {"marking": None, "part_number": limit_of(Component.part_number),
                     "manufacturer": limit_of(Manufacturer.name), "category": limit_of(Component.category),
                     "date_code": limit_of(Component.date_code)}
CORRECTABLE = set(CORRECTION_LIMITS)


@bp.post("/components/<int:component_id>/review")
@requires(Role.reviewer)
def review_component(component_id: int):
    body = json_body()
    try:
        verdict = Verdict(body.get("verdict"))
    except ValueError:
        abort(400, f"verdict must be one of {', '.join(v.value for v in Verdict if v is not Verdict.proposed)}")
    corrections = body.get("corrections") or {}
    if not isinstance(corrections, dict) or not set(corrections) <= CORRECTABLE:
        abort(400, f"corrections may set {', '.join(sorted(CORRECTABLE))}")
    corrections = {k: text_value(f"corrections.{k}", v, CORRECTION_LIMITS[k], multiline=k == "marking") or ""
                   for k, v in corrections.items()}
    comment = text_value("comment", body.get("comment"), None, multiline=True)
    if verdict is Verdict.corrected and not corrections:
        abort(400, "a correction needs the corrected values ('corrections')")
    with catalog().session() as session:
        component = get_or_404(session, Component, component_id, "component")
        apply_review(session, component, current_user.name, verdict, corrections, comment)
        return jsonify({"component": component_detail(component)})


@bp.post("/reviews")
@requires(Role.reviewer)
def bulk_review():
    """Many proposals at once as not_a_chip (or rejected): all or none, one review each in the log."""
    body = json_body()
    ids = body.get("components")
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        abort(400, "components must be a list of component ids")
    comment = text_value("comment", body.get("comment"), None, multiline=True)
    with catalog().session() as session:
        reviews = apply_bulk_review(session, ids, current_user.name, body.get("verdict", "not_a_chip"), comment)
        return jsonify({"verdict": reviews[0].verdict.value, "components": [r.component_id for r in reviews]})


@bp.post("/devices/<slug>/publish")
@requires(Role.admin)
def publish_device(slug: str):
    with catalog().session() as session:
        device = device_or_404(session, slug)
        device.status = DeviceStatus.published
        return jsonify({"device": device_summary(device)})


@bp.post("/devices")
@requires(Role.investigator)
def create_device_api():
    with catalog().session() as session:
        device = add_device(session, json_body())
        return jsonify({"device": device_detail(device)}), 201


@bp.patch("/devices/<slug>")
@requires(Role.investigator)
def edit_device_api(slug: str):
    with catalog().session() as session:
        device = device_or_404(session, slug)
        changed = edit_device(session, device, json_body())
        return jsonify({"device": device_detail(device), "changed": changed})


@bp.get("/devices/<slug>")
def device_api(slug: str):
    from .devices import device_page
    return jsonify(device_page(slug))


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


def _op(summary: str, body: dict | None = None, multipart: bool = False, codes: tuple = ()) -> dict:
    op = {"summary": summary, "responses": {str(c): {"description": d} for c, d in
                                            (("200", "OK"), *codes, ("400", "bad request"), ("401", "not signed in"),
                                             ("403", "role not allowed"), ("404", "not found"))}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if multipart:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"}, "board": {"type": "string"},
                "side": {"type": "string", "enum": ["top", "bottom"]}}}}}}
    return op


OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "bomcat", "version": "1", "description": "Teardown BOM catalog. Errors are JSON {\"error\": ...}."},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/manufacturers/{slug}/outreach": {"post": _op("Record a letter or questionnaire sent (investigator)", {
            "type": "object", "required": ["sent_on", "subject"], "properties": {
                f: {"type": "string"} for f in ("kind", "sent_on", "subject", "reply_text", "replied_on", "status")}},
            codes=(("201", "recorded"),))},
        "/api/devices/{slug}/letters": {"post": _op(
            "Draft a letter to a supplier of the device from its verified parts (investigator); a draft until sent", {
                "type": "object", "required": ["manufacturer"], "properties": {"manufacturer": {"type": "string"}}},
            codes=(("201", "drafted"),))},
        "/api/outreach/{id}/sent": {"post": _op("Mark a drafted letter sent (investigator)", {
            "type": "object", "required": ["sent_on"], "properties": {"sent_on": {"type": "string", "format": "date"}}},
            codes=(("409", "not a draft"),))},
        "/api/devices": {"post": _op("Create a device (investigator)", {
            "type": "object", "required": ["slug", "maker", "model"],
            "properties": {f: {"type": "string"} for f in DEVICE_FIELDS}}, codes=(("201", "created"), ("409", "slug taken")))},
        "/api/devices/{slug}": {"get": _op("A device with its BOM, photos and suppliers"),
                                "patch": _op("Edit a device's metadata (investigator); the fields sent change", {
                                    "type": "object",
                                    "properties": {f: {"type": "string"} for f in DEVICE_FIELDS if f != "slug"}})},
        "/api/devices/{slug}/photos": {"post": _op(
            "Upload a board photo (investigator): checked, kept and queued (202, Location: the upload's status "
            "URL), or with wait=1 ingested within the request (201; 200 when it is already this device's photo)",
            multipart=True, codes=(("201", "ingested"), ("202", "queued"), ("409", "evidence of another device"),
                                   ("413", "too large"), ("415", "not an image we accept")))},
        "/api/devices/{slug}/uploads": {"get": _op("Uploads of a device and where each is in the pipeline")},
        "/api/uploads/{id}": {"get": _op("One upload's status (investigator): queued ... done with its photo, "
                                         "or failed with the reason")},
        "/api/uploads/{id}/retry": {"post": _op("Queue a failed upload again (investigator)",
                                                codes=(("202", "queued"), ("409", "not failed")))},
        "/api/photos/{id}/regions": {"post": _op(
            "Draw a region by hand (investigator): a box (cx, cy, w, h, angle), or 'at': [x, y] for the package "
            "under that point (422 when there is none); cut, read, proposed", {
                "type": "object", "properties": {
                    **{k: {"type": "number"} for k in ("cx", "cy", "w", "h", "angle")},
                    "at": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                    "designator": {"type": "string"}}},
            codes=(("201", "created"), ("422", "no package at that point")))},
        "/api/regions/{id}": {
            "patch": _op("Move, resize or rotate a region, or set its designator (investigator)", {
                "type": "object", "properties": {**{k: {"type": "number"} for k in ("cx", "cy", "w", "h", "angle")},
                                                 "designator": {"type": "string"}}}),
            "delete": _op("Delete a region (investigator; kept, marked deleted, its component rejected)")},
        "/api/outreach/{id}/reply": {"post": _op("Record a company's reply to a letter (investigator)", {
            "type": "object", "required": ["reply_text"], "properties": {
                "reply_text": {"type": "string"}, "replied_on": {"type": "string", "format": "date"}}},
            codes=(("409", "already answered"),))},
        "/api/devices/{slug}/publish": {"post": _op("Publish a device (admin)")},
        "/api/reviews": {"post": _op("Reject many proposals at once (reviewer): all or none", {
            "type": "object", "required": ["components"],
            "properties": {"components": {"type": "array", "items": {"type": "integer"}},
                           "verdict": {"type": "string", "enum": ["not_a_chip", "rejected"]},
                           "comment": {"type": "string"}}}, codes=(("404", "an unknown component"),
                                                                    ("409", "one was reviewed meanwhile")))},
        "/api/components/{id}/review": {"post": _op("Review a component (reviewer)", {
            "type": "object", "required": ["verdict"], "properties": {
                "verdict": {"type": "string", "enum": ["verified", "corrected", "rejected", "reopened"]},
                "corrections": {"type": "object", "properties": {f: {"type": "string"} for f in sorted(CORRECTABLE)}},
                "comment": {"type": "string"}}}, codes=(("409", "refused by the four-eyes rule"),))},
    },
}


@bp.post("/manufacturers/<slug>/outreach")
@requires(Role.investigator)
def add_outreach(slug: str):
    """Record a letter or questionnaire sent to the company (and its reply, when there is one)."""
    from bomcat.catalog.models import OutreachStatus
    from bomcat.catalog.records import ensure_manufacturer
    body = json_body()
    info = manufacturer_info_or_404(slug)
    sent_on = date_value("sent_on", body.get("sent_on"))
    subject = text_value("subject", body.get("subject"), None, multiline=True)
    kind = text_value("kind", body.get("kind"), limit_of(OutreachEntry.kind)) or "letter"
    reply_text = text_value("reply_text", body.get("reply_text"), None, multiline=True)
    if sent_on is None or not subject:
        abort(400, "sent_on and subject are required")
    status = text_value("status", body.get("status"), 20) or ("answered" if reply_text else "awaiting")
    recordable = [s.value for s in OutreachStatus if s is not OutreachStatus.draft]
    if status not in recordable:   # a draft is drafted from a device's evidence (POST /api/devices/<slug>/letters)
        abort(400, f"status must be one of {', '.join(recordable)}")
    with catalog().session() as session:
        entry = OutreachEntry(manufacturer=ensure_manufacturer(session, info.name), kind=kind, sent_on=sent_on,
                              subject=subject, reply_text=reply_text,
                              replied_on=date_value("replied_on", body.get("replied_on")),
                              status=OutreachStatus(status), recorded_by=current_user.name)
        session.add(entry)
        session.flush()
        return jsonify({"outreach": outreach_dict(entry)}), 201



@bp.post("/outreach/<int:entry_id>/reply")
@requires(Role.investigator)
def add_outreach_reply(entry_id: int):
    """The company answered (later than the letter was recorded): add its reply to the entry."""
    from bomcat.catalog.models import OutreachStatus
    body = json_body()
    reply = text_value("reply_text", body.get("reply_text"), None, multiline=True)
    if not reply:
        abort(400, "reply_text is required")
    replied_on = date_value("replied_on", body.get("replied_on"))
    with catalog().session() as session:
        entry = get_or_404(session, OutreachEntry, entry_id, "outreach entry")
        if entry.status is OutreachStatus.draft:
            abort(409, "this letter is a draft: mark it sent before recording a reply")
        if entry.reply_text:
            abort(409, "this letter has a reply already; record a follow-up letter for a further exchange")
        if replied_on is not None and replied_on < entry.sent_on:
            abort(400, f"replied_on is before the letter was sent ({entry.sent_on.isoformat()})")
        entry.reply_text, entry.replied_on, entry.status = reply, replied_on, OutreachStatus.answered
        session.flush()
        return jsonify({"outreach": outreach_dict(entry)})
