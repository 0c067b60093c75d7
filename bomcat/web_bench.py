"""`bomcat bench web`: page times of the real server (`bomcat serve`, as it runs in production) on the
catalog in BOMCAT_HOME (or --db), as a visitor sees it: the device page of the 300-component device,
`/components` pages, manufacturer pages and search, each with its JSON and CSV twins; and, as the
anchor, the same device's rows read the naive way (one query per row) in the same run."""
from __future__ import annotations

import random
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from sqlalchemy import func, select

from .served import Served, call, serving


@dataclass
class Timing:
    kind: str
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def as_row(self) -> dict:
        return {"page": self.kind, "requests": len(self.seconds), "failures": len(self.failures),
                "p50 ms": f"{self.quantile(0.5):.1f}", "p95 ms": f"{self.quantile(0.95):.1f}"}


def targets(catalog, big_device: str, searches: int = 12, seed: int = 1) -> dict[str, list[str]]:
    """The URLs of each kind, chosen from what the catalog holds."""
    from bomcat.catalog.models import Component, Device, DeviceStatus, Manufacturer
    from bomcat.catalog.records import slugify
    rng = random.Random(seed)
    with catalog.session() as session:
        if session.scalar(select(Device.id).where(Device.slug == big_device)) is None:
            raise LookupError(f"no device {big_device!r}: run `bomcat bench catalog` first")
        top = session.execute(select(Manufacturer.name, func.count(Component.id)).join(Component)
                              .group_by(Manufacturer.name).order_by(func.count(Component.id).desc()).limit(3)).all()
        parts = list(session.scalars(select(Component.part_number).join(Device)
                                     .where(Device.status == DeviceStatus.published, Component.part_number.is_not(None))
                                     .order_by(Component.id).limit(5000)))
    queries = [p[:max(4, len(p) - 2)] for p in rng.sample(sorted(set(parts)), min(searches, len(set(parts))))]
    queries += [name.split()[0] for name, _ in top]
    quote = urllib.parse.quote
    return {
        "device": [f"/devices/{big_device}", f"/devices/{big_device}.json", f"/devices/{big_device}.csv"],
        "components": ["/components", "/components?page=2", "/components.json?page=3", "/components.csv?page=4"],
        "manufacturer": [u for name, _ in top for u in (f"/manufacturers/{slugify(name)}",
                                                         f"/manufacturers/{slugify(name)}.json",
                                                         f"/manufacturers/{slugify(name)}?page=2")],
        "search": [u for q in queries for u in (f"/search?q={quote(q)}", f"/search.json?q={quote(q)}")],
    }


def measure(served: Served, urls: dict[str, list[str]], rounds: int) -> list[Timing]:
    out = []
    for kind, paths in urls.items():
        for path in paths:  # warm: templates compiled, caches filled, as on a server that has run a while
            call(served, "GET", path, token=False)
        timing = Timing(kind)
        for i in range(rounds):
            path = paths[i % len(paths)]
            status, _headers, _body, seconds = call(served, "GET", path, token=False)
            if status != 200:
                timing.failures.append(f"{path}: {status}")
            timing.seconds.append(seconds)
        out.append(timing)
    return out


def naive_device_rows(catalog, slug: str, rounds: int = 5) -> Timing:
    """The anchor: the device's component rows read one query per row and per relation (no eager loading)."""
    from bomcat.catalog.models import Component, Device
    timing = Timing("anchor: naive device rows")
    for _ in range(rounds):
        t0 = time.perf_counter()
        with catalog.session() as session:
            device_id = session.scalar(select(Device.id).where(Device.slug == slug))
            ids = list(session.scalars(select(Component.id).where(Component.device_id == device_id)))
            rows = []
            for component_id in ids:
                c = session.get(Component, component_id)
                crop = c.region.crop() if c.region else None
                rows.append((c.part_number, c.manufacturer.name if c.manufacturer else None,
                             crop.path if crop else None, [r.reviewer for r in c.reviews]))
        timing.seconds.append(time.perf_counter() - t0)
    return timing


def run(home: Path, database_url: Optional[str], rounds: int, big_device: str) -> tuple[list[Timing], Timing]:
    from bomcat.pipeline import open_catalog
    catalog = open_catalog(database_url, home=home)
    urls = targets(catalog, big_device)
    anchor = naive_device_rows(catalog, big_device)
    catalog.engine.dispose()
    with serving(home, token="", database_url=database_url) as served:
        timings = measure(served, urls, rounds)
    return timings, anchor


def summary_line(timings: list[Timing]) -> str:
    by = {t.kind: t for t in timings}
    return (f"device_p95 {by['device'].quantile(0.95):.0f} ms search_p95 {by['search'].quantile(0.95):.0f} ms "
            f"manufacturer_p95 {by['manufacturer'].quantile(0.95):.0f} ms")

