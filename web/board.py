"""The board view's back end: zoom tiles of a photo, and hand edits to its regions."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, send_file
from flask_login import current_user

from bomcat.catalog.models import Photo, Region, Role
from bomcat.pipeline.regions import box_at_point, delete_region, draw_region, edit_region
from bomcat.images.tiles import tile_path

from .auth import requires
from .serialize import board_region
from .views import catalog, ensure_visible, get_or_404, json_body

bp = Blueprint("board", __name__)


@bp.get("/photos/<int:photo_id>/tiles_files/<int:level>/<int:col>_<int:row>.jpg")
def tile(photo_id: int, level: int, col: int, row: int):
    with catalog().session() as session:
        photo = get_or_404(session, Photo, photo_id, "photo")
        upright = photo.derivative("upright")
        ensure_visible(upright, f"photo {photo_id}")
        sha, relpath = photo.sha256, upright.path
    store = catalog().store
    path = tile_path(store.path(relpath), store.tiles_dir(sha), level, col, row)
    if path is None:
        abort(404, "no such tile")
    return send_file(path, mimetype="image/jpeg", max_age=86400)


def _region_json(region_id: int, status: int = 200):
    with catalog().session() as session:
        return jsonify({"region": board_region(session.get(Region, region_id))}), status


@bp.post("/api/photos/<int:photo_id>/regions")
@requires(Role.investigator)
def add_region(photo_id: int):
    body = json_body()
    if "at" in body:  # one click: the package under the point, boxed by the detector
        body = {**box_at_point(catalog(), photo_id, body["at"]), "designator": body.get("designator")}
    region_id = draw_region(catalog(), photo_id, body, by=current_user.name)
    return _region_json(region_id, 201)


@bp.patch("/api/regions/<int:region_id>")
@requires(Role.investigator)
def change_region(region_id: int):
    body = json_body()
    unknown = set(body) - {"cx", "cy", "w", "h", "angle", "designator"}
    if unknown:
        abort(400, f"unknown fields: {', '.join(sorted(unknown))}")
    edit_region(catalog(), region_id, body, by=current_user.name)
    return _region_json(region_id)


@bp.delete("/api/regions/<int:region_id>")
@requires(Role.investigator)
def remove_region(region_id: int):
    body = request.get_json(silent=True) or {}
    delete_region(catalog(), region_id, by=current_user.name, reason=body.get("reason"))
    return _region_json(region_id)
