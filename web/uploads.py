"""Uploading board photos: the drag-and-drop page, the upload endpoint (at once or in the
background) and the per-photo status the page polls."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import select

import datetime as dt

from bomcat.catalog.models import Device, Role, Upload, UploadStatus, utcnow
from bomcat.images.ingest import ingest_photo
from bomcat.jobs import set_status, stage_upload, submit

from .auth import requires
from .serialize import device_summary, upload_dict
from .views import catalog, data_view, device_or_404, get_or_404

bp = Blueprint("uploads", __name__)
SIDES = ("", "top", "bottom")
STUCK_AFTER = dt.timedelta(minutes=30)  # far longer than any photo takes


def work_queue():
    return current_app.config["QUEUE"]


@bp.post("/api/devices/<slug>/photos")
@requires(Role.investigator)
def upload_photo(slug: str):
    """Multipart field `file`. Ingested now (201), or with `background=1` staged and queued (202)."""
    upload = request.files.get("file")
    if upload is None:
        abort(400, "send the photo as multipart field 'file'")
    side = request.form.get("side") or ""
    if side not in SIDES:
        abort(400, "side must be top or bottom")
    data = upload.read()
    name = upload.filename or "upload"
    if request.form.get("background") in ("1", "true", "yes"):
        staged = stage_upload(catalog(), slug, data, name, current_user.name, work_queue().name,
                              board=request.form.get("board") or None, side=side or None)
        with catalog().session() as session:  # the upload as accepted: read before a worker can move it on
            accepted = upload_dict(session.get(Upload, staged.id))
        submit(catalog(), work_queue(), staged.id)
        return jsonify({"upload": accepted}), 202
    result = ingest_photo(catalog(), slug, data, name, uploaded_by=current_user.name,
                          board=request.form.get("board") or None, side=side or None)
    return jsonify({"photo": result.as_dict()}), 201 if result.created else 200


def _uploads(session, device: Device) -> list[dict]:
    rows = session.scalars(select(Upload).where(Upload.device_id == device.id).order_by(Upload.id.desc()).limit(200))
    return [upload_dict(u) for u in rows]


@bp.get("/api/devices/<slug>/uploads")
@requires(Role.investigator)
def upload_status(slug: str):
    with catalog().session() as session:
        return jsonify({"uploads": _uploads(session, device_or_404(session, slug))})


@bp.post("/api/uploads/<int:upload_id>/retry")
@requires(Role.investigator)
def retry_upload(upload_id: int):
    with catalog().session() as session:
        upload = get_or_404(session, Upload, upload_id, "upload")
        # A failed upload, or one whose worker stopped reporting (a process killed mid-job).
        stuck = upload.status is not UploadStatus.done and utcnow() - upload.updated_at > STUCK_AFTER
        if upload.status is not UploadStatus.failed and not stuck:
            abort(409, f"upload {upload_id} is {upload.status.value}, not failed")
    set_status(catalog(), upload_id, UploadStatus.queued, None, queue=work_queue().name)
    with catalog().session() as session:  # as queued again, before a worker can move it on
        accepted = upload_dict(session.get(Upload, upload_id))
    submit(catalog(), work_queue(), upload_id)
    return jsonify({"upload": accepted}), 202


@data_view(bp, "/devices/<slug>/upload", "upload.html")
@requires(Role.investigator)
def upload_page(slug: str) -> dict:
    with catalog().session() as session:
        device = device_or_404(session, slug)
        return {"device": device_summary(device), "uploads": _uploads(session, device),
                "queue": work_queue().name}
