"""Uploading board photos: the drag-and-drop page, the upload endpoint (at once or in the
background) and the per-photo status the page polls."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import select

import datetime as dt

from bomcat.catalog.models import Device, Role, Upload, UploadStatus, utcnow
from bomcat.pipeline.ingest import ingest_photo
from bomcat.pipeline.jobs import set_status, stage_upload, submit

from .auth import requires
from .serialize import device_summary, upload_dict
from .views import catalog, data_view, device_or_404, get_or_404

bp = Blueprint("uploads", __name__)
SIDES = ("", "top", "bottom")
TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no")
STUCK_AFTER = dt.timedelta(minutes=30)  # far longer than any photo takes


def work_queue():
    queue = current_app.config.get("QUEUE")
    if queue is None:
        abort(503, "this server runs no work queue: upload with wait=1")
    return queue


@bp.post("/api/devices/<slug>/photos")
@requires(Role.investigator)
def upload_photo(slug: str):
    """Multipart field `file`. Checked, kept and queued: 202 with the upload's status URL. With
    `wait=1` ingested within the request instead: 201 (or 200 when these bytes are already its photo)."""
    upload = request.files.get("file")
    if upload is None:
        abort(400, "send the photo as multipart field 'file'")
    side = request.form.get("side") or ""
    if side not in SIDES:
        abort(400, "side must be top or bottom")
    data = upload.read()
    name = upload.filename or "upload"
    if _wait_asked():
        result = ingest_photo(catalog(), slug, data, name, uploaded_by=current_user.name,
                              board=request.form.get("board") or None, side=side or None)
        return jsonify({"photo": result.as_dict()}), 201 if result.created else 200
    staged = stage_upload(catalog(), slug, data, name, current_user.name, work_queue().name,
                          board=request.form.get("board") or None, side=side or None)
    return _queued(staged.id)


def _wait_asked() -> bool:
    """`wait=1` (or the older `background=0`) asks for the ingest within the request; an app built
    without a queue (`BACKGROUND_QUEUE=False`, as `export site` builds one) always ingests within it."""
    form = request.form
    return form.get("wait") in TRUE or form.get("background") in FALSE \
        or current_app.config.get("QUEUE") is None


def _queued(upload_id: int):
    """202 with the upload as accepted (read before a worker can move it on), then hand it to the queue."""
    with catalog().session() as session:
        accepted = upload_dict(session.get(Upload, upload_id))
    submit(catalog(), work_queue(), upload_id)
    response = jsonify({"upload": accepted})
    response.headers["Location"] = accepted["status_url"]
    return response, 202


@bp.get("/api/uploads/<int:upload_id>")
@requires(Role.investigator)
def upload_detail(upload_id: int):
    """One upload's status: queued, detecting, reading, done (with its photo) or failed (with why)."""
    with catalog().session() as session:
        return jsonify({"upload": upload_dict(get_or_404(session, Upload, upload_id, "upload"))})


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
    return _queued(upload_id)


@data_view(bp, "/devices/<slug>/upload", "upload.html")
@requires(Role.investigator)
def upload_page(slug: str) -> dict:
    with catalog().session() as session:
        device = device_or_404(session, slug)
        return {"device": device_summary(device), "uploads": _uploads(session, device),
                "queue": getattr(current_app.config.get("QUEUE"), "name", None)}
