"""The `bomcat` command line: one module per command group, their shared helpers in `common`.

Heavy modules (OpenCV, SQLAlchemy, Flask) are imported inside the commands
that need them, so `bomcat resolve` starts fast. With ``--json`` every command
writes one JSON object per line, flushed as it goes.
"""
from __future__ import annotations

from typing import Optional

import click

from .backup import backup, restore
from .bench import bench
from .common import CatalogGroup
from .db import db
from .devices import devices
from .doctor import doctor
from .export import export
from .ingest import ingest
from .knowledge import knowledge
from .reading import detect, ocr, resolve
from .report import report
from .serve import demo, serve, worker
from .train import train
from .users import users


@click.group(cls=CatalogGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120, "terminal_width": 120})
@click.option("--db", "db_url", envvar="BOMCAT_DATABASE_URL", metavar="URL",
              help="SQLAlchemy URL of the catalog (default: SQLite in BOMCAT_HOME).")
@click.option("--home", envvar="BOMCAT_HOME", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for the embedded catalog and photo store (default ~/.local/share/bomcat).")
@click.version_option(package_name="bomcat")
@click.pass_context
def main(ctx: click.Context, db_url: Optional[str], home: Optional[str]) -> None:
    """bomcat: teardown bill-of-materials catalog with photo evidence."""
    ctx.obj = {"db": db_url, "home": home}


for command in (resolve, ocr, detect, ingest, devices, users, db, serve, demo, worker,
                bench, export, train, knowledge, doctor, report, backup, restore):
    main.add_command(command)
