"""`bomcat report SLUG`: a published device's report as one self-contained HTML file or an A4 PDF."""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Optional

import click

from .common import BomcatError, emit, open_catalog_from


@click.command()
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="pdf", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (default SLUG-report.pdf or .html in the current folder).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def report(ctx, slug: str, fmt: str, output: Optional[Path], as_json: bool) -> None:
    """Write the report of the published device SLUG as a reader sees it: summary, numbered supplier table,
    each company's evidence (crop, marking, part, the photo with the region outlined, who verified it and
    when, the photo's SHA-256), letters and replies, methods. The HTML file embeds its images; the PDF is
    printed by Chromium (A4, page numbers, contents)."""
    from bomcat.web import create_app
    from bomcat.web.printing import self_contained
    catalog = open_catalog_from(ctx)
    app = create_app({"CATALOG": catalog, "SECRET_KEY": secrets.token_hex(16), "BACKGROUND_QUEUE": False})
    path = f"/devices/{slug}/report" + (".pdf" if fmt == "pdf" else "")
    response = app.test_client().get(path)   # as an anonymous reader: published, verified material only
    if response.status_code == 404:
        raise BomcatError(f"no published device {slug!r}: a report shows what is published (`bomcat devices "
                          "list`; an admin publishes a device from its page)")
    if response.status_code != 200:
        raise BomcatError(f"the report of {slug!r} failed: HTTP {response.status_code} "
                          f"{response.get_json(silent=True) or ''}")
    data = response.get_data()
    if fmt == "html":
        with app.test_request_context():
            data = self_contained(data.decode("utf-8"), catalog).encode("utf-8")
    output = output or Path(f"{slug}-report.{fmt}")
    output.write_bytes(data)
    emit({"device": slug, "format": fmt, "file": str(output), "bytes": len(data),
          "sha256": hashlib.sha256(data).hexdigest()}, as_json, f"{output}: report of {slug} ({fmt}, {len(data):,} bytes)")
