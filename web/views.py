"""Shared view plumbing: one data dict per page, rendered as HTML or as JSON at
the same URL with `.json`, with a `Link: rel="alternate"` header (as Datasette does)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from bomcat.catalog.db import Catalog
from bomcat.errors import CatalogError


def catalog() -> Catalog:
    return current_app.config["CATALOG"]


def can_see(thing) -> bool:
    """May the current visitor see this row? The one policy: `bomcat.catalog.visibility.can_see`."""
    from flask_login import current_user
    from bomcat.catalog.visibility import can_see as policy
    return policy(current_user, thing)


def current_user_can(*roles) -> bool:
    """Is the visitor signed in with one of these roles (admins have every role)? For what a page
    offers; routes that need a role say so with `auth.requires`."""
    from flask_login import current_user
    return bool(current_user.is_authenticated and current_user.can(*roles))


def ensure_visible(thing, what: str) -> None:
    """A 404 (never a 403: a private row's existence is private too) unless the visitor may see it."""
    if not can_see(thing):
        abort(404, f"no {what}")


def shown_components_query(*where, load: bool = True):
    """The components the current visitor may see across the catalog, as one query (the SQL form of the
    visibility policy), with what the pages draw on loaded alongside, in catalog order."""
    from flask_login import current_user
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload
    from bomcat.catalog.models import Component, Device, Region, Review, Verdict
    from bomcat.catalog.visibility import public_components, signed_in
    query = select(Component).join(Device).where(*where).order_by(Component.device_id, Component.id)
    if load:
        # Of the review log, a row shows who verified it and when: only the verifications are loaded.
        query = query.options(selectinload(Component.manufacturer), selectinload(Component.device),
                              selectinload(Component.reviews.and_(Review.verdict == Verdict.verified)),
                              selectinload(Component.region).options(selectinload(Region.crops),
                                                                     selectinload(Region.photo)))
    if not signed_in(current_user):
        query = query.where(public_components())
    return query


def shown_devices_query(*where):
    """The devices the current visitor may see, as one query (the policy's SQL form), in list order."""
    from flask_login import current_user
    from sqlalchemy import select
    from bomcat.catalog.models import Device
    from bomcat.catalog.visibility import public_devices, signed_in
    query = select(Device).where(*where).order_by(Device.maker, Device.model, Device.id)
    return query if signed_in(current_user) else query.where(public_devices())


def shown_lines(session, *where) -> list:
    """The BOM lines (`catalog.lines`) of the components the current visitor may see, read by SQL
    without ORM objects: for a list as long as a device's whole bill of materials."""
    from flask_login import current_user
    from bomcat.catalog.lines import line_query, read_lines
    from bomcat.catalog.visibility import public_components, signed_in
    if not signed_in(current_user):
        where = (*where, public_components())
    return read_lines(session, line_query(*where))


def shown_components(session, *where) -> list:
    """Every component `shown_components_query` names (for lists that cannot grow past one device)."""
    return list(session.scalars(shown_components_query(*where)))


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


def wants_json() -> bool:
    return request.path.endswith(".json") or request.path.startswith("/api/") or \
        request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str):
    """The one place refusals become responses: JSON `{"error": ...}` for the API and `.json` pages, an
    error page for the browser."""
    if wants_json():
        return jsonify({"error": message}), status
    from http import HTTPStatus
    name = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return render_template("error.html", error=SimpleNamespace(code=status, name=name, description=message)), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(CatalogError)
    def refused(exc: CatalogError):
        # Decided by type and the status the refusal carries, never by its message.
        if exc.status >= 500:
            current_app.logger.exception("refusal with a server status: %s", exc)
            return error_response(exc.status, "the server could not do this; its log says why")
        return error_response(exc.status, str(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # HTTPExceptions and refusals reach their own handlers first
        current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal error: the server log has the details")
