"""Shared view plumbing: one data dict per page, rendered as HTML or as JSON at
the same URL with `.json`, with a `Link: rel="alternate"` header (as Datasette does)."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from bomcat.catalog.db import Catalog


def catalog() -> Catalog:
    return current_app.config["CATALOG"]


def visible(device) -> bool:
    """Anonymous visitors see published devices only; signed-in people see drafts too."""
    from flask_login import current_user
    return device.status.value == "published" or bool(current_user.is_authenticated)


def public_component(component) -> bool:
    """On a published page, only verified components are public."""
    from flask_login import current_user
    return bool(current_user.is_authenticated) or component.status.value == "verified"


def shown_components(session, *where) -> list:
    """Every component the current visitor may see across the catalog, in one query (anonymous
    visitors: verified components of published devices), with what the pages draw on loaded."""
    from flask_login import current_user
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload
    from bomcat.catalog.models import Component, ComponentStatus, Device, DeviceStatus, Region
    query = (select(Component).join(Device).where(*where)
             .options(selectinload(Component.manufacturer), selectinload(Component.device),
                      selectinload(Component.reviews), selectinload(Component.region).selectinload(Region.crops))
             .order_by(Component.device_id, Component.id))
    if not current_user.is_authenticated:
        query = query.where(Device.status == DeviceStatus.published, Component.status == ComponentStatus.verified)
    return list(session.scalars(query))


def get_or_404(session, model, key, what: str):
    """The row, or a 404 whose message says what was not found."""
    row = session.get(model, key)
    if row is None:
        abort(404, f"no {what} {key}")
    return row


def device_or_404(session, slug: str):
    from sqlalchemy import select
    from bomcat.catalog.models import Device
    device = session.scalar(select(Device).where(Device.slug == slug))
    if device is None:
        abort(404, f"no device {slug!r}")
    return device


def json_body() -> dict:
    """The request's JSON object, or a 400 that says one is expected."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "send a JSON object")
    return body


def data_view(bp: Blueprint, rule: str, template: str,
              csv_rows: Callable[[dict], list[dict]] | None = None) -> Callable:
    """Register `rule` (HTML) and `rule.json` (JSON) for a function returning the page's data dict,
    and `rule.csv` when `csv_rows` says which rows of the data make the table."""
    def decorator(func: Callable[..., dict]) -> Callable:
        if csv_rows is not None:
            def csv_view(**kwargs):
                from bomcat.catalog.export import to_csv
                response = current_app.response_class(to_csv(csv_rows(func(**kwargs))),
                                                      mimetype="text/csv")
                response.headers["Content-Disposition"] = "attachment"
                return response
            bp.add_url_rule(rule + ".csv", func.__name__ + "_csv", csv_view)

        def html_view(**kwargs):
            data = func(**kwargs)
            if not isinstance(data, dict):  # a redirect or error from an access check
                return data
            response = current_app.make_response(render_template(template, **data))
            response.headers["Link"] = f'<{request.path}.json>; rel="alternate"; type="application/json"'
            return response

        def json_view(**kwargs):
            data = func(**kwargs)
            if not isinstance(data, dict):
                return data
            response = jsonify(data)
            html_path = request.path.removesuffix(".json")
            response.headers["Link"] = f'<{html_path}>; rel="alternate"; type="text/html"'
            return response

        bp.add_url_rule(rule, func.__name__, html_view)
        bp.add_url_rule(rule + ".json", func.__name__ + "_json", json_view)
        return func
    return decorator


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.endswith(".json") or request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify({"error": exc.description or exc.name}), exc.code
        return render_template("error.html", error=exc), exc.code
