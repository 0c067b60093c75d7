"""The orchestration layer: what runs across the catalog, the images and the OCR packages.

Ingest of board photos, region edits, background jobs, the store audit and the detector-data
export live here. This package depends on `bomcat.catalog`, `bomcat.images` and `bomcat.ocr`;
none of them imports it or each other (`tests/test_layers.py` walks the imports).
"""
from __future__ import annotations

import os
from pathlib import Path

from bomcat.catalog.db import Catalog, open_database, photo_store_root
from bomcat.images.store import PhotoStore


def open_catalog(url: str | None = None, home: str | os.PathLike | None = None,
                 photo_root: str | os.PathLike | None = None, migrate: bool = True) -> Catalog:
    """The catalog at `url` (default: SQLite in BOMCAT_HOME) with its photo store, schema brought up to date."""
    engine = open_database(url, home, migrate=migrate)
    return Catalog(engine, PhotoStore(Path(photo_root) if photo_root else photo_store_root(home)))
