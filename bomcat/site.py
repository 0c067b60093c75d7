"""The published catalog as a static HTML site, publishable without the server.

Pages are rendered by the real web app for an anonymous visitor (so the site shows exactly
what the public pages show, nothing of drafts or unreviewed readings), starting at the
device list and following every internal link, as a crawler would. Each page is saved as
`<path>.html` next to its `.json` and `.csv` twins; links are rewritten to relative file
names, so the site works from any folder of any web server or straight from disk. Evidence
images are copied with their extension, the originals byte for byte (named by SHA-256),
and each photo's zoom tiles beside its board view.
"""
from __future__ import annotations

import re
import secrets
import shutil
from collections import deque
from pathlib import Path, PurePosixPath

from sqlalchemy import select

from bomcat.catalog.db import Catalog
from bomcat.catalog.models import DerivedImage, Photo

PAGE_PREFIXES = ("devices", "components", "photos", "manufacturers", "countries", "makers", "entity-list")
LINK_RE = re.compile(r"""(?P<q>["'])(?P<path>/(?:""" + "|".join((*PAGE_PREFIXES, "files", "static")) + r""")"""
                     r"""(?:[/.][^"'#?\s<>]*)?)(?P<rest>[#?][^"'\s<>]*)?(?P=q)""")
MEDIA_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif", "image/webp": ".webp"}


class SiteError(RuntimeError):
    pass


class SiteWriter:
    def __init__(self, catalog: Catalog, out: Path) -> None:
        from bomcat.web import create_app
        self.catalog, self.out = catalog, out
        app = create_app({"CATALOG": catalog, "SECRET_KEY": secrets.token_hex(16), "BACKGROUND_QUEUE": False,
                          "STATIC_SITE": True, "SERVER_NAME": "bomcat.invalid"})
        self.client = app.test_client()
        self.counts = {"pages": 0, "files": 0, "tiles": 0}
        with catalog.session() as session:
            self.derived_suffix = {d.id: Path(d.path).suffix for d in session.scalars(select(DerivedImage))}
            self.original_suffix = {p.sha256: MEDIA_SUFFIX.get(p.media_type, "") for p in session.scalars(select(Photo))}

    def file_for(self, path: str) -> str:
        """The site-relative file that stands for an app URL path."""
        parts = path.strip("/").split("/")
        if path in ("/", "/devices"):
            return "index.html"
        if parts[0] == "static":
            return path.strip("/")
        if parts[:2] == ["files", "derived"]:
            return f"files/derived/{parts[2]}{self.derived_suffix.get(int(parts[2]) if parts[2].isdigit() else -1, '')}"
        if parts[:2] == ["files", "original"]:
            return f"files/original/{parts[2]}{self.original_suffix.get(parts[2], '')}"
        if "tiles_files" in parts:
            return path.lstrip("/")  # a folder URL: OpenSeadragon appends level/col_row.jpg
        stem = path.strip("/")
        return stem if stem.endswith((".json", ".csv")) else stem + ".html"

    def relative(self, from_file: str, path: str) -> str:
        depth = len(PurePosixPath(from_file).parts) - 1
        return "../" * depth + self.file_for(path)

    def fetch(self, path: str) -> bytes:
        response = self.client.get(path)
        if response.status_code != 200:
            raise SiteError(f"{path}: HTTP {response.status_code} while exporting")
        return response.get_data()

    def save(self, name: str, data: bytes, kind: str = "files") -> None:
        target = self.out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.counts[kind] += 1

    def crawl(self) -> None:
        queue: deque[str] = deque(["/devices"])
        seen = {"/devices"}
        while queue:
            path = queue.popleft()
            name = self.file_for(path)
            if name.endswith(".html"):
                html = self.fetch(path).decode("utf-8")
                found = [m.group("path") for m in LINK_RE.finditer(html)]
                html = LINK_RE.sub(lambda m: m.group("q") + self.relative(name, m.group("path")) + (m.group("rest") or "")
                                   + m.group("q"), html)
                self.save(name, html.encode("utf-8"), "pages")
                for twin in (".json", ".csv"):  # the page's data at the same URL, as the server offers it
                    if path != "/devices" or twin == ".json":
                        found.append(path + twin)
                for link in found:
                    if link not in seen and "tiles_files" not in link:
                        seen.add(link)
                        queue.append(link)
            elif not path.startswith("/static/"):
                response = self.client.get(path)
                if response.status_code == 200:
                    self.save(name, response.get_data())
                elif response.status_code != 404 or not path.endswith(".csv"):  # not every page has a CSV
                    raise SiteError(f"{path}: HTTP {response.status_code} while exporting")
            if path.startswith("/photos/") and name.endswith(".html"):
                self.copy_tiles(int(path.split("/")[2]))

    def copy_tiles(self, photo_id: int) -> None:
        from bomcat.images.tiles import ensure_pyramid
        with self.catalog.session() as session:
            photo = session.get(Photo, photo_id)
            upright = photo.derivative("upright")
            sha, relpath = photo.sha256, upright.path
        store = self.catalog.store
        ensure_pyramid(store.path(relpath), store.tiles_dir(sha))
        target = self.out / "photos" / str(photo_id) / "tiles_files"
        shutil.copytree(store.tiles_dir(sha), target, dirs_exist_ok=True)
        self.counts["tiles"] += sum(1 for _ in target.rglob("*.jpg"))

    def copy_static(self) -> None:
        from importlib import resources
        static = Path(str(resources.files("bomcat.web") / "static"))
        shutil.copytree(static, self.out / "static", dirs_exist_ok=True)


def write_site(catalog: Catalog, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    writer = SiteWriter(catalog, out)
    writer.crawl()
    writer.copy_static()
    return {"directory": str(out), **writer.counts}
