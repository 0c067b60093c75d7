"""`bomcat bench load`: uploaders and readers at once against the real server (`served.py`: `bomcat
serve` on a throwaway catalog in `BOMCAT_HOME`, SQLite there or the PostgreSQL database given).

Each uploader sends board photos (one rendered board, every file made distinct by bytes after the
JPEG's end) the way the upload page does (202 and a status to poll), in a loop or
a given number each (then the reads measure pages served while those photos are ingested); each reader
fetches pages and API documents in a loop. When the time is up the server is stopped and every
upload it acknowledged (2xx) must be in the catalog: a photo, or an upload still waiting with its
bytes in the store. The last line is exactly `requests N 5xx X locked L lost M p50 A ms p95 B ms`
(latencies of the reads; 'locked' counts answers and server log lines saying 'database is locked')."""
from __future__ import annotations

import hashlib
import random
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .served import Served, call, multipart, served

READ_PATHS = ("/", "/devices", "/devices.json", "/manufacturers", "/components", "/search?q=25Q128",
              "/api/devices/{slug}", "/api/devices/{slug}/uploads", "/devices/{slug}")
LOCKED = b"database is locked"


@dataclass
class Tally:
    reads: list[float] = field(default_factory=list)      # seconds of each answered read
    uploads: list[float] = field(default_factory=list)
    statuses: list[Optional[int]] = field(default_factory=list)
    locked: int = 0
    acknowledged: list[str] = field(default_factory=list)  # SHA-256 of the uploads answered 2xx
    lock: threading.Lock = field(default_factory=threading.Lock)


def board_photo() -> bytes:
    """A rendered 1600 x 1200 board with three packages, as a JPEG."""
    from bomcat.demo import render_jpeg
    from bomcat.images.synth import SyntheticChip
    chips = [SyntheticChip(["winbond", "25Q128JVSQ", "1927"], "SOIC8", 0),
             SyntheticChip(["SONY", "IMX307LQD", "2134"], "QFN", 0),
             SyntheticChip(["EPSON", "SG-8018CA", "2019"], "SOIC8", 90)]
    return render_jpeg(chips, seed=5, size=(1600, 1200), quality=90)


def uploader(server: Served, photo: bytes, until: float, tally: Tally, photos: int = 0) -> None:
    sent = 0
    while time.time() < until and (not photos or sent < photos):
        sent += 1
        data = photo + b"bomcat-load-" + uuid.uuid4().bytes   # after the JPEG's end: same picture, new file
        body, content_type = multipart(f"load-{uuid.uuid4().hex[:8]}.jpg", data)
        status, _, answer, seconds = call(server, "POST", f"/api/devices/{server.slug}/photos", body, content_type)
        with tally.lock:
            tally.statuses.append(status)
            tally.uploads.append(seconds)
            tally.locked += LOCKED in answer
            if status is not None and 200 <= status < 300:
                tally.acknowledged.append(hashlib.sha256(data).hexdigest())


def reader(server: Served, until: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    while time.time() < until:
        path = rng.choice(READ_PATHS).format(slug=server.slug)
        status, _, answer, seconds = call(server, "GET", path, timeout=60)
        with tally.lock:
            tally.statuses.append(status)
            tally.locked += LOCKED in answer
            if status is not None:
                tally.reads.append(seconds)


def lost_uploads(home: Path, database_url: Optional[str], acknowledged: list[str]) -> list[str]:
    """Acknowledged uploads the catalog does not hold: neither a photo nor a waiting upload with its bytes."""
    from sqlalchemy import select

    from bomcat.pipeline import open_catalog
    from bomcat.catalog.models import Photo, Upload
    catalog = open_catalog(database_url, home=home)
    with catalog.session() as session:
        photos = set(session.scalars(select(Photo.sha256)))
        waiting = set(session.scalars(select(Upload.sha256)))
    lost = [sha for sha in acknowledged if sha not in photos and not (
        sha in waiting and catalog.store.path(catalog.store.incoming_relpath(sha)).is_file())]
    catalog.engine.dispose()
    return lost


def run(home: Optional[Path], database_url: Optional[str], seconds: float, uploaders: int, readers: int,
        echo, photos_each: int = 0) -> dict:
    photo = board_photo()
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="bomcat-load-") as scratch:
        home = Path(home or scratch)
        with served(home, database_url) as server:
            until = time.time() + seconds
            threads = [threading.Thread(target=uploader, args=(server, photo, until, tally, photos_each))
                       for _ in range(uploaders)]
            threads += [threading.Thread(target=reader, args=(server, until, tally, i)) for i in range(readers)]
            echo(f"{uploaders} uploaders and {readers} readers for {seconds:.0f} s against {server.base}")
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            log_locked = server.log
        lost = lost_uploads(home, database_url, tally.acknowledged)
        tally.locked += log_locked.read_bytes().count(LOCKED)
    reads = sorted(tally.reads) or [0.0]
    p95 = reads[min(len(reads) - 1, int(0.95 * len(reads)))]
    return {"requests": len(tally.statuses), "5xx": sum(1 for s in tally.statuses if s is not None and s >= 500),
            "no_answer": sum(1 for s in tally.statuses if s is None), "locked": tally.locked, "lost": len(lost),
            "uploads": len(tally.uploads), "acknowledged": len(tally.acknowledged), "reads": len(tally.reads),
            "p50_ms": round(statistics.median(reads) * 1000), "p95_ms": round(p95 * 1000),
            "upload_p50_ms": round(statistics.median(tally.uploads or [0.0]) * 1000)}
