"""Search across the catalog: components (part number, manufacturer, marking, designator; OCR-tolerant),
and the pages of the manufacturers and devices whose names match."""
from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import func, or_, select

from bomcat.catalog.models import Component, Device, Manufacturer
from bomcat.catalog.resolver import knowledge
from bomcat.catalog.search import count_with_rows, like_escape, matching_components

from .paging import paged
from .serialize import component_row, device_counts, device_summary, manufacturer_url
from .views import catalog, data_view, shown_components_query, shown_devices_query

bp = Blueprint("search", __name__)
MAX_PAGES = 12   # manufacturer and device links shown above the components
RESULTS_PAGE = 50


def matching_manufacturers(session, query: str) -> list[dict]:
    """Knowledge-base companies whose name or an alias contains the query (every one has a page),
    exact and leading matches first, each with the components this viewer may see (counted in SQL)."""
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
    counts = {}
    if ids:
        shown = shown_components_query(Component.manufacturer_id.in_(list(ids.values())), load=False).order_by(None)
        counts = dict(session.execute(shown.with_only_columns(Component.manufacturer_id, func.count(Component.id))
                                      .group_by(Component.manufacturer_id)).all())
    return [{"name": m.name, "country": m.country, "url": manufacturer_url(m.name),
             "components": counts.get(ids.get(m.name), 0)} for m in hits]


def matching_devices(session, query: str) -> list[dict]:
    """The first devices (as many as MAX_PAGES) the visitor may see whose names contain the query."""
    needle = f"%{like_escape(query.casefold())}%"
    named = or_(*(func.lower(column).like(needle, escape="\\")
                  for column in (Device.slug, Device.maker, Device.model, Device.variant)),
                func.lower(Device.maker + " " + Device.model).like(needle, escape="\\"))
    devices = list(session.scalars(shown_devices_query(named).limit(MAX_PAGES)))
    device_counts(devices)
    return [device_summary(d) for d in devices]


@data_view(bp, "/search", "search.html")
def search_page() -> dict:
    """Components whose text holds the query, a page at a time, and the manufacturers and devices named like it."""
    query = (request.args.get("q") or "").strip()
    results, manufacturers, devices, pages = [], [], [], None
    if query:
        with catalog().session() as session:
            dialect = session.get_bind().dialect.name
            found, pages = paged(session, shown_components_query(matching_components(query, dialect)),
                                 per_page=RESULTS_PAGE, counted_with_rows=count_with_rows(dialect),
                                 planned=lambda total: shown_components_query(
                                     matching_components(query, dialect, matches=total)))
            device_counts(c.device for c in found)
            for c in found:
                row = component_row(c)
                row["device"] = device_summary(c.device)
                results.append(row)
            manufacturers = matching_manufacturers(session, query)
            devices = matching_devices(session, query)
    return {"q": query, "results": results, "manufacturers": manufacturers, "devices": devices, "pagination": pages}
