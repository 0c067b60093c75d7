"""Pages to PDF with a real engine: headless Chromium (Debian's `chromium`, installed by the setup) prints
a self-contained copy of the page (its stylesheet inlined, its evidence images embedded at full
resolution) to A4, with page numbers from the stylesheet's @page rules."""
from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from bomcat.catalog.models import DerivedImage
from bomcat.errors import CatalogError, ConfigurationError

from .views import can_see

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw")
PRINT_SECONDS = 120
_DERIVED = re.compile(r"""(["'])/files/derived/(\d+)\1""")
_STYLESHEET = re.compile(r"""<link rel="stylesheet" href="/static/([\w.-]+\.css)">""")


class PdfEngineMissing(ConfigurationError):
    """No Chromium to print with."""


class PrintFailed(CatalogError):
    status = 500


def chromium() -> str:
    path = os.environ.get("BOMCAT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise PdfEngineMissing("printing a PDF needs Chromium: install Debian's chromium package (`make setup` "
                               "does), or set BOMCAT_CHROMIUM to a Chromium or Chrome executable")
    return path


def self_contained(html: str, catalog) -> str:
    """The page with its stylesheets inlined and each evidence image the viewer may see embedded
    (a data: URL of the stored file, byte for byte); others are left as links, which print as nothing."""
    static = Path(current_app.static_folder)

    def inline_css(m: re.Match) -> str:
        return "<style>" + (static / m.group(1)).read_text(encoding="utf-8") + "</style>"

    wanted = {int(m.group(2)) for m in _DERIVED.finditer(html)}
    with catalog.session() as session:   # the page's images in one query, and the viewer's right to each
        paths = {d.id: d.path for d in session.scalars(select(DerivedImage).where(DerivedImage.id.in_(wanted)))
                 if can_see(d)}
    embedded: dict[int, str] = {}   # a thumbnail drawn under several parts' outlines is read once

    def embed(m: re.Match) -> str:
        quote, derived_id = m.group(1), int(m.group(2))
        if derived_id not in paths:
            return m.group(0)
        if derived_id not in embedded:
            relpath = paths[derived_id]
            media = "image/png" if relpath.endswith(".png") else "image/jpeg"
            data = base64.b64encode(catalog.store.path(relpath).read_bytes()).decode("ascii")
            embedded[derived_id] = f"data:{media};base64,{data}"
        return f"{quote}{embedded[derived_id]}{quote}"
    return _DERIVED.sub(embed, _STYLESHEET.sub(inline_css, html))


def html_to_pdf(html: str) -> bytes:
    """The PDF Chromium prints of this HTML (A4 and margins come from its @page rules)."""
    engine = chromium()
    with tempfile.TemporaryDirectory(prefix="bomcat-print-") as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        try:
            done = subprocess.run([engine, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile",
                                   f"--print-to-pdf={out}", page.as_uri()],
                                  capture_output=True, text=True, timeout=PRINT_SECONDS)
        except subprocess.TimeoutExpired:
            raise PrintFailed(f"Chromium did not print the page within {PRINT_SECONDS} s") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise PrintFailed(f"Chromium printed no PDF (exit {done.returncode}): {' | '.join(tail)}")
        return out.read_bytes()
