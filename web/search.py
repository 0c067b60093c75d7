"""Search across devices: part number, manufacturer, marking, designator; OCR-tolerant."""
from __future__ import annotations

from flask import Blueprint, request

from bomcat.catalog.search import search_components

from .serialize import component_row, device_summary
from .views import can_see, catalog, data_view

bp = Blueprint("search", __name__)


@data_view(bp, "/search", "search.html")
def search_page() -> dict:
    query = (request.args.get("q") or "").strip()
    results = []
    if query:
        with catalog().session() as session:
            found = search_components(session, query)
            for c in found:
                if can_see(c):
                    row = component_row(c)
                    row["device"] = device_summary(c.device)
                    results.append(row)
    return {"q": query, "results": results}
