"""`bomcat bench ingest`: photos per minute and peak memory of the real batch command.

Rendered boards (12 MP by default, each with its own seed, so no two photos are the same bytes) are
written to a temporary folder and ingested by `bomcat ingest` processes, one per worker, each given
every k-th photo, into one fresh SQLite catalog: the same command an investigator runs. The peak
resident memory of each process is read from the kernel when it ends (`os.wait4`), so it covers the
whole batch, not a sample.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bomcat.demo import BOARDS, render_jpeg


@dataclass
class IngestRun:
    workers: int
    photos: int
    seconds: float
    components: int
    resolved: int
    peak_rss_mb: float
    failures: list[str]

    def as_row(self) -> dict:
        return {"workers": self.workers, "photos": self.photos, "seconds": f"{self.seconds:.1f}",
                "photos/min": f"{60 * self.photos / max(self.seconds, 1e-9):.1f}",
                "s/photo/worker": f"{self.seconds * self.workers / max(1, self.photos):.1f}",
                "components": self.components, "resolved": self.resolved,
                "peak RSS MB": f"{self.peak_rss_mb:.0f}", "failed": len(self.failures)}


def render_photos(folder: Path, count: int, chips: int, size: tuple[int, int], progress: Callable[[int], None]) -> list[Path]:
    """`count` board photos with `chips` packages each, drawn from the demo's real markings."""
    pool = [c for board in BOARDS for c in board]
    paths = []
    for n in range(count):
        chosen = [pool[(n * 7 + i) % len(pool)] for i in range(chips)]
        path = folder / f"board-{n:04d}.jpg"
        path.write_bytes(render_jpeg(chosen, seed=1000 + n, size=size))
        paths.append(path)
        progress(1)
    return paths


def _count_resolved(home: Path) -> tuple[int, int]:
    from sqlalchemy import func, select

    from bomcat.catalog.models import Component
    from bomcat.pipeline import open_catalog
    catalog = open_catalog(home=home)
    with catalog.session() as session:
        total = session.scalar(select(func.count(Component.id)))
        resolved = session.scalar(select(func.count(Component.id)).where(Component.part_number.is_not(None),
                                                                           Component.manufacturer_id.is_not(None)))
    catalog.engine.dispose()
    return total or 0, resolved or 0


def run_batch(photos: list[Path], workers: int, home: Path, progress: Callable[[int], None]) -> IngestRun:
    """Ingest `photos` with `workers` concurrent `bomcat ingest` processes into a fresh catalog in `home`."""
    env = {**os.environ, "BOMCAT_HOME": str(home)}
    env.pop("BOMCAT_DATABASE_URL", None)
    env.pop("BOMCAT_PHOTO_STORE", None)
    base = [sys.executable, "-m", "bomcat"]
    made = subprocess.run([*base, "devices", "add", "bench", "--maker", "bench", "--model", "bench"],
                          env=env, capture_output=True, text=True)
    if made.returncode != 0:
        raise RuntimeError(f"could not create the bench device: {made.stderr.strip()}")
    failures: list[str] = []
    peaks: list[int] = []

    def run(chunk: list[Path]) -> None:
        errors = tempfile.TemporaryFile("w+")   # a file, not a pipe: nobody reads it until the end
        process = subprocess.Popen([*base, "ingest", "--device", "bench", "--json", *map(str, chunk)], env=env,
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
        for line in process.stdout:   # one JSON object per photo ingested (a refused photo: a line on stderr)
            json.loads(line)
            progress(1)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        peaks.append(usage.ru_maxrss)   # KiB on Linux
        errors.seek(0)
        stderr = errors.read()
        failures.extend(line for line in stderr.splitlines() if line.startswith("bomcat: error:"))
        if process.returncode not in (0, 1):
            failures.append(f"a worker exited with {process.returncode}: {stderr.strip()[-300:]}")
    chunks = [photos[i::workers] for i in range(workers)]
    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks if chunk]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - t0
    components, resolved = _count_resolved(home)
    return IngestRun(workers, len(photos), seconds, components, resolved, max(peaks, default=0) / 1024, failures)


def run(count: int, chips: int, size: tuple[int, int], worker_counts: list[int], bar) -> list[IngestRun]:
    """Render the photos once, then ingest all of them with each worker count, a fresh catalog each."""
    with tempfile.TemporaryDirectory(prefix="bomcat-bench-ingest-") as tmp:
        with bar(count, "rendering boards") as update:
            photos = render_photos(Path(tmp), count, chips, size, update)
        runs = []
        for workers in worker_counts:
            home = Path(tmp) / f"home-{workers}"
            home.mkdir()
            with bar(count, f"ingesting with {workers} worker{'s' if workers > 1 else ''}") as update:
                runs.append(run_batch(photos, workers, home, update))
        return runs
