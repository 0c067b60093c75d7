"""The ingest pipeline: one board photo in, proposed BOM lines out.

store original -> upright derivative -> detect chip regions -> crop -> OCR
-> resolve -> proposed components. Each step is a small function over an
:class:`IngestContext`; `ingest_photo` composes them inside one database
transaction and one photo-store transaction, so a failure at any step leaves
neither rows nor files of that photo behind.

The steps add rows to the session without flushing them: nothing is written
to the database until the last step, so the slow part (detection, OCR) holds
no write lock and an SQLite catalog stays writable for status updates and
reviews meanwhile.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
from bomcat.catalog.db import Catalog
from bomcat.errors import CatalogError
from bomcat.catalog.models import (
    Component,
    DerivedImage,
    Device,
    Photo,
    Reading,
    Region,
    RegionOrigin,
)
from bomcat.catalog.records import propose_component
from bomcat.ocr.engines import DEFAULT_ENGINE
from bomcat.ocr.preprocess import turn
from bomcat.catalog.resolver import default_resolver
from bomcat.ocr.read import ChipReading, read_chip
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from bomcat.images import photo as photo_io
from bomcat.images.detect import detect_chips
from bomcat.images.geometry import RotatedBox, crop_rotated
from bomcat.images.store import StoreTransaction, sha256_hex

THUMBNAIL_SIZE = 480
MAX_REGIONS = 60


class IngestError(CatalogError, RuntimeError):
    """Names the file and the cause; nothing of that file was kept."""


@dataclass
class IngestContext:
    session: Session
    files: StoreTransaction
    device: Device
    data: bytes
    filename: str
    uploaded_by: str
    board: Optional[str] = None
    side: Optional[str] = None
    engines: Sequence[str] = (DEFAULT_ENGINE,)
    image: Optional[Image.Image] = None       # the original, decoded
    upright: Optional[np.ndarray] = None      # BGR, EXIF orientation applied
    photo: Optional[Photo] = None
    boxes: list[RotatedBox] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    crops: list[np.ndarray] = field(default_factory=list)
    readings: list[ChipReading] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    file: str
    sha256: str
    photo_id: int
    created: bool
    regions: int
    components: int
    seconds: float
    notes: list[str] = field(default_factory=list)   # what was done with the file that the uploader should know

    def as_dict(self) -> dict:
        return self.__dict__.copy()


Step = Callable[[IngestContext], None]


def derive_image(session: Session, files: StoreTransaction, photo: Photo, name: str, kind: str, data: bytes,
                 size: tuple[int, int], transform: dict, region: Optional[Region] = None) -> DerivedImage:
    """A file computed from the photo, stored beside it, with the transform that made it."""
    relpath = files.put_derived(photo.sha256, name, data)
    derived = DerivedImage(photo=photo, region=region, kind=kind, path=relpath, sha256=sha256_hex(data),
                           width=size[0], height=size[1], transform=transform)
    session.add(derived)
    return derived


def _derive(ctx: IngestContext, name: str, kind: str, data: bytes, size: tuple[int, int],
            transform: dict) -> DerivedImage:
    return derive_image(ctx.session, ctx.files, ctx.photo, name, kind, data, size, transform)


def store_original(ctx: IngestContext) -> None:
    image = photo_io.open_image(ctx.data, ctx.filename)
    info = photo_io.inspect(image)
    if info.frames > 1:
        ctx.notes.append(f"the file holds {info.frames} frames; the first is the photo (the original is kept whole)")
    sha = ctx.files.put_original(ctx.data)
    ctx.image = image
    ctx.photo = Photo(sha256=sha, device=ctx.device, original_filename=ctx.filename[:255],
                      media_type=info.media_type, byte_size=len(ctx.data), width=info.width,
                      height=info.height, exif_orientation=info.orientation, captured_at=info.captured_at,
                      camera=info.camera, board=ctx.board, side=ctx.side, uploaded_by=ctx.uploaded_by)
    ctx.session.add(ctx.photo)


def make_upright(ctx: IngestContext) -> None:
    upright = photo_io.upright(ctx.image)
    ctx.upright = photo_io.to_bgr(upright)
    transform = {"op": "exif_transpose", "orientation": ctx.photo.exif_orientation, "format": "JPEG q92"}
    _derive(ctx, "upright.jpg", "upright", photo_io.encode_jpeg(upright, 92), upright.size, transform)
    thumb = upright.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    _derive(ctx, "thumbnail.jpg", "thumbnail", photo_io.encode_jpeg(thumb, 85), thumb.size,
            {"op": "thumbnail", "of": "upright", "max_side": THUMBNAIL_SIZE})


def detect_regions(ctx: IngestContext) -> None:
    ctx.boxes = detect_chips(ctx.upright)[:MAX_REGIONS]
    for box in ctx.boxes:
        region = Region(photo=ctx.photo, cx=box.cx, cy=box.cy, w=box.w, h=box.h, angle=box.angle,
                        score=box.score, origin=RegionOrigin.detected, created_by="bomcat")
        ctx.session.add(region)
        ctx.regions.append(region)


def crop_name(ctx: IngestContext, index: int) -> str:
    return f"crop-{index + 1:03d}"


def save_crop(session: Session, files: StoreTransaction, photo: Photo, region: Region, upright: np.ndarray,
              box: RotatedBox, name: str) -> np.ndarray:
    """Cut the region's box from the upright image and keep it as the region's evidence crop."""
    crop, transform = crop_rotated(upright, box)
    transform["of"] = "upright"
    derive_image(session, files, photo, f"{name}.png", "crop", photo_io.encode_png(crop),
                 (crop.shape[1], crop.shape[0]), transform, region)
    return crop


def cut_crops(ctx: IngestContext) -> None:
    for index, (region, box) in enumerate(zip(ctx.regions, ctx.boxes)):
        ctx.crops.append(save_crop(ctx.session, ctx.files, ctx.photo, region, ctx.upright, box,
                                   crop_name(ctx, index)))


def save_reading(session: Session, files: StoreTransaction, photo: Photo, region: Region, crop: np.ndarray,
                 chip: ChipReading, name: str) -> None:
    """The raw readings of one crop, and the evidence crop as a reviewer reads it: turned the way the
    chosen reading was upright."""
    upright = turn(crop, chip.rotation)
    derive_image(session, files, photo, f"{name}-upright.png", "crop_upright", photo_io.encode_png(upright),
                 (upright.shape[1], upright.shape[0]),
                 {"op": "rotate", "of": f"{name}.png", "degrees_clockwise": chip.rotation}, region)
    for index, raw in enumerate(chip.readings):
        session.add(Reading(region=region, engine=raw.engine, engine_version=raw.engine_version,
                            preprocessing=raw.preprocessing, rotation=raw.rotation, lines=raw.lines,
                            changes=[c.as_dict() for c in raw.changes],
                            confidence=round(raw.confidence, 4), seconds=round(raw.seconds, 4),
                            chosen=index == chip.chosen))


def read_regions(ctx: IngestContext) -> None:
    for index, (region, crop) in enumerate(zip(ctx.regions, ctx.crops)):
        chip = read_chip(crop, default_resolver(), engines=ctx.engines)
        ctx.readings.append(chip)
        save_reading(ctx.session, ctx.files, ctx.photo, region, crop, chip, crop_name(ctx, index))


def reading_comment(chip: ChipReading) -> str:
    """How a proposal was made, for the review log."""
    return f"OCR ({chip.readings[chip.chosen].engine}) + resolver, rotation {chip.rotation}"


def propose_components(ctx: IngestContext) -> None:
    for region, chip in zip(ctx.regions, ctx.readings):
        ctx.components.append(propose_component(ctx.session, ctx.device, region, chip.resolution,
                                                proposed_by="bomcat", comment=reading_comment(chip)))


INGEST_STEPS: list[Step] = [store_original, make_upright, detect_regions, cut_crops, read_regions,
                            propose_components]


def find_device(session: Session, slug: str) -> Device:
    device = session.scalar(select(Device).where(Device.slug == slug))
    if device is None:
        raise IngestError(f"unknown device {slug!r} (create it first: bomcat devices add {slug} ...)", status=404)
    return device


def evidence_of(session: Session, device: Device, sha: str, display: str) -> Optional[Photo]:
    """The photo of `device` with these bytes, if any; a 409 when they are evidence for another device."""
    existing = session.scalar(select(Photo).where(Photo.sha256 == sha))
    if existing is not None and existing.device_id != device.id:
        raise IngestError(f"{display}: this photo (sha256 {sha[:12]}) is already evidence for "
                          f"device {existing.device.slug!r}", status=409)
    return existing


def ingest_photo(catalog: Catalog, device_slug: str, data: bytes, filename: str, uploaded_by: str,
                 board: Optional[str] = None, side: Optional[str] = None,
                 engines: Sequence[str] = (DEFAULT_ENGINE,), steps: Sequence[Step] = INGEST_STEPS,
                 on_step: Optional[Callable[[str, IngestContext], None]] = None) -> IngestResult:
    """Ingest one photo; the same bytes ingested again give the same photo, never a duplicate."""
    start = time.perf_counter()
    display = Path(filename).name or "photo"
    sha = sha256_hex(data)
    with catalog.session() as session:
        device = find_device(session, device_slug)
        existing = evidence_of(session, device, sha, display)
        if existing is not None:
            return IngestResult(display, sha, existing.id, False, len(existing.regions),
                                sum(1 for r in existing.regions if r.component), time.perf_counter() - start)
    with catalog.transaction() as (session, files):
        ctx = IngestContext(session, files, find_device(session, device_slug), data, display,
                            uploaded_by, board, side, engines)
        for step in steps:
            if on_step:
                on_step(step.__name__, ctx)
            try:
                step(ctx)
            except photo_io.BadPhoto as exc:
                raise IngestError.because(exc) from exc
            except IngestError:
                raise
            except Exception as exc:
                raise IngestError(f"{display}: {step.__name__} failed: {exc}", status=500) from exc
        ctx.session.flush()  # the photo's id, even when no step after the first flushed (no chip found)
        result = IngestResult(display, sha, ctx.photo.id, True, len(ctx.regions), len(ctx.components), 0.0,
                              ctx.notes)
    result.seconds = round(time.perf_counter() - start, 3)
    return result


def ingest_file(catalog: Catalog, device_slug: str, path: str | Path, uploaded_by: str, **kwargs) -> IngestResult:
    try:
        data = photo_io.read_file(path)
    except photo_io.BadPhoto as exc:
        raise IngestError.because(exc) from None
    return ingest_photo(catalog, device_slug, data, Path(path).name, uploaded_by, **kwargs)
