"""Search across the catalog: components (part number, manufacturer, marking, designator; OCR-tolerant),
and the pages of the manufacturers and devices whose names match."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from sqlalchemy import select

from bomcat.catalog.models import Component, Device, Manufacturer
from bomcat.catalog.records import slugify
from bomcat.catalog.resolver import knowledge
from bomcat.catalog.search import search_components

from .serialize import component_row, device_summary
from .views import can_see, catalog, data_view, shown_components

bp = Blueprint("search", __name__)
MAX_PAGES = 12   # manufacturer and device links shown above the components


def matching_manufacturers(session, query: str) -> list[dict]:
    """Knowledge-base companies whose name or an alias contains the query (every one has a page),
    exact and leading matches first, each with the components this viewer may see."""
    needle = query.casefold()
    if len(needle) < 2:
        return []
    hits = []
    for m in knowledge.load().manufacturers.values():
        names = [m.name.casefold(), *(a.casefold() for a in m.aliases)]
        if any(needle in n for n in names):
            rank = 0 if needle in names else 1 if any(n.startswith(needle) for n in names) else 2
            hits.append((rank, m.name.casefold(), m))
    hits = [m for *_, m in sorted(hits, key=lambda h: h[:2])[:MAX_PAGES]]
    ids = dict(session.execute(select(Manufacturer.name, Manufacturer.id)
                               .where(Manufacturer.name.in_([m.name for m in hits]))).all())
    shown = shown_components(session, Component.manufacturer_id.in_(list(ids.values()))) if ids else []
    return [{"name": m.name, "country": m.country, "url": url_for("suppliers.manufacturer_page", slug=slugify(m.name)),
             "components": sum(1 for c in shown if c.manufacturer_id == ids.get(m.name))} for m in hits]


def matching_devices(session, query: str) -> list[dict]:
    needle = query.casefold()
    found = [d for d in session.scalars(select(Device).order_by(Device.maker, Device.model))
             if needle in " ".join(filter(None, (d.slug, d.title, d.maker, d.model, d.variant))).casefold()]
    return [device_summary(d) for d in found if can_see(d)][:MAX_PAGES]


@data_view(bp, "/search", "search.html")
def search_page() -> dict:
    query = (request.args.get("q") or "").strip()
    results, manufacturers, devices = [], [], []
    if query:
        with catalog().session() as session:
            for c in search_components(session, query):
                if can_see(c):
                    row = component_row(c)
                    row["device"] = device_summary(c.device)
                    results.append(row)
            manufacturers = matching_manufacturers(session, query)
            devices = matching_devices(session, query)
    return {"q": query, "results": results, "manufacturers": manufacturers, "devices": devices}
