"""`bomcat ingest`: board photos into a device's catalog, photo by photo."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .common import check_files, emit, open_catalog_from


@click.command()
@click.option("--device", "device_slug", required=True, help="Slug of the device the photos show.")
@click.option("--by", "uploaded_by", default=lambda: os.environ.get("USER") or "investigator",
              show_default="$USER", help="Who took or uploaded the photos.")
@click.option("--board", default=None, help="Which board (e.g. main, sensor).")
@click.option("--side", type=click.Choice(["top", "bottom"]), default=None)
@click.option("--engine", "engines", multiple=True, default=None,
              help="OCR engine (rapidocr, tesseract); default: the benchmark's best.")
@click.option("--json", "as_json", is_flag=True)
@click.argument("photos", nargs=-1)
@click.pass_context
def ingest(ctx, device_slug, uploaded_by, board, side, engines, as_json, photos) -> None:
    """Ingest board PHOTOS into a device: store, detect, crop, read, resolve, propose."""
    from tqdm import tqdm
    from bomcat.pipeline.ingest import IngestError, ingest_file
    from bomcat.ocr.engines import DEFAULT_ENGINE
    check_files(photos)
    engines = engines or (DEFAULT_ENGINE,)
    catalog = open_catalog_from(ctx)
    failures = 0
    bar = tqdm(photos, unit="photo", disable=as_json or not sys.stderr.isatty(), file=sys.stderr)
    for path in bar:
        bar.set_description(Path(path).name[:30])
        try:
            result = ingest_file(catalog, device_slug, path, uploaded_by, board=board, side=side,
                                 engines=engines, on_step=lambda step, _ctx: bar.set_postfix_str(step))
        except IngestError as exc:
            failures += 1
            click.echo(f"bomcat: error: {exc}", err=True)
            continue
        state = "ingested" if result.created else "already in catalog"
        emit(result.as_dict(), as_json, f"{path}\t{state}\t{result.regions} regions\t"
                                        f"{result.components} components\t{result.seconds:.1f} s")
    if failures:
        sys.exit(1)
