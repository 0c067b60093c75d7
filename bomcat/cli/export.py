"""`bomcat export`: BOM rows as CSV or JSON lines (the default), the published catalog as a
static HTML site with its evidence images (`bomcat export site DIR`), or the reviewed photos
with their chip boxes for the detector (`bomcat export boxes DIR`)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .common import BomcatError, emit, open_catalog_from


class DefaultGroup(click.Group):
    """`bomcat export SLUG...` runs the default sub-command (`bom`); `bomcat export site DIR` the other."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["bom", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup)
def export() -> None:
    """Export BOMs (CSV / JSON lines) or a static site of the published catalog."""


@export.command("bom")
@click.argument("slugs", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--public", is_flag=True, help="Only published devices and their verified components.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write here instead of standard output.")
@click.pass_context
def export_bom(ctx, slugs: tuple[str, ...], fmt: str, public: bool, output) -> None:
    """The BOM of the devices SLUGS (the whole catalog when none is named), one row per component."""
    from sqlalchemy import select
    from bomcat.catalog.export import device_rows, to_csv
    from bomcat.catalog.models import Device
    catalog = open_catalog_from(ctx.find_root())
    with catalog.session() as session:
        if slugs:
            known = set(session.scalars(select(Device.slug).where(Device.slug.in_(slugs))))
            missing = [s for s in slugs if s not in known]
            if missing:
                raise BomcatError(f"unknown device {missing[0]!r}")
        rows = device_rows(session, slugs or None, public_only=public)
    if fmt == "csv":
        output.write(to_csv(rows))
    else:
        for row in rows:
            output.write(json.dumps(row, ensure_ascii=False) + "\n")


def into_directory(command):
    """The DIRECTORY argument, --force and --json of an export that writes a folder of files."""
    for decorate in (click.pass_context, click.option("--json", "as_json", is_flag=True),
                     click.option("--force", is_flag=True, help="Write into DIRECTORY even when it is not empty."),
                     click.argument("directory", type=click.Path(file_okay=False, path_type=Path))):
        command = decorate(command)
    return command


def refuse_non_empty(directory: Path, force: bool) -> None:
    if directory.exists() and any(directory.iterdir()) and not force:
        raise BomcatError(f"{directory} is not empty (use --force to write into it)")


@export.command("site")
@into_directory
def export_site(ctx, directory: Path, force: bool, as_json: bool) -> None:
    """Write the published catalog as a static HTML site (pages, CSV/JSON, evidence images, zoom tiles)
    into DIRECTORY, publishable on any web server or opened from disk."""
    from bomcat.site import SiteError, write_site
    refuse_non_empty(directory, force)
    catalog = open_catalog_from(ctx.find_root())
    try:
        summary = write_site(catalog, directory)
    except SiteError as exc:
        raise BomcatError(str(exc)) from exc
    emit(summary, as_json, f"{directory}: {summary['pages']} pages, {summary['files']} data and evidence files, "
                           f"{summary['tiles']} zoom tiles")


@export.command("boxes")
@into_directory
def export_boxes(ctx, directory: Path, force: bool, as_json: bool) -> None:
    """Write every fully reviewed photo (upright) and its confirmed chip boxes (boards.csv) into
    DIRECTORY: what `bomcat bench detect DIR` scores and `bomcat train detector --photos DIR` learns from."""
    from bomcat.pipeline.detector_data import write_detector_examples
    refuse_non_empty(directory, force)
    summary = write_detector_examples(open_catalog_from(ctx.find_root()), directory)
    emit(summary, as_json, f"{directory}: {summary['photos']} reviewed photos, {summary['chips']} chip boxes")
