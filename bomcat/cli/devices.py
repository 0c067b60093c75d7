"""`bomcat devices`: create and list devices."""
from __future__ import annotations

import click

from .common import emit, open_catalog_from


@click.group()
def devices() -> None:
    """Create and list devices."""


@devices.command("add")
@click.argument("slug")
@click.option("--maker", required=True)
@click.option("--model", required=True)
@click.option("--variant")
@click.option("--firmware")
@click.option("--serial")
@click.option("--acquired-where")
@click.option("--acquired-on", help="Date bought, e.g. 2024-05-31.")
@click.option("--teardown-on", help="Date torn down, e.g. 2024-06-02.")
@click.option("--notes")
@click.option("--report-intro", help="The report's introduction (`bomcat report`).")
@click.option("--report-recommendations", help="The report's recommendations.")
@click.pass_context
def devices_add(ctx, slug, **fields) -> None:
    """Add a device with SLUG (lower-case letters, digits, dashes)."""
    from bomcat.catalog.devices import add_device
    catalog = open_catalog_from(ctx)
    with catalog.session() as session:   # refusals (CatalogError) carry their exit code
        add_device(session, {"slug": slug, **{k: v for k, v in fields.items() if v is not None}})
    click.echo(f"device {slug} added")


@devices.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def devices_list(ctx, as_json) -> None:
    from sqlalchemy import select
    from bomcat.catalog.models import Device
    catalog = open_catalog_from(ctx)
    with catalog.session() as session:
        for d in session.scalars(select(Device).order_by(Device.slug)):
            emit({"slug": d.slug, "maker": d.maker, "model": d.model, "status": d.status.value,
                  "photos": len(d.photos), "components": len(d.components)}, as_json,
                 f"{d.slug}\t{d.title}\t{d.status.value}\t{len(d.photos)} photos\t{len(d.components)} components")

