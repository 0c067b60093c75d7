"""The component page (one BOM line with its evidence crop, readings and review log), and the
catalog-wide parts list, also as CSV and JSON."""
from __future__ import annotations

from flask import Blueprint

from bomcat.catalog.export import bom_row
from bomcat.catalog.models import Component

from .serialize import component_detail, component_row, device_counts, device_summary
from .paging import paged
from .views import catalog, data_view, ensure_visible, get_or_404, shown_components_query

bp = Blueprint("components", __name__)


@data_view(bp, "/components/<int:component_id>", "component.html")
def component_page(component_id: int) -> dict:
    with catalog().session() as session:
        component = get_or_404(session, Component, component_id, "component")
        ensure_visible(component, f"component {component_id}")
        return {"component": component_detail(component)}


@data_view(bp, "/components", "components.html", csv_rows=lambda data: data["bom"])
def all_components() -> dict:
    """The components the visitor may see, across all devices, a page at a time (`?page=N`): the whole
    catalog's BOM (the CSV of a page is that page; `bomcat export` writes every row at once)."""
    with catalog().session() as session:
        components, pages = paged(session, shown_components_query())
        device_counts(c.device for c in components)
        return {"components": [{**component_row(c), "device": device_summary(c.device)} for c in components],
                "bom": [bom_row(c) for c in components], "pagination": pages}
