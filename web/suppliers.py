"""Supplier summaries and manufacturer pages: who supplied the parts, as a report prints it."""
from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Iterable

from flask import Blueprint, abort, url_for
from sqlalchemy import select

from bomcat.catalog import entity_list
from bomcat.catalog.lines import ComponentLine, as_line
from bomcat.catalog.models import Component, Manufacturer
from bomcat.catalog.records import slugify
from bomcat.catalog.resolver import knowledge

from .serialize import component_row, device_counts, device_summary, manufacturer_url, outreach_dict
from .paging import paged
from .views import can_see, catalog, current_user_can, data_view, shown_components_query

bp = Blueprint("suppliers", __name__)


def category_label(category: str | None) -> str:
    return (category or "unidentified part").replace("_", " ")


def lines(items: Iterable[Component | ComponentLine]) -> list[ComponentLine]:
    return [as_line(c) for c in items]


def suppliers_of(components: Iterable[Component | ComponentLine], evidence: bool = False) -> list[dict]:
    """One entry per supplying company, as a report prints it ('ROHM Semiconductor (Japan): eeprom,
    regulator'): what it supplied, in which devices, and with `evidence` the component rows."""
    by_maker: "OrderedDict[str, dict]" = OrderedDict()
    for c in sorted((c for c in lines(components) if c.manufacturer), key=lambda c: c.manufacturer.casefold()):
        entry = by_maker.setdefault(c.manufacturer, {
            "manufacturer": c.manufacturer, "country": c.country,
            "url": manufacturer_url(c.manufacturer),
            "entity_list": entity_list.flags(c.manufacturer),
            "categories": [], "parts": [], "devices": []})
        for key, value in (("categories", category_label(c.category)), ("parts", c.part_number),
                           ("devices", c.device_title)):
            if value and value not in entry[key]:
                entry[key].append(value)
        if evidence:
            entry.setdefault("components", []).append({**component_row(c), "device": c.device_title,
                                                       "device_url": url_for("devices.device_page",
                                                                             slug=c.device_slug)})
    for entry in by_maker.values():
        entry["line"] = f"{entry['manufacturer']} ({entry['country'] or 'country unknown'}): " \
                        + ", ".join(entry["categories"])
    return list(by_maker.values())


def supplier_summary(components: Iterable[Component | ComponentLine]) -> dict:
    """The supplier lines of one device, and its components counted by the supplier's country."""
    found = lines(components)
    countries = Counter(c.country or "unknown" for c in found if c.manufacturer)
    return {"suppliers": suppliers_of(found),
            "countries": [{"country": k, "components": v} for k, v in countries.most_common()]}


def manufacturer_info_or_404(slug: str):
    """The knowledge base's entry for the manufacturer whose page is /manufacturers/<slug>."""
    info = next((m for m in knowledge.load().manufacturers.values() if slugify(m.name) == slug), None)
    if info is None:
        abort(404, f"no manufacturer {slug!r}")
    return info


def counts_by_maker(session, *where) -> dict[int, tuple[int, int]]:
    """Manufacturer id -> (components, devices) of the components `where` names that the visitor may see,
    counted in SQL."""
    from sqlalchemy import distinct, func
    query = shown_components_query(Component.manufacturer_id.is_not(None), *where, load=False).order_by(None)
    counts = query.with_only_columns(Component.manufacturer_id, func.count(Component.id),
                                     func.count(distinct(Component.device_id))).group_by(Component.manufacturer_id)
    return {m: (n, d) for m, n, d in session.execute(counts)}


@data_view(bp, "/manufacturers", "manufacturers.html")
def manufacturer_list() -> dict:
    """Every manufacturer with a part the visitor may see: its components and devices counted in SQL."""
    with catalog().session() as session:
        found = counts_by_maker(session)
        makers = session.scalars(select(Manufacturer).where(Manufacturer.id.in_(list(found))))
        rows = [{"name": m.name, "country": m.country, "components": found[m.id][0], "devices": found[m.id][1],
                 "url": manufacturer_url(m.name)} for m in makers]
        return {"manufacturers": sorted(rows, key=lambda r: r["name"].casefold())}


@data_view(bp, "/manufacturers/<slug>", "manufacturer.html")
def manufacturer_page(slug: str) -> dict:
    kb = knowledge.load()
    info = manufacturer_info_or_404(slug)
    # The company itself and every company whose line leads to it (OKI and LAPIS parts are ROHM's today).
    family = [m.name for m in kb.manufacturers.values() if any(s["name"] == info.name for s in kb.lineage(m.name))]
    with catalog().session() as session:
        ids = list(session.scalars(select(Manufacturer.id).where(Manufacturer.name.in_(family))))
        components, pages = paged(session, shown_components_query(Component.manufacturer_id.in_(ids)))
        device_counts(c.device for c in components)
        devices: "OrderedDict[int, dict]" = OrderedDict()
        for c in components:
            entry = devices.setdefault(c.device_id, {"device": device_summary(c.device), "components": []})
            row = component_row(c)
            row["made_by"] = c.manufacturer.name
            entry["components"].append(row)
        from bomcat.catalog.models import OutreachEntry
        outreach = [outreach_dict(e) for e in session.scalars(
            select(OutreachEntry).join(Manufacturer).where(Manufacturer.name == info.name)
            .order_by(OutreachEntry.sent_on, OutreachEntry.id)) if can_see(e)]
        from bomcat.catalog.models import Role
        can_record = current_user_can(Role.investigator)
        return {"outreach": outreach, "slug": slug, "can_record": can_record,
                "entity_list": entity_list.flags(info.name),
                "manufacturer": {"name": info.name, "country": info.country, "parent": info.parent,
                                 "note": info.note, "aliases": info.aliases,
                                 "lineage": kb.lineage(info.name),
                                 "predecessors": [n for n in family if n != info.name]},
                "devices": list(devices.values()), "pagination": pages}
