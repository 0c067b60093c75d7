"""Devices in the browser: investigators create a device and edit its teardown metadata.

The form posts the same fields the API takes; `catalog.devices` checks them for both, so a refusal
reads the same everywhere and is shown beside the form with what was typed kept.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from bomcat.catalog.devices import DATE_FIELDS, FIELDS, LABELS, MULTILINE, TEXT_FIELDS, add_device, edit_device
from bomcat.errors import CatalogError
from bomcat.catalog.models import Role

from .auth import requires
from .serialize import device_detail
from .views import catalog, device_or_404

bp = Blueprint("device_forms", __name__)


def _form_values() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in FIELDS if name in request.form}


def _render(values: dict, error: str | None, editing: str | None, status: int = 200):
    return render_template("device_form.html", values=values, error=error, editing=editing, labels=LABELS,
                           text_fields=TEXT_FIELDS, date_fields=DATE_FIELDS, multiline=MULTILINE), status


@bp.route("/devices/new", methods=["GET", "POST"])
@requires(Role.investigator)
def new_device():
    if request.method == "GET":
        return _render({}, None, None)
    values = _form_values()
    try:
        with catalog().session() as session:
            slug = add_device(session, values).slug
    except CatalogError as exc:
        return _render(values, str(exc), None, exc.status)
    return redirect(url_for("devices.device_page", slug=slug))


@bp.route("/devices/<slug>/edit", methods=["GET", "POST"])
@requires(Role.investigator)
def edit_device_form(slug: str):
    with catalog().session() as session:
        current = device_detail(device_or_404(session, slug))
    if request.method == "GET":
        return _render(current, None, slug)
    values = {k: v for k, v in _form_values().items() if k != "slug"}
    try:
        with catalog().session() as session:
            edit_device(session, device_or_404(session, slug), values)
    except CatalogError as exc:
        return _render({**current, **values}, str(exc), slug, exc.status)
    return redirect(url_for("devices.device_page", slug=slug))
