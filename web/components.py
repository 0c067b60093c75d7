"""The component page: one BOM line with its evidence crop, readings and review log."""
from __future__ import annotations

from flask import Blueprint, abort

from bomcat.catalog.models import Component

from .serialize import component_detail
from .views import catalog, data_view, get_or_404, public_component, visible

bp = Blueprint("components", __name__)


@data_view(bp, "/components/<int:component_id>", "component.html")
def component_page(component_id: int) -> dict:
    with catalog().session() as session:
        component = get_or_404(session, Component, component_id, "component")
        if not (visible(component.device) and public_component(component)):
            abort(404, f"no component {component_id}")
        return {"component": component_detail(component)}
