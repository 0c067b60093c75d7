"""The component page: one BOM line with its evidence crop, readings and review log."""
from __future__ import annotations

from flask import Blueprint

from bomcat.catalog.models import Component

from .serialize import component_detail
from .views import catalog, data_view, get_or_404

bp = Blueprint("components", __name__)


@data_view(bp, "/components/<int:component_id>", "component.html")
def component_page(component_id: int) -> dict:
    with catalog().session() as session:
        component = get_or_404(session, Component, component_id, "component")
        return {"component": component_detail(component)}
