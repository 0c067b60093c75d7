"""Country and device-maker views: which countries' companies supplied the parts, and, for one
device maker, its suppliers by country ('all Japanese suppliers in Hikvision devices')."""
from __future__ import annotations

from collections import OrderedDict

from flask import Blueprint, abort, url_for

from sqlalchemy import distinct, func, select

from bomcat.catalog import entity_list
from bomcat.catalog.models import Component, Device, Manufacturer
from bomcat.catalog.records import slugify

from .serialize import device_summary, maker_url
from .suppliers import suppliers_of
from .views import can_see, catalog, data_view, shown_components, shown_components_query

bp = Blueprint("places", __name__)
UNKNOWN = "country unknown"


def country_of(c: Component) -> str:
    return (c.manufacturer.country if c.manufacturer else None) or UNKNOWN


def country_url(country: str) -> str:
    return url_for("places.country_page", slug=slugify(country))


@data_view(bp, "/countries", "countries.html")
def country_list() -> dict:
    """Suppliers' countries with what the visitor may see of them, counted in SQL."""
    shown = (shown_components_query(Component.manufacturer_id.is_not(None), load=False).order_by(None)
             .join(Manufacturer, Component.manufacturer_id == Manufacturer.id))
    country = func.coalesce(func.nullif(Manufacturer.country, ""), UNKNOWN)  # as country_of() names it
    with catalog().session() as session:
        counts = session.execute(shown.with_only_columns(
            country, func.count(Component.id), func.count(distinct(Component.manufacturer_id)),
            func.count(distinct(Component.device_id))).group_by(country)).all()
        makers: dict[str, set[str]] = {}
        for name, maker in session.execute(shown.with_only_columns(country, Device.maker).distinct()):
            makers.setdefault(name, set()).add(maker)
        rows = [{"country": name, "url": country_url(name), "components": n, "manufacturers": m, "devices": d,
                 "device_makers": sorted(makers.get(name, ()))} for name, n, m, d in counts]
        return {"countries": sorted(rows, key=lambda r: (-r["components"], r["country"]))}


@data_view(bp, "/countries/<slug>", "country.html")
def country_page(slug: str) -> dict:
    with catalog().session() as session:
        found = [c for c in shown_components(session, Component.manufacturer_id.is_not(None))
                 if slugify(country_of(c)) == slug]
        if not found:
            abort(404, f"no supplier from {slug!r} in the catalog")
        by_maker: "OrderedDict[str, list[Component]]" = OrderedDict()
        for c in sorted(found, key=lambda c: c.device.maker.casefold()):
            by_maker.setdefault(c.device.maker, []).append(c)
        return {"country": country_of(found[0]),
                "device_makers": [{"maker": maker, "url": maker_url(maker), "suppliers": suppliers_of(cs, evidence=True)}
                                  for maker, cs in by_maker.items()]}


@data_view(bp, "/makers/<slug>", "maker.html")
def maker_page(slug: str) -> dict:
    with catalog().session() as session:
        devices = [d for d in session.scalars(select(Device).order_by(Device.model))
                   if slugify(d.maker) == slug and can_see(d)]
        if not devices:
            abort(404, f"no device maker {slug!r}")
        ids = [d.id for d in devices]
        components = shown_components(session, Component.device_id.in_(ids))
        by_country: "OrderedDict[str, list[Component]]" = OrderedDict()
        for c in sorted((c for c in components if c.manufacturer), key=lambda c: country_of(c)):
            by_country.setdefault(country_of(c), []).append(c)
        return {"maker": devices[0].maker, "entity_list": entity_list.flags(devices[0].maker),
                "devices": [device_summary(d) for d in devices],
                "countries": [{"country": country, "url": country_url(country), "suppliers": suppliers_of(cs, evidence=True),
                               "components": len(cs)} for country, cs in by_country.items()],
                "unidentified": sum(1 for c in components if c.manufacturer is None)}
