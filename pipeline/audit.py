"""Does the photo store agree with the catalog? Every original a photo row names is there and
matches its SHA-256, every derived file a row names is there, every staged upload still waiting has
its bytes, and nothing lies in the store that no row names (an orphan: a file left by a write that
was never committed, or a temporary file of a write that was cut off).

Zoom tiles are a cache of a photo's upright image (rebuilt when missing): they belong to the photo
whose folder they are in and are orphans only when that photo is gone."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bomcat.catalog.db import Catalog
from bomcat.catalog.models import DerivedImage, Photo, Upload, UploadStatus

from bomcat.images.store import sha256_hex

WAITING = (UploadStatus.queued, UploadStatus.detecting, UploadStatus.reading, UploadStatus.failed)


@dataclass
class StoreAudit:
    orphans: list[str] = field(default_factory=list)    # files no row names
    missing: list[str] = field(default_factory=list)    # rows whose file is not there
    damaged: list[str] = field(default_factory=list)    # originals whose bytes no longer match their hash

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing or self.damaged)

    def as_dict(self) -> dict:
        return {"orphans": self.orphans, "missing": self.missing, "damaged": self.damaged}


def audit_store(catalog: Catalog, check_hashes: bool = True) -> StoreAudit:
    """Compare the store's files with the catalog's rows (read-only: nothing is changed)."""
    store = catalog.store
    with catalog.session() as session:
        photos = set(session.scalars(select(Photo.sha256)))
        derived = set(session.scalars(select(DerivedImage.path)))
        staged = set(session.scalars(select(Upload.sha256).where(Upload.status.in_(WAITING))))
    audit = StoreAudit()
    named = {store.original_relpath(sha) for sha in photos} | derived | {store.incoming_relpath(sha) for sha in staged}
    root = Path(store.root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else ():
        rel = path.relative_to(root).as_posix()
        parts = rel.split("/")
        if rel in named:
            continue
        if parts[0] == "derived" and len(parts) > 3 and parts[3] == "tiles" and parts[2] in photos:
            continue   # the zoom-tile cache of a photo that is there
        audit.orphans.append(rel)
    for sha in sorted(photos):
        path = root / store.original_relpath(sha)
        if not path.is_file():
            audit.missing.append(store.original_relpath(sha))
        elif check_hashes and sha256_hex(path.read_bytes()) != sha:
            audit.damaged.append(store.original_relpath(sha))
    audit.missing += sorted(rel for rel in derived if not (root / rel).is_file())
    audit.missing += sorted(store.incoming_relpath(sha) for sha in staged
                            if sha not in photos and not (root / store.incoming_relpath(sha)).is_file())
    return audit


def repair_store(catalog: Catalog, older_than: float = 3600.0) -> list[str]:
    """Remove the orphans of the store (files no row names: left by an ingest killed mid-photo, or a
    write's temporary file) older than `older_than` seconds, so a write in flight in another process
    is never touched. Missing and damaged evidence is only reported: nothing here can restore it."""
    import time
    root = Path(catalog.store.root)
    removed = []
    now = time.time()
    for rel in audit_store(catalog, check_hashes=False).orphans:
        path = root / rel
        try:
            if now - path.stat().st_mtime < older_than:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(rel)
        for parent in path.parents:   # the folders the orphan leaves empty
            if parent == root:
                break
            try:
                parent.rmdir()
            except OSError:
                break
    return removed
