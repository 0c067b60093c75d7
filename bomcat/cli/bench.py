"""`bomcat bench`: benchmarks that print figures, each against a naive anchor
measured in the same run. They are slow and live outside the test suite.
"""
from __future__ import annotations

import csv
import json
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Optional

import click

from bomcat.scoring import (match_boxes, naive_manufacturer, naive_part, part_right,
                            same_maker, score_resolver)

from .common import BomcatError, open_catalog_from


@click.group()
def bench() -> None:
    """Benchmarks against labelled data such as ../shared/bench."""


def _table(rows: list[dict], columns: list[str]) -> None:
    """Print rows as aligned columns; with BOMCAT_BENCH_TABLES=FILE, also append them to FILE as one JSON
    object, which `bomcat bench all` reads to put each figure beside its anchor."""
    if os.environ.get("BOMCAT_BENCH_TABLES"):
        with open(os.environ["BOMCAT_BENCH_TABLES"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"columns": columns, "rows": [{c: r.get(c, "") for c in columns} for r in rows]}) + "\n")
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        click.echo("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))


def _read_rows(path: Path, delimiter: str) -> list[dict]:
    """A benchmark's labelled rows (lines starting with '#' are comments: where the set comes from)."""
    if not path.exists():
        raise click.ClickException(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter=delimiter))


def _best_rate(system: Callable[[str], dict], markings: list[str], rounds: int = 5) -> float:
    """Markings per second, the best of several rounds of about 4,000 markings each: on a shared
    machine the fastest round is the one least disturbed by other work."""
    repeats = max(1, 4000 // max(1, len(markings)))
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(repeats):
            for marking in markings:
                system(marking)
        best = max(best, repeats * len(markings) / (time.perf_counter() - t0))
    return best


@bench.command("resolver")
@click.argument("tsv", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--first", "first", default=66, show_default=True,
              help="Also score the first file's first N rows and the rest apart (the shared dev set: 66 rows "
                   "the rules were first written against, then the rows added to measure generalisation).")
@click.option("--errors", is_flag=True, help="List the markings bomcat gets wrong (do not use it on a validation set).")
@click.option("--variants", is_flag=True,
              help="Also score each file's markings with a lot line above, date and lot lines below, an OCR "
                   "slip in the logo, and the package letters on a line of their own (seeded; the answers "
                   "must not change).")
@click.option("--json", "as_json", is_flag=True)
def bench_resolver(tsv: tuple[str, ...], first: int, errors: bool, variants: bool, as_json: bool) -> None:
    """Score the resolver on each TSV (marking, manufacturer, part_number, category, source): the anchor
    and bomcat side by side, per file and per group of rows, with start-up time and throughput."""
    from bomcat.marking_variants import VARIANTS, variant_rows
    from bomcat.catalog.resolver import default_resolver
    files = [(path, _read_rows(Path(path), "\t")) for path in tsv]
    start = time.perf_counter()
    resolver = default_resolver()
    startup = time.perf_counter() - start
    systems: dict[str, Callable[[str], dict]] = {
        "anchor": lambda m: {"manufacturer": naive_manufacturer(m), "part_number": naive_part(m), "confidence": 0.0},
        "bomcat": resolver.resolve,
    }
    all_markings = [r["marking"] for _, rows in files for r in rows]
    rates = {name: _best_rate(system, all_markings) for name, system in systems.items()}
    report = []
    if variants:
        files += [(f"{Path(path).name} + {variant}", variant_rows(rows, variant))
                  for path, rows in list(files) for variant in VARIANTS]
        files = [(path, rows) for path, rows in files if rows]   # a variant may fit no row of a set
    for number, (path, rows) in enumerate(files):
        groups = [(Path(path).name, 0, len(rows))]
        if number == 0 and 0 < first < len(rows):
            groups += [(f"{Path(path).name} rows 1-{first}", 0, first),
                       (f"{Path(path).name} rows {first + 1}-{len(rows)}", first, len(rows))]
        for name, system in systems.items():
            answers = [system(r["marking"]) for r in rows]
            for label, lo, hi in groups:
                report.append({"set": label, "system": name, **score_resolver(rows[lo:hi], answers[lo:hi]),
                               "markings/s": f"{rates[name]:,.0f}"})
            if errors and name == "bomcat":
                for r, a in zip(rows, answers):
                    if not (same_maker(r["manufacturer"], a["manufacturer"]) and part_right(r["part_number"], a["part_number"])):
                        click.echo(f"MISS {r['marking']!r}: want {r['manufacturer']} {r['part_number']}, got "
                                   f"{a['manufacturer']} {a['part_number']} ({a['confidence']}) {a['explanation']}", err=True)
    if as_json:
        for line in report:
            click.echo(json.dumps(line))
        return
    click.echo(f"resolver benchmark ({len(all_markings)} markings; knowledge base loaded in {startup:.2f} s)")
    _table(sorted(report, key=lambda r: (r["set"], r["system"])),
           ["set", "system", "n", "manufacturer", "part_number", "both", "precision@0.9", "answers@0.9", "markings/s"])


@bench.command("ocr")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--errors", is_flag=True, help="Print each crop's reading (not on crops you keep for validation).")
@click.option("--first", "first", default=17, show_default=True,
              help="Also score the first N crops and the ones added after them apart.")
def bench_ocr(directory: str, errors: bool, first: int) -> None:
    """Score OCR on DIRECTORY/labels.csv (file, lines, part_number, manufacturer, rotation)."""
    from bomcat.pipeline.ocr_bench import run_ocr_bench
    rows = _read_rows(Path(directory) / "labels.csv", ",")
    report = run_ocr_bench(Path(directory), rows, verbose=errors, first=first)
    click.echo(f"OCR benchmark on {directory} ({len(rows)} crops; crops {first + 1}- were added to measure "
               "generalisation)")
    _table(report, ["system", "crops", "part_number", "manufacturer", "mean_cer", "median_s"])


@bench.command("detect")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--model", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Score this ONNX model (say, one `bomcat train detector --out` wrote) instead of the shipped one.")
@click.option("--clicks", is_flag=True,
              help="Click each chip at its centre moved by a random 0-20%% of its size (seeded) and score the box "
                   "one click gives (IoU >= 0.5 with the label).")
def bench_detect(directory: str, model: str | None, clicks: bool) -> None:
    """Score chip detection on DIRECTORY/boards.csv (file, x, y, w, h, ...), IoU >= 0.5.

    In one run: the darkness map alone (the anchor), the learned map alone, and both (shipped)."""
    from bomcat.images.boxes_file import BoxesFileError, read_boxes
    from bomcat.images.detect import MODEL_PATH, UNET_ANCHOR_PATH, detect_chips
    from bomcat.images.photo import load_upright_bgr
    try:
        truth = read_boxes(Path(directory))
    except BoxesFileError as exc:
        raise click.ClickException(str(exc)) from None
    images = {name: load_upright_bgr(Path(directory) / name) for name in truth}
    if clicks:
        _bench_clicks(directory, truth, images, Path(model) if model else MODEL_PATH)
        return
    total = sum(len(b) for b in truth.values())
    model_path = Path(model) if model else MODEL_PATH
    unet = UNET_ANCHOR_PATH
    systems = {"anchor: darkness map": lambda image: detect_chips(image, model=None),
               "anchor: rendered-only U-Net + darkness": lambda image: detect_chips(image, model=unet, turned=False),
               "learned map, not turned": lambda image: detect_chips(image, model=model_path, darkness=False,
                                                                     turned=False),
               "learned map": lambda image: detect_chips(image, model=model_path, darkness=False),
               "bomcat: both (shipped)": lambda image: detect_chips(image, model=model_path)}
    if not model_path.exists():
        click.echo(f"(no learned model at {model_path}: only the darkness map runs)", err=True)
    elif model:
        click.echo(f"(learned map: {model_path}, not the shipped model)", err=True)
    report = []
    for system, run in systems.items():
        found_total = matched = 0
        seconds = []
        for name, boxes in truth.items():
            t0 = time.perf_counter()
            found = [b.hull() for b in run(images[name])]
            seconds.append(time.perf_counter() - t0)
            found_total += len(found)
            matched += match_boxes(boxes, found)
        report.append({"system": system, "recall": f"{matched / total:.3f}",
                       "precision": f"{matched / max(1, found_total):.3f}", "found": found_total,
                       "matched": matched, "s/photo": f"{statistics.median(seconds):.2f}"})
    click.echo(f"detection benchmark on {directory} ({len(truth)} photos, {total} chips)")
    _table(report, ["system", "recall", "precision", "found", "matched", "s/photo"])


def _bench_clicks(directory: str, truth: dict, images: dict, model: Path, seed: int = 1) -> None:
    """One click a chip: the share of chips whose click gives a box with IoU >= 0.5, and seconds a click."""
    import random
    from bomcat.images.click import box_at
    from bomcat.images.geometry import iou_xywh
    rng = random.Random(seed)
    hits = total = 0
    seconds = []
    for name, boxes in truth.items():
        for x, y, w, h in boxes:
            cx, cy = x + w / 2 + rng.uniform(-0.2, 0.2) * w, y + h / 2 + rng.uniform(-0.2, 0.2) * h
            t0 = time.perf_counter()
            box = box_at(images[name], cx, cy, model)
            seconds.append(time.perf_counter() - t0)
            total += 1
            hits += box is not None and iou_xywh(box.hull(), (x, y, w, h)) >= 0.5
    click.echo(f"click benchmark on {directory} ({len(truth)} photos, {total} chips, one click each)")
    _table([{"system": "bomcat: one click", "boxed": f"{hits / max(1, total):.3f}", "chips": total,
             "s/click": f"{statistics.median(seconds):.2f}"}], ["system", "boxed", "chips", "s/click"])


@bench.command("ingest")
@click.option("--photos", default=1, show_default=True, help="Rendered board photos in the batch (each unique).")
@click.option("--workers", default="1,2", show_default=True,
              help="Comma-separated counts of concurrent `bomcat ingest` processes to measure, each on a fresh catalog.")
@click.option("--chips", default=10, show_default=True, help="Packages on each rendered board.")
@click.option("--size", default="4000x3000", show_default=True, help="Board photo size (12 MP by default).")
def bench_ingest(photos: int, workers: str, chips: int, size: str) -> None:
    """Ingest a batch of rendered board photos with the real `bomcat ingest`: photos per minute with
    each worker count, seconds per photo per worker, and each process's peak memory over its batch."""
    import sys

    from bomcat.ingest_bench import run
    try:
        width, height = (int(v) for v in size.lower().split("x"))
        counts = [int(w) for w in workers.split(",")]
    except ValueError:
        raise BomcatError(f"--size {size!r} / --workers {workers!r}: want WIDTHxHEIGHT and counts like 1,2") from None
    if photos < 1 or chips < 1 or min(counts) < 1:
        raise BomcatError("--photos, --chips and every --workers count must be 1 or more")
    runs = run(photos, chips, (width, height), counts, lambda total, what: _bar(total, what, sys.stderr.isatty()))
    click.echo(f"ingest benchmark: {photos} rendered {width}x{height} photos ({width * height / 1e6:.0f} MP) "
               f"with {chips} packages each, `bomcat ingest` per worker")
    _table([r.as_row() for r in runs], ["workers", "photos", "seconds", "photos/min", "s/photo/worker",
                                        "components", "resolved", "peak RSS MB", "failed"])
    for r in runs:
        for failure in r.failures[:5]:
            click.echo(f"failed ({r.workers} workers): {failure}")


def _bar(total: int, what: str, enabled: bool):
    """A progress bar on stderr, used as `with _bar(n, "doing") as update: update(1)`."""
    import contextlib
    import sys
    import threading

    from tqdm import tqdm

    @contextlib.contextmanager
    def bar():
        with tqdm(total=total, desc=what, unit="photo", disable=not enabled, file=sys.stderr) as t:
            lock = threading.Lock()   # the workers' reader threads update it

            def update(n: int) -> None:
                with lock:
                    t.update(n)
            yield update
    return bar()


@bench.command("all")
@click.option("--shared", default="../shared", show_default=True, type=click.Path(file_okay=False),
              help="The shared benchmark folder (benches whose data is missing are listed as skipped).")
@click.option("--out", default="BENCHMARKS.md", show_default=True, type=click.Path(dir_okay=False))
@click.option("--quick", is_flag=True, help="Smaller sizes (5 photos, 500 devices, 50 requests, 15 s of load).")
def bench_all(shared: str, out: str, quick: bool) -> None:
    """Run every benchmark, each as the command printed beside it, and write OUT (Markdown): the
    machine, the date, each command, its output, and each figure beside its anchor with the ratio."""
    import sys

    from bomcat.bench_report import plan, run_all
    report = run_all(plan(Path(shared), quick), lambda line: click.echo(line, err=True), sys.stderr.isatty())
    Path(out).write_text(report, encoding="utf-8")
    click.echo(f"wrote {out}")


@bench.command("hostile")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds a request may take before it is a hang.")
def bench_hostile(timeout: float) -> None:
    """Throw a hostile corpus (bombs, truncated, polyglot, mislabelled and strip images, CMYK, 16-bit,
    EXIF-rotated and multi-frame photos, hostile file names and field values), made here, at the real
    server on a throwaway catalog (BOMCAT_HOME when set), and check the photo store afterwards."""
    from bomcat.hostile import EXPECTED, run

    def echo(outcome) -> None:
        expected = f" (expected {EXPECTED[outcome.expected]})" if outcome.expected else ""
        click.echo(f"{outcome.name:<28} {outcome.status or '-':>4} {outcome.verdict:<8} {outcome.seconds:6.2f} s"
                   f"{expected}  {outcome.detail}")

    home = os.environ.get("BOMCAT_HOME")
    result = run(Path(home) if home else None, timeout, echo)
    for outcome in result["unexpected"]:
        click.echo(f"unexpected: {outcome.name} was {outcome.verdict}, expected {EXPECTED[outcome.expected]}")
    for kind, paths in result["audit"].as_dict().items():
        for path in paths:
            click.echo(f"store: {kind[:-1] if kind.endswith('s') else kind} {path}")
    s = result["summary"]
    click.echo(f"files {s['files']} refused {s['refused']} accepted {s['accepted']} 5xx {s['5xx']} "
               f"hangs {s['hangs']} orphans {s['orphans']}")


@bench.command("load")
@click.option("--seconds", default=60.0, show_default=True, help="How long the load runs.")
@click.option("--uploaders", default=20, show_default=True, help="Clients uploading photos in a loop.")
@click.option("--readers", default=50, show_default=True, help="Clients reading pages in a loop.")
@click.option("--photos-each", default=0, show_default=True,
              help="Photos each uploader sends (0: in a loop until the time is up).")
@click.option("--database", "database_url", default=None, metavar="URL",
              help="A throwaway PostgreSQL database (postgresql+psycopg://...) instead of SQLite in BOMCAT_HOME.")
def bench_load(seconds: float, uploaders: int, readers: int, photos_each: int, database_url: Optional[str]) -> None:
    """Start the real server on a throwaway catalog (BOMCAT_HOME when set) and drive uploaders and
    readers against it; afterwards every acknowledged upload must be in the catalog."""
    from bomcat.load import run
    home = os.environ.get("BOMCAT_HOME")
    r = run(Path(home) if home else None, database_url, seconds, uploaders, readers, click.echo, photos_each)
    click.echo(f"uploads {r['uploads']} acknowledged {r['acknowledged']} (median {r['upload_p50_ms']} ms), "
               f"reads {r['reads']}, unanswered {r['no_answer']}")
    click.echo(f"requests {r['requests']} 5xx {r['5xx']} locked {r['locked']} lost {r['lost']} "
               f"p50 {r['p50_ms']} ms p95 {r['p95_ms']} ms")


@bench.command("catalog")
@click.option("--devices", default=10000, show_default=True, help="Devices to add (about 30 components each).")
@click.option("--seed", default=1, show_default=True)
@click.pass_context
def bench_catalog(ctx, devices: int, seed: int) -> None:
    """Add a large, realistic catalog to the catalog in BOMCAT_HOME (or --db): devices with placeholder
    photos, components drawn from the knowledge base's real example markings, reviews, outreach."""
    import sys

    from bomcat.catalog_bench import generate, progress_bar
    catalog = open_catalog_from(ctx)
    t0 = time.perf_counter()
    with progress_bar(devices, sys.stderr.isatty()) as bar:
        counts = generate(catalog, devices, seed=seed, progress=bar.update)
    seconds = time.perf_counter() - t0
    click.echo(f"catalog benchmark: {catalog.engine.dialect.name}, {seconds:.0f} s "
               f"({counts['components'] / max(seconds, 1e-9):,.0f} components/s)")
    _table([{k: f"{v:,}" for k, v in counts.items()}], list(counts))


@bench.command("web")
@click.option("--requests", "rounds", default=200, show_default=True, help="Requests per kind of page.")
@click.pass_context
def bench_web(ctx, rounds: int) -> None:
    """Time pages of the real server on the catalog in BOMCAT_HOME (or --db) that `bench catalog` built:
    p50 and p95 per kind of page, beside a naive one-query-per-row reading of the same device."""
    from bomcat.catalog.db import bomcat_home
    from bomcat.catalog_bench import BIG_DEVICE
    from bomcat.web_bench import run, summary_line
    try:
        timings, anchor = run(bomcat_home(ctx.obj["home"]), ctx.obj["db"], rounds, BIG_DEVICE)
    except LookupError as exc:
        raise BomcatError(str(exc)) from exc
    _table([t.as_row() for t in (*timings, anchor)], ["page", "requests", "failures", "p50 ms", "p95 ms"])
    for t in timings:
        for failure in t.failures[:5]:
            click.echo(f"failed: {failure}")
    click.echo(summary_line(timings))
