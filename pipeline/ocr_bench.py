"""The OCR benchmark: anchors (plain engines, no preprocessing), each engine
through bomcat's preprocessing, and the full resolver-guided pipeline."""
from __future__ import annotations

import functools
import statistics
import subprocess
import time
from pathlib import Path

import click

from bomcat.scoring import character_error_rate, naive_manufacturer, part_right, reduce_pn, same_maker
from bomcat.images.photo import load_upright_bgr

from bomcat.ocr.engines import ENGINES, EngineUnavailable, available_engines, lines_of_words, ppocr4, words_of
from bomcat.catalog.resolver import default_resolver
from bomcat.ocr.read import read_chip


def _plain_tesseract(path: Path) -> list[str]:
    out = subprocess.run(["tesseract", str(path), "-", "--psm", "6"], capture_output=True, text=True,
                         check=False).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


@functools.cache
def _shipped_rapidocr():
    return ppocr4(unclip_ratio=1.6)


def _plain_rapidocr(path: Path) -> list[str]:
    """RapidOCR with PP-OCRv4 as the rapidocr-onnxruntime wheel shipped it (its settings, its own
    recognizer): no preprocessing, no decoding."""
    image = load_upright_bgr(path)
    return [line.text for line in lines_of_words(image, words_of(_shipped_rapidocr()(image, use_cls=False)))]


def run_ocr_bench(directory: Path, rows: list[dict], verbose: bool = False, first: int = 17) -> list[dict]:
    """Each system on every crop, scored on the whole folder and, when `first` is inside it, on the
    first crops and the ones added after them apart (the added ones measure generalisation)."""
    systems = {"anchor: tesseract --psm 6": _plain_tesseract, "anchor: rapidocr as shipped": _plain_rapidocr}
    for name in ENGINES:
        systems[f"bomcat: {name}"] = (lambda p, n=name: read_chip(load_upright_bgr(p), default_resolver(), engines=(n,)))
    systems["bomcat: full pipeline"] = lambda p: read_chip(load_upright_bgr(p), default_resolver(), engines=available_engines())
    groups = [("all", 0, len(rows))]
    if 0 < first < len(rows):
        groups += [(f"1-{first}", 0, first), (f"{first + 1}-{len(rows)}", first, len(rows))]
    report = []
    for label, system in systems.items():
        scored = []  # (part right, maker right, CER, seconds) per crop
        try:
            for row in rows:
                path = directory / row["file"]
                t0 = time.perf_counter()
                result = system(path)
                seconds = time.perf_counter() - t0
                if isinstance(result, list):  # an anchor: plain lines
                    text = " | ".join(result)
                    part_ok = reduce_pn(row["part_number"]) in reduce_pn(text)
                    maker = naive_manufacturer(text)
                else:
                    text = result.text
                    part_ok = part_right(row["part_number"], result.part_number)
                    maker = result.manufacturer
                scored.append((part_ok, same_maker(row["manufacturer"], maker),
                               character_error_rate(row["lines"], text), seconds))
                if verbose:
                    click.echo(f"{label:30} {row['file']}: {text!r} part={'ok' if part_ok else 'MISS'}", err=True)
        except EngineUnavailable as exc:
            report.append({"system": label, "crops": "all", "part_number": f"unavailable: {exc}"})
            continue
        for group, lo, hi in groups:
            part = scored[lo:hi]
            n = max(1, len(part))
            report.append({"system": label, "crops": group, "part_number": f"{sum(p[0] for p in part) / n:.3f}",
                           "manufacturer": f"{sum(p[1] for p in part) / n:.3f}",
                           "mean_cer": f"{statistics.mean(p[2] for p in part):.3f}",
                           "median_s": f"{statistics.median(p[3] for p in part):.2f}"})
    return report
