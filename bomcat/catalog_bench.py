"""A large, realistic catalog for `bomcat bench catalog` and `bomcat bench web`.

Components are drawn from the knowledge base's example markings: the real markings (teardown
photos, datasheets) each curated family quotes, so that part numbers, makers and categories
follow what teardowns find rather than a uniform spread (Texas Instruments and ST often, a
sensor maker seldom). Each device has two board photos (small placeholder images, real files in
the store), a region, crop and chosen reading per component, reviews of the verified ones, and
the makers some letters were sent to. The first device, `bench-300`, has exactly 300 components:
the device page `bench web` measures. Rows go in by bulk inserts, a hundred devices per
transaction, with a progress bar.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import sys
from dataclasses import dataclass
from typing import Callable, Optional

from sqlalchemy import func, insert, select, text

from bomcat.catalog.db import Catalog
from bomcat.catalog.models import (Component, ComponentStatus, DerivedImage, Device, DeviceStatus,
                                   OutreachEntry, OutreachStatus, Photo, Reading, Region, RegionOrigin, Review,
                                   Verdict)
from bomcat.catalog.records import ensure_manufacturer
from bomcat.catalog.resolver import knowledge
from bomcat.catalog.search import searchable
from bomcat.images.store import sha256_hex

BIG_DEVICE = "bench-300"
BIG_COMPONENTS = 300
BATCH = 100
# Makers of the devices investigators open: cameras, routers, speakers, consoles (names only).
DEVICE_MAKERS = ("Hikvision", "Dahua", "Uniview", "EZVIZ", "Reolink", "TP-Link", "Tenda", "Xiaomi", "Huawei",
                 "ZTE", "Amazon", "Google", "Wyze", "Netgear", "Ubiquiti", "Sony", "Nintendo", "Logitech",
                 "Anker", "Tuya", "Sonoff", "Imou", "Hanwha", "Axis")
KINDS = ("camera", "router", "doorbell", "speaker", "switch", "plug", "console", "dashcam", "baby monitor", "NVR")


@dataclass(frozen=True)
class Sample:
    marking: str
    part_number: str
    manufacturer: str
    category: str


def samples() -> list[Sample]:
    """Every example marking the curated families quote, with its part, maker and category."""
    out = []
    for family in knowledge.load().families:
        for marking, part in family.markings:
            out.append(Sample(marking, part, family.manufacturer.name, family.category))
    return out


def placeholder_png(index: int, size: tuple[int, int] = (32, 24)) -> bytes:
    """A small image whose pixels carry `index`: every photo's bytes (and SHA-256) differ."""
    from PIL import Image
    rng = random.Random(index)
    image = Image.new("RGB", size, (20 + index % 40, 90, 40))
    for x in range(size[0]):
        image.putpixel((x, rng.randrange(size[1])), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _ids(session, model, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    return list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def generate(catalog: Catalog, devices: int, seed: int = 1,
             progress: Optional[Callable[[int], None]] = None) -> dict:
    """Add `devices` devices (with photos, regions, components, reviews) and outreach to the catalog."""
    rng = random.Random(seed)
    pool = samples()
    with catalog.session() as session:
        makers = {s.manufacturer for s in pool}
        maker_ids = {name: ensure_manufacturer(session, name).id for name in sorted(makers)}
        start = session.scalar(select(func.count()).select_from(Device))
    counts = {"devices": 0, "components": 0, "photos": 0, "reviews": 0}
    done = 0
    while done < devices:
        batch = min(BATCH, devices - done)
        with catalog.transaction() as (session, files):
            _add_batch(session, files, rng, pool, maker_ids, start + done, batch, counts)
        done += batch
        if progress:
            progress(batch)
    with catalog.session() as session:
        counts["outreach"] = _add_outreach(session, rng, maker_ids)
        if session.get_bind().dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load: the planner's statistics of the new
            # rows (migration 0008 says why search plans depend on them). SQLite has no such daemon.
            session.execute(text("ANALYZE"))
    return counts


def _add_batch(session, files, rng: random.Random, pool: list[Sample], maker_ids: dict[str, int],
               first: int, n: int, counts: dict) -> None:
    now = dt.datetime(2026, 1, 1)
    device_rows = []
    for i in range(first, first + n):
        maker = rng.choice(DEVICE_MAKERS)
        device_rows.append({
            "slug": BIG_DEVICE if i == 0 else f"bench-{i:05d}", "maker": maker,
            "model": f"{maker[:2].upper()}-{rng.randrange(1000, 9999)}{rng.choice('ABCDEFGH')}",
            "variant": rng.choice((None, "v2", "Pro", "Lite")), "notes": f"a {rng.choice(KINDS)} (generated)",
            "status": DeviceStatus.published if i == 0 or rng.random() < 0.8 else DeviceStatus.draft,
            "teardown_on": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600)), "created_at": now})
    device_ids = _ids(session, Device, device_rows)
    photo_rows, photo_owner = [], []
    for device_id, row in zip(device_ids, device_rows):
        for side in ("top", "bottom"):
            index = device_id * 2 + (side == "bottom")
            data = placeholder_png(index)
            sha = files.put_original(data)
            photo_rows.append({"sha256": sha, "device_id": device_id, "original_filename": f"{row['slug']}-{side}.png",
                               "media_type": "image/png", "byte_size": len(data), "width": 32, "height": 24,
                               "board": "main", "side": side, "uploaded_by": "bench", "uploaded_at": now})
            photo_owner.append(device_id)
    photo_ids = _ids(session, Photo, photo_rows)
    # The derived images (upright copy, thumbnail, crops) of every generated photo are one shared
    # placeholder each: one file per photo (its original, each different) keeps a 10,000-device catalog
    # to minutes, since the store syncs every file it writes to disk.
    shared = placeholder_png(-1)
    shared_sha = sha256_hex(shared)
    paths = {kind: files.put_derived(shared_sha, f"{kind}.png", shared) for kind in ("upright", "thumbnail", "crop")}
    derived_rows = [{"photo_id": photo_id, "kind": kind, "path": paths[kind], "sha256": shared_sha, "width": 32,
                     "height": 24, "transform": {"placeholder": True}, "created_at": now}
                    for photo_id in photo_ids for kind in ("upright", "thumbnail")]
    session.execute(insert(DerivedImage), derived_rows)
    photos_of = {}
    for photo_id, device_id in zip(photo_ids, photo_owner):
        photos_of.setdefault(device_id, []).append(photo_id)
    region_rows, chosen = [], []
    for device_id, row in zip(device_ids, device_rows):
        k = BIG_COMPONENTS if row["slug"] == BIG_DEVICE else max(1, int(rng.lognormvariate(3.2, 0.5)))
        for j in range(k):
            sample = rng.choice(pool)
            region_rows.append({"photo_id": photos_of[device_id][j % 2], "cx": 10.0, "cy": 10.0, "w": 8.0, "h": 6.0,
                                "angle": 0.0, "score": 0.9, "designator": f"U{j + 1}",
                                "origin": RegionOrigin.detected, "created_by": "bomcat", "created_at": now})
            chosen.append((device_id, row["status"], sample))
    region_ids = _ids(session, Region, region_rows)
    crops, readings, component_rows = [], [], []
    for region_id, region, (device_id, status, sample) in zip(region_ids, region_rows, chosen):
        crops.append({"photo_id": region["photo_id"], "region_id": region_id, "kind": "crop", "path": paths["crop"],
                      "sha256": shared_sha, "width": 32, "height": 24, "transform": {"placeholder": True}, "created_at": now})
        lines = sample.marking.split(" | ")
        readings.append({"region_id": region_id, "engine": "bench", "engine_version": "0", "preprocessing": [],
                         "rotation": 0, "lines": lines, "changes": [], "confidence": 0.9, "seconds": 0.0,
                         "chosen": True, "created_at": now})
        roll = rng.random()
        state = ComponentStatus.verified if status is DeviceStatus.published and roll < 0.85 \
            else ComponentStatus.rejected if roll > 0.97 else ComponentStatus.proposed
        component_rows.append({"device_id": device_id, "region_id": region_id, "marking": sample.marking,
                               "part_number": sample.part_number, "manufacturer_id": maker_ids[sample.manufacturer],
                               "category": sample.category, "date_code": None, "confidence": 0.95,
                               "status": state, "created_at": now})
    session.execute(insert(DerivedImage), crops)
    session.execute(insert(Reading), readings)
    component_ids = _ids(session, Component, component_rows)
    reviews, search_rows = [], []
    makers_by_id = {v: k for k, v in maker_ids.items()}
    device_of = {device_id: row for device_id, row in zip(device_ids, device_rows)}
    for component_id, row in zip(component_ids, component_rows):
        values = {"marking": row["marking"], "part_number": row["part_number"],
                  "manufacturer": makers_by_id[row["manufacturer_id"]], "category": row["category"],
                  "date_code": None, "status": "proposed"}
        reviews.append({"component_id": component_id, "reviewer": "bomcat", "verdict": Verdict.proposed,
                        "values": values, "comment": "proposed by the generator", "created_at": now})
        if row["status"] is not ComponentStatus.proposed:
            verdict = Verdict.verified if row["status"] is ComponentStatus.verified else Verdict.rejected
            reviews.append({"component_id": component_id, "reviewer": rng.choice(("alice", "bob", "chen")),
                            "verdict": verdict, "values": {**values, "status": row["status"].value},
                            "comment": None, "created_at": now + dt.timedelta(hours=1)})
        device = device_of[row["device_id"]]
        body = " ".join(p for p in (row["part_number"], row["marking"], makers_by_id[row["manufacturer_id"]],
                                    row["category"], device["maker"], device["model"]) if p)
        search_rows.append({"id": component_id, "body": searchable(body)})
    session.execute(insert(Review), reviews)
    session.execute(text("INSERT INTO component_search (component_id, body) VALUES (:id, :body)"), search_rows)
    counts["devices"] += n
    counts["photos"] += len(photo_ids)
    counts["components"] += len(component_ids)
    counts["reviews"] += len(reviews)


def _add_outreach(session, rng: random.Random, maker_ids: dict[str, int]) -> int:
    rows = []
    for name, maker_id in sorted(maker_ids.items()):
        if rng.random() < 0.2:
            sent = dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(300))
            answered = rng.random() < 0.4
            rows.append({"manufacturer_id": maker_id, "kind": "letter", "sent_on": sent,
                         "subject": f"Parts of {name} found in surveillance devices",
                         "reply_text": "We do not comment on individual customers." if answered else None,
                         "replied_on": sent + dt.timedelta(days=21) if answered else None,
                         "status": OutreachStatus.answered if answered else OutreachStatus.awaiting,
                         "recorded_by": "bench", "created_at": dt.datetime(2026, 1, 1)})
    if rows:
        session.execute(insert(OutreachEntry), rows)
    return len(rows)


def progress_bar(total: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, unit="device", disable=not enabled, file=sys.stderr)


