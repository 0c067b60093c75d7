"""/entity-list: the organisations on sanction and export-control lists that bomcat knows
(`catalog/knowledge/lists/entity_list.toml`), the published devices made by them with the suppliers
whose parts were found inside, and the listed companies whose own parts were found in devices."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from bomcat.catalog import entity_list
from bomcat.catalog.models import Component, Device, Manufacturer

from .paging import paged
from .serialize import device_counts, device_summary, manufacturer_url
from .suppliers import counts_by_maker, suppliers_of
from .views import catalog, data_view, shown_devices_query, shown_lines

bp = Blueprint("sanctions", __name__)


def entity_dict(entity: entity_list.Entity) -> dict:
    return {"entity": entity.short, "legal_name": entity.name, "names": list(entity.names),
            "subsidiaries": list(entity.subsidiaries),
            "listings": [{"list": x.list, "added": x.added.isoformat(), "citation": x.citation, "url": x.url}
                         for x in entity.listings]}


@data_view(bp, "/entity-list", "entity_list.html")
def entity_list_page() -> dict:
    with catalog().session() as session:
        listed_makers = [m for m in session.scalars(select(Device.maker).distinct()) if entity_list.entity_of(m)]
        devices, pages = paged(session, shown_devices_query(Device.maker.in_(listed_makers)))
        device_counts(devices)
        lines: dict[str, list] = {d.slug: [] for d in devices}
        for line in shown_lines(session, Component.device_id.in_([d.id for d in devices])):
            lines[line.device_slug].append(line)
        made = [{**device_summary(d), "entity": entity_list.entity_of(d.maker)[0].short,
                 "suppliers": suppliers_of(lines[d.slug])} for d in devices]
        makers = {m.id: m.name for m in session.scalars(select(Manufacturer)) if entity_list.entity_of(m.name)}
        parts = []
        counts = counts_by_maker(session, Component.manufacturer_id.in_(list(makers))) if makers else {}
        for maker_id, (components, in_devices) in sorted(counts.items(), key=lambda r: makers[r[0]].casefold()):
            entity, via = entity_list.entity_of(makers[maker_id])
            parts.append({"manufacturer": makers[maker_id], "entity": entity.short, "via": via,
                          "url": manufacturer_url(makers[maker_id]), "components": components,
                          "devices": in_devices})
        return {"entities": [entity_dict(e) for e in entity_list.load()], "devices": made, "parts": parts,
                "pagination": pages, "source": "catalog/knowledge/lists/entity_list.toml"}

