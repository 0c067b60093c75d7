"""Evidence files from the photo store, addressed by hash or by database id (never by a user path)."""
from __future__ import annotations

import re

from flask import Blueprint, abort, send_file

from bomcat.catalog.models import DerivedImage, Photo
from sqlalchemy import select

from .views import catalog, ensure_visible

bp = Blueprint("files", __name__, url_prefix="/files")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


@bp.get("/original/<sha>")
def original(sha: str):
    if not SHA_RE.match(sha):
        abort(404)
    with catalog().session() as session:
        photo = session.scalar(select(Photo).where(Photo.sha256 == sha))
        ensure_visible(photo, "such photo")
        media_type, name = photo.media_type, photo.original_filename
    path = catalog().store.original_path(sha)
    return send_file(path, mimetype=media_type, download_name=name or sha, max_age=3600)


@bp.get("/derived/<int:derived_id>")
def derived(derived_id: int):
    with catalog().session() as session:
        item = session.get(DerivedImage, derived_id)
        ensure_visible(item, "such derived image")
        relpath = item.path
    path = catalog().store.path(relpath)
    mimetype = "image/png" if relpath.endswith(".png") else "image/jpeg"
    return send_file(path, mimetype=mimetype, max_age=3600)
