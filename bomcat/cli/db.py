"""`bomcat db`: the catalog's schema."""
from __future__ import annotations

import click

from .common import open_catalog_from


@click.group()
def db() -> None:
    """Catalog database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx) -> None:
    """Bring the catalog schema up to the newest migration."""
    from bomcat.catalog.db import current_revision
    catalog = open_catalog_from(ctx)
    click.echo(f"catalog at revision {current_revision(catalog.engine)}")
